import { chmod, mkdir, mkdtemp, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tar from 'tar-stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contextFiles, packContextBuffer } from './context.js';

async function list(buf: Buffer): Promise<{ name: string; mode: number; mtime: number; type: string; body: string }[]> {
  const out: { name: string; mode: number; mtime: number; type: string; body: string }[] = [];
  const extract = tar.extract();
  await new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.push({ name: h.name, mode: h.mode ?? 0, mtime: h.mtime?.getTime() ?? -1, type: h.type ?? '', body: Buffer.concat(chunks).toString() });
        next();
      });
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
    extract.end(buf);
  });
  return out;
}

describe('packContext', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ctx-'));
    await mkdir(join(dir, 'app/sub'), { recursive: true });
    await writeFile(join(dir, 'app/b.txt'), 'b');
    await writeFile(join(dir, 'app/a.txt'), 'a');
    await writeFile(join(dir, 'app/sub/c.go'), 'package main');
    await writeFile(join(dir, 'app/skip.o'), 'obj');
    await symlink('a.txt', join(dir, 'app/link'));
    await writeFile(join(dir, 'run.sh'), '#!/bin/sh\n');
    await chmod(join(dir, 'run.sh'), 0o600);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const entries = () => [
    { src: 'app', dest: 'src/app', exclude: ['*.o'] },
    { src: join(dir, 'run.sh'), dest: 'bin/run.sh', mode: 0o755 },
  ];

  it('packs only the declared files, sorted, with fixed mtimes, owner 0 and forced modes', async () => {
    const buf = await packContextBuffer({ dockerfile: 'FROM scratch\n', entries: entries(), cwd: dir });
    const items = await list(buf);
    expect(items.map((i) => i.name)).toEqual([
      'Dockerfile',
      'bin/',
      'bin/run.sh',
      'src/',
      'src/app/',
      'src/app/a.txt',
      'src/app/b.txt',
      'src/app/link',
      'src/app/sub/',
      'src/app/sub/c.go',
    ]);
    expect(items.every((i) => i.mtime === 0)).toBe(true);
    expect(items.find((i) => i.name === 'bin/run.sh')?.mode).toBe(0o755);
    expect(items.find((i) => i.name === 'src/app/link')?.type).toBe('symlink');
    expect(items.find((i) => i.name === 'Dockerfile')?.body).toBe('FROM scratch\n');
  });

  it('is deterministic: identical inputs give identical bytes even after mtimes change', async () => {
    const one = await packContextBuffer({ dockerfile: 'FROM scratch\n', entries: entries(), cwd: dir });
    await utimes(join(dir, 'app/a.txt'), new Date(), new Date(Date.now() - 1e7));
    const two = await packContextBuffer({ dockerfile: 'FROM scratch\n', entries: entries(), cwd: dir });
    expect(two.equals(one)).toBe(true);
    const three = await packContextBuffer({ dockerfile: 'FROM scratch\nCMD ["x"]\n', entries: entries(), cwd: dir });
    expect(three.equals(one)).toBe(false);
  });

  it('lists the files an entry set produces', async () => {
    expect(await contextFiles([{ src: 'app/sub', dest: 'x' }], dir)).toEqual(['x', 'x/c.go']);
  });

  it.each([
    [[{ src: 'missing', dest: 'x' }], /src "missing": .*missing does not exist/],
    [[{ src: 'run.sh', dest: '../x' }], /dest "..\/x": expected a path inside the context/],
    [[{ src: 'run.sh', dest: 'Dockerfile' }], /"Dockerfile" is reserved/],
    [[{ src: 'run.sh', dest: 'x' }, { src: 'app/a.txt', dest: 'x' }], /"x" is declared twice/],
  ])('rejects bad entries clearly (%j)', async (bad, message) => {
    await expect(packContextBuffer({ dockerfile: 'FROM scratch\n', entries: bad, cwd: dir })).rejects.toThrow(message);
  });
});
