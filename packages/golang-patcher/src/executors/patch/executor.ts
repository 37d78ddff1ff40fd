// golang-patcher:patch — builds the patched golang image from an upstream one and records it in image.json.
import { join, resolve } from 'node:path';
import { buildImage, imageJsonFor, nxExecutor, optionsOrThrow, writeImageJson } from '@confidential/image-builder';
import { execa } from 'execa';
import { patchDigest, patchedImageModel, patchedTag } from '../../lib/image-model.js';
import { formatGoVersion, parseGoVersion, patchDirFor } from '../../lib/versions.js';
import { PatchOptions } from './options.js';

/** The Go version of an upstream golang tag ("1.26.8-bookworm" → 1.26.8). */
function goVersionOfTag(from: string): string {
  const tag = from.slice(from.lastIndexOf(':') + 1);
  const m = /^(\d+\.\d+(?:\.\d+|rc\d+)?)/.exec(tag);
  if (!m?.[1]) throw new Error(`golang-patcher:patch: option "from" is invalid: cannot read a Go version in the tag of ${from}.`);
  return m[1];
}

export async function runPatch(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ ref: string; id: string }> {
  const options = optionsOrThrow(PatchOptions, raw, 'golang-patcher:patch');
  const from = options.from ?? `golang:${(await execa('go', ['env', 'GOVERSION'])).stdout.trim().replace(/^go/, '')}-bookworm`;
  const goVersion = formatGoVersion(parseGoVersion(goVersionOfTag(from)));
  const packageRoot = join(root, 'packages/golang-patcher');
  const patchDir = patchDirFor(parseGoVersion(goVersion), join(packageRoot, 'patches'));
  const patchName = patchDir.slice(patchDir.lastIndexOf('/') + 1);
  const digest = patchDigest(patchDir);
  const ref = `${options.repository}:${patchedTag(from.slice(from.lastIndexOf(':') + 1), options.libc)}`;
  log(`golang-patcher:patch ${from} + ${patchName} (${digest.slice(0, 19)}…) → ${ref} [${options.libc}]`);
  const result = await buildImage({
    dockerfile: patchedImageModel({ from, libc: options.libc, goVersion, patchName, patchDigest: digest }),
    context: [
      { src: patchDir, dest: `golang-patcher/patches/${patchName}` },
      { src: join(packageRoot, 'scripts'), dest: 'golang-patcher/scripts' },
    ],
    cwd: root,
    tags: [ref],
    noCache: options.noCache,
    onProgress: log,
  });
  const record = await imageJsonFor(ref, undefined, { go: goVersion, libc: options.libc, patch: `${patchName}@${digest}`, from });
  await writeImageJson(resolve(root, options.output), record);
  log(`golang-patcher:patch ${ref} = ${result.id} (${result.cachedSteps} cached steps) → ${options.output}`);
  return { ref, id: result.id };
}

export default nxExecutor((raw, root) => runPatch(raw, root));
