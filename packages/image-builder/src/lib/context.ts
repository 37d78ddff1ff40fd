// A build context packed as tar from declared files only: each entry copies a host file or folder to a path in
// the context, plus the rendered Dockerfile. Deterministic: entries sorted by path, mtime fixed at the epoch,
// owner 0:0, so identical inputs give identical tar bytes (and the engine's COPY cache keys stay stable).
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix, relative, resolve, sep } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import picomatch from 'picomatch';
import tar from 'tar-stream';
import { z } from 'zod';

export const ContextEntry = z.strictObject({
  /** host path (file or folder); relative paths are resolved against the `cwd` given to packContext */
  src: z.string().min(1),
  /** path inside the context (a folder's tree lands under it) */
  dest: z.string().min(1),
  /** file mode forced on every file of this entry (e.g. 0o755); default: the host mode */
  mode: z.number().int().min(0).max(0o7777).optional(),
  /** globs (picomatch) relative to src that are left out, e.g. ["pkg/obj/**"] */
  exclude: z.array(z.string().min(1)).optional(),
});
export type ContextEntry = z.infer<typeof ContextEntry>;

export interface PackContextOptions {
  /** Dockerfile text, written as `Dockerfile` at the root of the context */
  dockerfile: string;
  entries?: ContextEntry[];
  /** base for relative `src` paths; default process.cwd() */
  cwd?: string;
}

interface FileItem {
  name: string;
  host: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  size: number;
  linkname?: string;
}

const EPOCH = new Date(0);

function contextPath(dest: string): string {
  const clean = posix.normalize(dest.split(sep).join('/')).replace(/^\/+/, '').replace(/\/+$/, '');
  if (clean === '' || clean === '.' || clean.startsWith('../') || clean === '..') {
    throw new Error(`build context entry dest "${dest}": expected a path inside the context`);
  }
  return clean;
}

async function collect(entry: ContextEntry, cwd: string, out: Map<string, FileItem>): Promise<void> {
  const src = resolve(cwd, entry.src);
  const root = contextPath(entry.dest);
  const excluded = entry.exclude?.length ? picomatch(entry.exclude, { dot: true }) : () => false;
  const add = (item: FileItem) => {
    const prev = out.get(item.name);
    if (prev && prev.type !== 'directory' && prev.host !== item.host) {
      throw new Error(`build context: "${item.name}" is declared twice (${prev.host} and ${item.host})`);
    }
    if (!prev || item.type !== 'directory') out.set(item.name, item);
  };
  // parent folders of the destination
  const parts = root.split('/');
  for (let i = 1; i < parts.length; i++) {
    const name = parts.slice(0, i).join('/');
    if (!out.has(name)) out.set(name, { name, host: '', type: 'directory', mode: 0o755, size: 0 });
  }
  const walk = async (host: string, name: string): Promise<void> => {
    let st;
    try {
      st = await lstat(host);
    } catch (err) {
      throw new Error(`build context entry src "${entry.src}": ${host} does not exist`, { cause: err });
    }
    const rel = relative(src, host).split(sep).join('/');
    if (rel && excluded(rel)) return;
    if (st.isDirectory()) {
      add({ name, host, type: 'directory', mode: st.mode & 0o7777, size: 0 });
      for (const child of (await readdir(host)).sort()) await walk(join(host, child), `${name}/${child}`);
    } else if (st.isSymbolicLink()) {
      add({ name, host, type: 'symlink', mode: 0o777, size: 0, linkname: await readlink(host) });
    } else if (st.isFile()) {
      add({ name, host, type: 'file', mode: entry.mode ?? st.mode & 0o7777, size: st.size });
    }
  };
  await walk(src, root);
}

/** The sorted list of context paths an entry set produces (for tests and dry runs). */
export async function contextFiles(entries: ContextEntry[], cwd = process.cwd()): Promise<string[]> {
  const items = new Map<string, FileItem>();
  for (const e of entries) await collect(ContextEntry.parse(e), cwd, items);
  return [...items.keys()].sort();
}

/**
 * Packs the context as a tar stream (streamed, so large trees such as a GOROOT are not held in memory).
 * Errors found while listing (missing src, duplicate dest) reject before any byte is produced.
 */
export async function packContext(options: PackContextOptions): Promise<Readable> {
  const cwd = options.cwd ?? process.cwd();
  const items = new Map<string, FileItem>();
  for (const e of options.entries ?? []) await collect(ContextEntry.parse(e), cwd, items);
  if (items.has('Dockerfile')) throw new Error('build context: "Dockerfile" is reserved for the rendered Dockerfile');
  const sorted = [...items.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const pack = tar.pack();
  const out = new PassThrough();
  const common = { mtime: EPOCH, uid: 0, gid: 0, uname: '', gname: '' };
  const fill = async () => {
    const dockerfile = Buffer.from(options.dockerfile);
    await new Promise<void>((ok, ko) => pack.entry({ ...common, name: 'Dockerfile', mode: 0o644, size: dockerfile.length }, dockerfile, (e) => (e ? ko(e) : ok())));
    for (const item of sorted) {
      if (item.type === 'directory') {
        await new Promise<void>((ok, ko) => pack.entry({ ...common, name: `${item.name}/`, type: 'directory', mode: item.mode }, (e) => (e ? ko(e) : ok())));
      } else if (item.type === 'symlink') {
        await new Promise<void>((ok, ko) => pack.entry({ ...common, name: item.name, type: 'symlink', linkname: item.linkname ?? '', mode: 0o777 }, (e) => (e ? ko(e) : ok())));
      } else {
        const sink = pack.entry({ ...common, name: item.name, type: 'file', mode: item.mode, size: item.size });
        await pipeline(createReadStream(item.host), sink);
      }
    }
    pack.finalize();
  };
  pack.pipe(out);
  fill().catch((err: unknown) => out.destroy(err instanceof Error ? err : new Error(String(err))));
  return out;
}

/** Packs the context into one Buffer (small contexts, tests). */
export async function packContextBuffer(options: PackContextOptions): Promise<Buffer> {
  const stream = await packContext(options);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
