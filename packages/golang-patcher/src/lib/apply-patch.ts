// Apply the Go runtime patch (patches/go<minor>/) to a copy of a GOROOT and
// build it: a thin wrapper over scripts/apply-patch.sh (argument arrays only).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { lineSplitter } from '@confidential/kit';
import { execa } from 'execa';

export interface ApplyPatchOptions {
  /** upstream GOROOT, e.g. /usr/local/go; also the bootstrap toolchain */
  goroot: string;
  /** new directory for the patched GOROOT (must not exist or be empty) */
  dest: string;
  /** expected Go version ("1.26.8" or "go1.26.8"); checked against $goroot/VERSION */
  version?: string;
  /** C compiler written into go.env: gcc (glibc) or musl-gcc (musl) */
  cc?: string;
  /** only check that every diff applies (patch --dry-run) */
  checkOnly?: boolean;
  /** remove dest first (after the GOROOT checks) */
  replace?: boolean;
  /** patch folder; default: patches/go<major.minor> of the package */
  patchDir?: string;
  /** each output line as it comes (make.bash stages, hunk checks) */
  log?: (line: string) => void;
}

export interface ApplyPatchResult {
  version: string;
  dest: string;
  log: string;
}

export const applyPatchScript = fileURLToPath(new URL('../../scripts/apply-patch.sh', import.meta.url));

/** The command line apply-patch.sh is run with (exported for tests). */
export function applyPatchCommand(o: ApplyPatchOptions): { file: string; args: string[]; env: Record<string, string> } {
  const args = [applyPatchScript, o.goroot, o.dest, ...(o.patchDir ? [o.patchDir] : [])];
  const env: Record<string, string> = { CC: o.cc ?? 'gcc' };
  if (o.checkOnly) env.CHECK_ONLY = '1';
  return { file: 'bash', args, env };
}

export async function applyPatch(o: ApplyPatchOptions): Promise<ApplyPatchResult> {
  const versionFile = `${o.goroot}/VERSION`;
  if (!existsSync(versionFile)) throw new Error(`${o.goroot} is not a GOROOT (no VERSION file)`);
  const version = (readFileSync(versionFile, 'utf8').split('\n')[0] ?? '').trim();
  if (o.version && version !== o.version && version !== `go${o.version}`) {
    throw new Error(`${o.goroot} is ${version}, expected ${o.version}`);
  }
  if (o.replace && !o.checkOnly) rmSync(o.dest, { recursive: true, force: true });
  const { file, args, env } = applyPatchCommand(o);
  const run = execa(file, args, { env, reject: false, all: true });
  const lines = lineSplitter((line) => o.log?.(line));
  run.all?.on('data', (chunk: Buffer) => lines.write(String(chunk)));
  const r = await run;
  if (lines.rest) o.log?.(lines.rest);
  if (r.exitCode !== 0) {
    throw new Error(`apply-patch.sh failed (exit ${r.exitCode}) for ${version}:\n${r.all ?? ''}`);
  }
  return { version, dest: o.dest, log: r.all ?? '' };
}
