// golang-patcher:patch — builds the patched golang image from an upstream one and records it in image.json.
import { resolve } from 'node:path';
import { configuredRegistry, pushedRecord, writeImageJson } from '@confidential/image-builder';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { execa } from 'execa';
import { buildPatchedImage, goVersionOfTag } from '../../lib/patch-image.js';
import { PatchOptions } from './options.js';

export async function runPatch(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ ref: string; id: string }> {
  const options = optionsOrThrow(PatchOptions, raw, 'golang-patcher:patch');
  const from = options.from ?? `golang:${(await execa('go', ['env', 'GOVERSION'])).stdout.trim().replace(/^go/, '')}-bookworm`;
  try {
    goVersionOfTag(from);
  } catch (err) {
    throw new Error(`golang-patcher:patch: option "from" is invalid: ${(err as Error).message}.`, { cause: err });
  }
  const { cachedSteps, ...record } = await buildPatchedImage({ root, from, libc: options.libc, repository: options.repository, noCache: options.noCache, log });
  await writeImageJson(resolve(root, options.output), await pushedRecord(record, options.push ? configuredRegistry() : undefined, log));
  log(`golang-patcher:patch ${record.ref} = ${record.id} (${cachedSteps} cached steps) → ${options.output}`);
  return { ref: record.ref, id: record.id };
}

export default nxExecutor((raw, root) => runPatch(raw, root));
