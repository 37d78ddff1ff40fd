import { mkdtemp, mkdir, rm, symlink, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectFiles, normalizeEmbeddedPath, renderBlobAssembly } from './binaryfs.js';

const OPT = 'ab'.repeat(32);
let root: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'bfs-spec-'));
  await mkdir(join(root, 'site/sub/deep'), { recursive: true });
  await mkdir(join(root, 'site/certs'), { recursive: true });
  await writeFile(join(root, 'site/index.html'), 'hello "quoted" \\ \x00\x01 bytes\n');
  await writeFile(join(root, 'site/b.txt'), 'b');
  await writeFile(join(root, 'site/sub/deep/x.go'), 'package x\n');
  await writeFile(join(root, 'site/certs/key.pem'), 'secret');
  await writeFile(join(root, 'other.txt'), 'not included');
  await chmod(join(root, 'site/b.txt'), 0o600);
  await symlink('index.html', join(root, 'site/link.html'));
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('collectFiles', () => {
  it('collects matching files, their parents (implicit) and symlinks, sorted by path bytes', async () => {
    const entries = await collectFiles({ root, include: ['/site/*'] });
    expect(entries.map((e) => [e.path, e.kind, e.implicit])).toEqual([
      ['/', 'dir', true],
      ['/site', 'dir', true],
      ['/site/b.txt', 'file', false],
      ['/site/certs', 'dir', false],
      ['/site/index.html', 'file', false],
      ['/site/link.html', 'symlink', false],
      ['/site/sub', 'dir', false],
    ]);
    const b = entries.find((e) => e.path === '/site/b.txt')!;
    expect(b.mode).toBe(0o100600);
    expect(b.sha256).toBe('3e23e8160039594a33894f6564e1b1348bbd7a0088d42c4acb73eeaed59c009d');
    expect(entries.find((e) => e.path === '/site/link.html')!.data.toString()).toBe('index.html');
  });

  it('recurses with ** and for a literal directory, and leaves host paths out', async () => {
    const globbed = await collectFiles({ root, include: ['/site/**'], hostPaths: ['/site/certs/'] });
    const literal = await collectFiles({ root, include: ['/site'], hostPaths: ['/site/certs'] });
    const files = (es: typeof globbed) => es.filter((e) => e.kind !== 'dir').map((e) => e.path);
    expect(files(globbed)).toEqual(['/site/b.txt', '/site/index.html', '/site/link.html', '/site/sub/deep/x.go']);
    expect(files(literal)).toEqual(files(globbed));
    expect(globbed.filter((e) => e.path.startsWith('/site/certs')).map((e) => [e.path, e.kind, e.implicit])).toEqual([['/site/certs', 'dir', true]]);
  });

  it('accepts globs without the leading slash and rejects an empty include list', async () => {
    const a = await collectFiles({ root, include: ['site/*.txt'] });
    expect(a.filter((e) => e.kind === 'file').map((e) => e.path)).toEqual(['/site/b.txt']);
    await expect(collectFiles({ root, include: [] })).rejects.toThrow(/at least one glob/);
  });
});

describe('renderBlobAssembly', () => {
  it('is deterministic: the same tree twice gives identical assembly', async () => {
    const one = renderBlobAssembly(await collectFiles({ root, include: ['/site/**'] }), { optionsSha256: OPT, hostPaths: ['/site/certs'] });
    const two = renderBlobAssembly(await collectFiles({ root, include: ['/site/**'] }), { optionsSha256: OPT, hostPaths: ['/site/certs/'] });
    expect(one).toBe(two);
  });

  it('changes when a file byte or the options digest changes', async () => {
    const entries = await collectFiles({ root, include: ['/site/**'] });
    const base = renderBlobAssembly(entries, { optionsSha256: OPT });
    expect(renderBlobAssembly(entries, { optionsSha256: 'cd'.repeat(32) })).not.toBe(base);
    await writeFile(join(root, 'site/b.txt'), 'c');
    expect(renderBlobAssembly(await collectFiles({ root, include: ['/site/**'] }), { optionsSha256: OPT })).not.toBe(base);
  });

  it('escapes bytes for GNU as and emits the header, index, children and host paths', async () => {
    const entries = await collectFiles({ root, include: ['/site/index.html'] });
    const s = renderBlobAssembly(entries, { optionsSha256: OPT, hostPaths: ['/root/.local/share/caddy/'] });
    expect(s).toContain('\t.ascii "hello \\042quoted\\042 \\134 \\000\\001 bytes\\012"');
    expect(s).toContain('__binaryfs_header:\n\t.quad 0x31424f4c42534642, 1, 3, .Lentries, .Lchildren, 1, .Lhosts, .Loptions');
    expect(s).toContain('\t.ascii "/root/.local/share/caddy"');
    expect(s).toContain('bfs_runtime_anchor');
    // "/" (index 0) has child 1 ("/site"), which has child 2 (the file)
    expect(s).toMatch(/\.Lchildren:\n\t\.long 1, 2\n/);
    expect(() => renderBlobAssembly(entries, { optionsSha256: 'x' })).toThrow(/64 hex/);
  });
});

describe('normalizeEmbeddedPath', () => {
  it.each([
    ['a/b', '/a/b'],
    ['//a//b/', '/a/b'],
    ['/a/./b/../c', '/a/c'],
    ['/../..', '/'],
  ])('%s → %s', (input, expected) => expect(normalizeEmbeddedPath(input)).toBe(expected));
});
