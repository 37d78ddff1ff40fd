// Go versions and the upstream `golang` image tags built from them.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export interface GoVersion {
  major: number;
  minor: number;
  /** undefined for a release candidate or a "1.27" minor-only version */
  patch?: number;
  /** release candidate number: 1.27rc3 → 3 */
  rc?: number;
}

const VERSION = /^(?:go)?(\d+)\.(\d+)(?:\.(\d+)|rc(\d+))?$/;

/** Parses "go1.26.8", "1.26.8", "1.27rc3", "1.26"; throws with the accepted forms. */
export function parseGoVersion(text: string): GoVersion {
  const m = VERSION.exec(text.trim());
  if (!m) throw new Error(`"${text}" is not a Go version: expected forms like 1.26.8, go1.26.8 or 1.27rc3.`);
  return {
    major: Number(m[1]),
    minor: Number(m[2]),
    ...(m[3] !== undefined ? { patch: Number(m[3]) } : {}),
    ...(m[4] !== undefined ? { rc: Number(m[4]) } : {}),
  };
}

export const minorOf = (v: GoVersion) => `${v.major}.${v.minor}`;

export function formatGoVersion(v: GoVersion): string {
  if (v.rc !== undefined) return `${minorOf(v)}rc${v.rc}`;
  return v.patch !== undefined ? `${minorOf(v)}.${v.patch}` : minorOf(v);
}

/** Orders versions: by minor, then release candidates before the release, then patch. */
export function compareGoVersions(a: GoVersion, b: GoVersion): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  const rank = (v: GoVersion) => (v.rc !== undefined ? v.rc - 1000 : (v.patch ?? 0));
  return rank(a) - rank(b);
}

/**
 * The patch folder for a Go version: patches/go<major>.<minor>. A version without one is refused with the list
 * of minors that have a patch (a new Go minor needs a new folder, reviewed hunk by hunk).
 */
export function patchDirFor(version: GoVersion, patchesRoot: string): string {
  const dir = join(patchesRoot, `go${minorOf(version)}`);
  if (existsSync(dir)) return dir;
  const known = patchedMinors(patchesRoot).map((m) => `go${m}`);
  throw new Error(
    `No runtime patch for go${formatGoVersion(version)}: ${patchesRoot} has ${known.join(', ') || 'none'}; port the newest one to go${minorOf(version)}.`,
  );
}

/** The Go minors that have a patch folder (patches/go1.26 → "1.26"), sorted. */
export function patchedMinors(patchesRoot: string): string[] {
  if (!existsSync(patchesRoot)) return [];
  return readdirSync(patchesRoot, { withFileTypes: true })
    .filter((e) => e.isDirectory() && /^go\d+\.\d+$/.test(e.name))
    .map((e) => e.name.slice(2))
    .sort();
}
