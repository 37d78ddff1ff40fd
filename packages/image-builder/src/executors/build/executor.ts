// image-builder:build — builds an image (inline model or Dockerfile) from declared context files and writes
// image.json {ref, id, digest, size, labels, builtAt}. Upstream images come from their image.json (checked in
// the engine: a cached output naming a gone image fails with how to rebuild).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { bootstrapBaseImage } from '../../lib/base-images.js';
import { buildImage, stageNamesOfText } from '../../lib/build.js';
import { optionsOrThrow, nxExecutor } from '@confidential/kit';
import { configuredRegistry, imageJsonFor, pushedRecord, verifyImageJson, writeImageJson } from '../../lib/images.js';
import { BuildOptions } from './options.js';

export async function runBuild(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ success: boolean; id: string }> {
  const options = optionsOrThrow(BuildOptions, raw, 'image-builder:build');
  let dockerfile: Parameters<typeof buildImage>[0]['dockerfile'];
  if (options.dockerfile) {
    const path = resolve(root, options.dockerfile);
    const text = await readFile(path, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`image-builder:build: option "dockerfile" is invalid: cannot read ${path} (${err.code ?? err.message}).`, { cause: err });
    });
    const stages = stageNamesOfText(text);
    if (options.target && !stages.includes(options.target.toLowerCase())) {
      throw new Error(`image-builder:build: option "target" is invalid: unknown stage "${options.target}" in ${options.dockerfile} (stages: ${stages.join(', ') || 'none named'}).`);
    }
    dockerfile = text;
  } else {
    dockerfile = { args: options.args ?? [], stages: options.stages ?? [] };
  }
  const buildArgs: Record<string, string> = { ...options.buildArgs };
  for (const [arg, file] of Object.entries(options.images)) {
    const path = resolve(root, file);
    const record = await verifyImageJson(path, undefined, log);
    if (!record.refMatches) {
      throw new Error(`image-builder:build: option "images.${arg}" is invalid: ${record.ref} no longer names ${record.id} recorded in ${file}; run it again (the upstream image target reruns when its tag names another image).`);
    }
    buildArgs[arg] = record.ref;
  }
  const result = await buildImage({
    dockerfile,
    context: options.context,
    cwd: root,
    tags: options.tags,
    ...(options.target ? { target: options.target } : {}),
    buildArgs,
    labels: options.labels,
    noCache: options.noCache,
    onProgress: log,
    bootstrap: bootstrapBaseImage({ log }),
  });
  const output = resolve(root, options.output);
  await writeImageJson(output, await pushedRecord(await imageJsonFor(options.tags[0]!), options.push ? configuredRegistry() : undefined, log));
  log(`image-builder:build ${options.tags.join(', ')} = ${result.id} (${(result.size / 1e6).toFixed(1)} MB, ${result.cachedSteps} cached steps) → ${options.output}`);
  return { success: true, id: result.id };
}

export default nxExecutor((raw, root) => runBuild(raw, root));
