// Property test of the interposer's lexical path normalisation (src/c/path.c), compiled with ASan/UBSan and fed
// random paths: "..", "//", ".", long components and paths beyond PATH_MAX; compared with a reference model.
import { execa } from 'execa';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { C_SOURCE_DIR } from './toolchain.js';

const PATH_MAX = 4096;
let dir: string;
let driver: string;

/** Reference: join, then drop "", "." and resolve ".." against a stack, failing like the C code when it outgrows PATH_MAX. */
function reference(base: string, path: string): string {
  if (path === '') return 'ERR 22';
  const stack: string[] = [];
  let len = 1;
  for (const c of `${path.startsWith('/') ? '' : base}/${path}`.split('/')) {
    if (c === '' || c === '.') continue;
    if (c === '..') {
      const last = stack.pop();
      if (last !== undefined) len -= last.length + 1;
      continue;
    }
    if (len + c.length + 2 > PATH_MAX) return 'ERR 36';
    stack.push(c);
    len += c.length + 1;
  }
  return `/${stack.join('/')}`;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pathnorm-'));
  driver = join(dir, 'pathnorm');
  await execa('nice', ['gcc', '-O1', '-g', '-Wall', '-Wextra', '-Werror', '-fsanitize=address,undefined', '-fno-sanitize-recover=all',
    join(C_SOURCE_DIR, 'test/pathnorm.c'), join(C_SOURCE_DIR, 'path.c'), '-o', driver]);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('bfs_normalize', () => {
  it('matches the reference model on 5000 random paths (and posix.resolve whenever it succeeds)', async () => {
    let seed = 42;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
    const atoms = ['a', 'bb', '.', '..', '', '...', 'x'.repeat(255), 'y'.repeat(1000), 'é', ' sp', '.hidden'];
    const gen = () => {
      const n = 1 + rnd(rnd(10) === 0 ? 40 : 8);
      return `${rnd(2) ? '/' : ''}${Array.from({ length: n }, () => atoms[rnd(atoms.length)]).join(rnd(5) ? '/' : '//')}${rnd(4) ? '' : '/'}`;
    };
    const cases = Array.from({ length: 5000 }, () => [rnd(3) ? '/w/d' : `/${'z'.repeat(100)}/${'q'.repeat(200)}`, gen()] as const);
    cases.push(['/', '..'], ['/a', '../../..'], ['/', '//'], ['/', 'a/./b/../../c'], ['/', ''], ['/', `/${'p'.repeat(5000)}`]);
    const input = cases.map(([b, p]) => `${b}\t${p}`).join('\n') + '\n';
    const r = await execa(driver, [], { input, reject: false });
    expect(r.exitCode, r.stderr).toBe(0);
    const got = r.stdout.split('\n');
    expect(got).toHaveLength(cases.length);
    let ok = 0;
    cases.forEach(([b, p], i) => {
      const want = reference(b, p);
      expect(got[i], `base=${b} path=${p.slice(0, 80)}`).toBe(want);
      if (!want.startsWith('ERR')) {
        expect(got[i]).toBe(posix.resolve(b, p));
        ok++;
      }
    });
    expect(ok).toBeGreaterThan(1000);
    expect(got.filter((l) => l === 'ERR 36').length).toBeGreaterThan(10);
  });
});
