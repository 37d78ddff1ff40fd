// golang-patcher:toolchain — the patched GOROOT on the host, the base of verify, std-tests and bench.
import { resolve } from 'node:path';
import { goToolchain } from '@confidential/image-builder';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { execa } from 'execa';
import { type ApplyPatchResult, applyPatch } from '../../lib/apply-patch.js';
import { ToolchainOptions } from './options.js';

export async function runToolchain(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<ApplyPatchResult> {
  const o = optionsOrThrow(ToolchainOptions, raw, 'golang-patcher:toolchain');
  const goroot = o.goroot ?? (o.go ? (await goToolchain(o.go)).goroot : (await execa('go', ['env', 'GOROOT'])).stdout.trim());
  const result = await applyPatch({ goroot, dest: resolve(root, o.dest), cc: o.cc, replace: true, log });
  log(`golang-patcher:toolchain ${result.version} patched → ${o.dest}`);
  return result;
}

export default nxExecutor((raw, root) => runToolchain(raw, root));
