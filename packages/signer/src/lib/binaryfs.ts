// binaryfs generator: collects the files matching include globs under a root and emits binary_fs_blob.s, the
// assembly holding their bytes and an index table (__binaryfs_header, laid out as in src/c/bfs.h). Deterministic:
// entries sorted by path bytes, no timestamps, modes from the files.
import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import picomatch from 'picomatch';

export interface BinaryFsEntry {
  /** absolute path as the program sees it (root-relative, leading "/") */
  path: string;
  kind: 'file' | 'dir' | 'symlink';
  /** st_mode including the file type bits */
  mode: number;
  size: number;
  sha256: string;
  /** directory added only because an included file lies below it */
  implicit: boolean;
  data: Buffer;
}

export interface CollectOptions {
  /** host directory whose contents appear at "/" for the program */
  root: string;
  /** picomatch globs matched against "/"-rooted paths, e.g. "/caddy/*" */
  include: string[];
  /** directories served from the host at run time, never embedded, e.g. "/root/.local/share/caddy/" */
  hostPaths?: string[];
}

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

/** "/a//b/../c/" → "/a/c"; always absolute. */
export function normalizeEmbeddedPath(p: string): string {
  return posix.resolve('/', p);
}

export function normalizeHostPaths(hostPaths: readonly string[]): string[] {
  return [...new Set(hostPaths.map(normalizeEmbeddedPath))].sort();
}

const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

function underHostPath(p: string, hostPaths: readonly string[]): boolean {
  return hostPaths.some((h) => h === '/' || p === h || p.startsWith(`${h}/`));
}

/** Collects the matching files (and their parent directories), sorted by path bytes. */
export async function collectFiles(options: CollectOptions): Promise<BinaryFsEntry[]> {
  const globs = options.include.map((g) => (g.startsWith('/') ? g : `/${g}`));
  if (globs.length === 0) throw new Error('binaryfs: include must name at least one glob');
  // a literal directory means the directory and everything below it
  const patterns = globs.flatMap((g) => (picomatch.scan(g).isGlob ? [g] : [g, `${g.replace(/\/+$/, '')}/**`]));
  const isMatch = picomatch(patterns, { dot: true });
  const hostPaths = normalizeHostPaths(options.hostPaths ?? []);
  const found = new Map<string, BinaryFsEntry>();

  async function visit(rel: string): Promise<void> {
    if (found.has(rel) || underHostPath(rel, hostPaths)) return;
    const abs = join(options.root, rel);
    let st;
    try {
      st = await lstat(abs);
    } catch {
      return;
    }
    const matched = rel !== '/' && isMatch(rel);
    if (st.isSymbolicLink()) {
      if (!matched) return;
      const data = Buffer.from(await readlink(abs));
      found.set(rel, entry(rel, 'symlink', S_IFLNK | 0o777, data, false));
    } else if (st.isFile()) {
      if (!matched) return;
      const data = await readFile(abs);
      found.set(rel, entry(rel, 'file', S_IFREG | (st.mode & 0o7777), data, false));
    } else if (st.isDirectory()) {
      if (matched) found.set(rel, entry(rel, 'dir', S_IFDIR | (st.mode & 0o7777), Buffer.alloc(0), false));
      const names = (await readdir(abs)).sort(byteOrder);
      for (const name of names) await visit(rel === '/' ? `/${name}` : `${rel}/${name}`);
    }
  }

  for (const glob of globs) {
    const scan = picomatch.scan(glob);
    const base = normalizeEmbeddedPath(scan.isGlob ? scan.base || '/' : posix.dirname(glob));
    if (!scan.isGlob) {
      await visit(normalizeEmbeddedPath(glob));
      continue;
    }
    await visit(base);
  }
  // parents of every entry; "/" always exists
  for (const p of [...found.keys()]) {
    for (let d = posix.dirname(p); ; d = posix.dirname(d)) {
      if (!found.has(d)) found.set(d, entry(d, 'dir', S_IFDIR | 0o755, Buffer.alloc(0), true));
      if (d === '/') break;
    }
  }
  if (!found.has('/')) found.set('/', entry('/', 'dir', S_IFDIR | 0o755, Buffer.alloc(0), true));
  // a host path inside an embedded directory still shows in its listing (the runtime passes it through)
  for (const h of hostPaths) {
    if (h !== '/' && found.has(posix.dirname(h)) && !found.has(h)) found.set(h, entry(h, 'dir', S_IFDIR | 0o755, Buffer.alloc(0), true));
  }
  return [...found.values()].sort((a, b) => byteOrder(a.path, b.path));
}

function entry(path: string, kind: BinaryFsEntry['kind'], mode: number, data: Buffer, implicit: boolean): BinaryFsEntry {
  return { path, kind, mode, size: data.length, sha256: createHash('sha256').update(data).digest('hex'), implicit, data };
}

/** GNU as string literal: printable ASCII raw, everything else as a 3-digit octal escape. */
function asciiLines(data: Buffer, perLine = 96): string[] {
  const lines: string[] = [];
  for (let off = 0; off < data.length; off += perLine) {
    let s = '';
    for (const b of data.subarray(off, off + perLine)) {
      s += b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\${b.toString(8).padStart(3, '0')}`;
    }
    lines.push(`\t.ascii "${s}"`);
  }
  return lines;
}

export interface BlobOptions {
  hostPaths?: string[];
  /** sha256 (hex) of the canonical signing options, baked in for the start-up measurement */
  optionsSha256: string;
  /** st_mtime reported for every embedded entry (default 0: reproducible) */
  mtime?: number;
}

/** Renders binary_fs_blob.s for the entries (as returned by collectFiles). */
export function renderBlobAssembly(entries: readonly BinaryFsEntry[], options: BlobOptions): string {
  if (!/^[0-9a-f]{64}$/.test(options.optionsSha256)) throw new Error('binaryfs: optionsSha256 must be 64 hex digits');
  const index = new Map(entries.map((e, i) => [e.path, i]));
  if (entries[0]?.path !== '/') throw new Error('binaryfs: entries must start with "/" (use collectFiles)');
  const children = new Map<number, number[]>();
  entries.forEach((e, i) => {
    if (e.path === '/') return;
    const parent = index.get(posix.dirname(e.path));
    if (parent === undefined) throw new Error(`binaryfs: the parent of ${e.path} is missing`);
    children.set(parent, [...(children.get(parent) ?? []), i]);
  });
  const hostPaths = normalizeHostPaths(options.hostPaths ?? []);
  const out: string[] = [
    `# binary_fs_blob.s: generated by @confidential/signer (binaryfs), ${entries.length} entries; do not edit.`,
    '\t.section .note.GNU-stack,"",@progbits',
    '\t.section .rodata.binaryfs,"a",@progbits',
  ];
  entries.forEach((e, i) => {
    out.push(`.Lpath${i}:`, ...asciiLines(Buffer.from(e.path)), '\t.byte 0');
    out.push(`.Lsha${i}:`, ...asciiLines(Buffer.from(e.sha256, 'hex')));
    if (e.data.length > 0) out.push('\t.balign 16', `.Ldata${i}:`, ...asciiLines(e.data));
  });
  hostPaths.forEach((h, i) => out.push(`.Lhost${i}:`, ...asciiLines(Buffer.from(h)), '\t.byte 0'));
  out.push('.Loptions:', ...asciiLines(Buffer.from(options.optionsSha256, 'hex')));
  out.push('\t.balign 4', '.Lchildren:');
  const childList: number[] = [];
  const first = new Map<number, number>();
  entries.forEach((_, i) => {
    first.set(i, childList.length);
    childList.push(...(children.get(i) ?? []));
  });
  for (let i = 0; i < childList.length; i += 16) out.push(`\t.long ${childList.slice(i, i + 16).join(', ')}`);
  if (childList.length === 0) out.push('\t.long 0');
  out.push('\t.section .data.rel.ro.binaryfs,"aw",@progbits', '\t.balign 8', '.Lentries:');
  entries.forEach((e, i) => {
    const parent = e.path === '/' ? -1 : index.get(posix.dirname(e.path))!;
    out.push(
      `\t.quad .Lpath${i}, ${Buffer.byteLength(e.path)}, ${e.data.length > 0 ? `.Ldata${i}` : 0}, ${e.data.length}`,
      `\t.long ${e.mode}, ${e.implicit ? 1 : 0}, ${parent}, ${first.get(i)}, ${children.get(i)?.length ?? 0}, 0`,
      `\t.quad .Lsha${i}`,
    );
  });
  out.push('.Lhosts:');
  hostPaths.forEach((h, i) => out.push(`\t.quad .Lhost${i}, ${Buffer.byteLength(h)}`));
  out.push('\t.quad 0, 0');
  out.push(
    '\t.globl __binaryfs_header',
    '\t.hidden __binaryfs_header',
    '\t.type __binaryfs_header, @object',
    '\t.size __binaryfs_header, 88',
    '__binaryfs_header:',
    `\t.quad 0x31424f4c42534642, 1, ${entries.length}, .Lentries, .Lchildren, ${hostPaths.length}, .Lhosts, .Loptions`,
    `\t.quad .Lmemfds, bfs_runtime_anchor, ${Math.trunc(options.mtime ?? 0)}`,
    '\t.bss',
    '\t.balign 4',
    '.Lmemfds:',
    `\t.zero ${4 * Math.max(1, entries.length)}`,
    '',
  );
  return out.join('\n');
}

/** A summary of the embedded files (for logs and the manifest). */
export function describeEntries(entries: readonly BinaryFsEntry[]): { path: string; mode: string; size: number; sha256: string }[] {
  return entries
    .filter((e) => e.kind !== 'dir')
    .map((e) => ({ path: e.path, mode: e.mode.toString(8), size: e.size, sha256: e.sha256 }));
}
