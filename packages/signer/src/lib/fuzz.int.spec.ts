// Property/fuzz test of the interposer's path handling on the real runtime: the extension is built with
// AddressSanitizer + UBSan, a probe linked with it runs thousands of random path operations ("..", "//", ".",
// embedded file/dir/loop symlinks, symlinks into host paths, names beyond NAME_MAX and paths beyond PATH_MAX), and
// every answer must equal the kernel's answer for the same path on the unchanged host tree (native probe).
import { execa } from 'execa';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPolicyStub, type PolicyStub } from '../test/policy-stub.js';
import { loadOrCreateKey } from './keys.js';
import { sign, type SignResult } from './sign.js';
import { C_SOURCE_DIR } from './toolchain.js';

let tmp: string;
let site: string;
let stub: PolicyStub;
const signed: Record<string, SignResult> = {};
let libasan: string;
const SAN = ['-fsanitize=address,undefined', '-fno-sanitize-recover=all', '-fno-omit-frame-pointer'];

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'signer-fuzz-'));
  site = join(tmp, 'site');
  await mkdir(join(site, 'd1/d2'), { recursive: true });
  await mkdir(join(site, 'host/h1'), { recursive: true });
  await writeFile(join(site, 'f.txt'), 'file f\n');
  await writeFile(join(site, 'd1/g.txt'), 'file g\n');
  await writeFile(join(site, 'd1/d2/h.txt'), 'file h\n');
  await writeFile(join(site, 'host/h1/x.txt'), 'host x\n');
  for (const [l, t] of [['lf', 'f.txt'], ['ld', 'd1'], ['ld2', 'd1/d2'], ['lup', '../site/d1'], ['lhost', 'host/h1'], ['labs', join(site, 'd1')], ['lloop', 'lloop'], ['d1/lback', '..']]) {
    await symlink(t!, join(site, l!));
  }
  const keyFile = join(tmp, 'key.pem');
  loadOrCreateKey(keyFile, { create: true });
  for (const [libc, cc] of [['glibc', 'gcc'], ['musl', 'musl-gcc']] as const) {
    const probe = join(tmp, `probe-${libc}`);
    await execa('nice', [cc, '-O1', '-pthread', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/probe.c'), '-o', probe]);
    // glibc: the extension under AddressSanitizer + UBSan; musl (no sanitizer runtime): the plain build
    const options = { binary: probe, include: [`${site}/**`], hostPaths: [`${site}/host`], keyFile, libc, outputDir: join(tmp, `out-${libc}`) };
    signed[libc] = await sign(options, libc === 'glibc' ? { cFlags: SAN } : {});
  }
  libasan = (await execa('gcc', ['-print-file-name=libasan.so'])).stdout.trim();
  stub = await startPolicyStub();
});
afterAll(async () => {
  await stub?.close();
  await rm(tmp, { recursive: true, force: true });
});

function randomOps(seed: number, count: number): string[] {
  const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 8) % n;
  const atoms = ['f.txt', 'd1', 'd2', 'g.txt', 'h.txt', 'host', 'h1', 'x.txt', 'lf', 'ld', 'ld2', 'lup', 'lhost', 'labs', 'lloop', 'lback',
    'site', 'missing', '.', '..', '', 'n'.repeat(256), 'x'.repeat(255)];
  const valid = ['f.txt', 'd1/g.txt', 'd1/d2/h.txt', 'lf', 'ld/g.txt', 'ld2/h.txt', 'lup/g.txt', 'lhost/x.txt', 'labs/d2/h.txt',
    'd1/lback/f.txt', 'host/h1/x.txt', 'd1', 'ld', 'ld/lback/lf', 'lup/lback/lup/d2'];
  const noise = ['d1', 'ld', 'lup', 'lback', 'missing', 'f.txt', 'lf', 'lloop', 'host', 'lhost'];
  const ops = ['stat', 'lstat', 'sstat', 'statx', 'cat', 'scat', 'readlink', 'access', 'ls', 'sls'];
  const args: string[] = [];
  for (let i = 0; i < count; i++) {
    let parts: string[];
    if (rnd(5) < 3) {
      // a valid path with noise between its components: ".", "" (//), "<x>/.." with x a dir, link, file, loop or missing
      parts = [];
      for (const c of valid[rnd(valid.length)]!.split('/')) {
        for (let k = rnd(3); k > 0; k--) parts.push(...[['.'], [''], [noise[rnd(noise.length)]!, '..']][rnd(3)]!);
        parts.push(c);
      }
    } else {
      const depth = rnd(12) === 0 ? 150 + rnd(300) : 1 + rnd(6);
      parts = Array.from({ length: depth }, () => atoms[rnd(atoms.length)]!);
    }
    const path = `${rnd(8) ? site : `${site}/..`}/${parts.join(rnd(6) ? '/' : '//')}${rnd(6) ? '' : '/'}`;
    args.push(ops[rnd(ops.length)]!, path);
  }
  return args;
}

describe.each(['glibc', 'musl'] as const)('interposer path handling (%s; glibc under ASan/UBSan)', (libc) => {
  it.each([1, 2, 3])('random operations (seed %i) answer like the kernel on the same tree', async (seed) => {
    const args = randomOps(seed * 7919 + (libc === 'musl' ? 1 : 0), 400);
    const native = await execa(join(tmp, `probe-${libc}`), args, { reject: false });
    const configId = `fuzz-${libc}/s${seed}`;
    const san: Record<string, string> =
      libc === 'glibc' ? { LD_PRELOAD: libasan, ASAN_OPTIONS: 'detect_leaks=0', UBSAN_OPTIONS: 'halt_on_error=1:print_stacktrace=1' } : {};
    stub.services.set(configId, { mrenclaves: [signed[libc]!.measurement], args: ['probe', ...args], env: san });
    const conf = await execa(signed[libc]!.binary, [], {
      env: { SCONE_CONFIG_ID: configId, SCONE_CAS_ADDR: stub.addr, ...san },
      extendEnv: false,
      reject: false,
      maxBuffer: 64 * 1024 * 1024,
    });
    expect(conf.stderr).not.toMatch(/AddressSanitizer|runtime error|UndefinedBehaviorSanitizer/);
    expect(conf.exitCode, conf.stderr.slice(-2000)).toBe(0);
    // st_dev and directory sizes differ by design; so does W_OK (embedded entries are read-only: EROFS)
    const norm = (s: string) =>
      s.split('\n').map((l) => l.replace(/ dev=\w+$/, '').replace(/(mode=40\d+) size=\d+/, '$1').replace(/^(access .* R=-?\d+) W=.*$/, '$1')
        // directory listings: the kernel's order is the file system's, the blob's is sorted
        .replace(/^((?:s?ls) .* OK) (.*)$/, (_m, head: string, names: string) => `${head} ${names.split(' ').sort().join(' ')}`));
    const got = norm(conf.stdout);
    const want = norm(native.stdout);
    expect(got.length).toBe(want.length);
    got.forEach((line, i) => expect(line.slice(0, 400), `op ${i}`).toBe(want[i]!.slice(0, 400)));
    const oks = got.filter((l) => / OK /.test(l)).length;
    expect(oks).toBeGreaterThan(40);
    expect(got.filter((l) => l.endsWith('ERR ENAMETOOLONG')).length).toBeGreaterThan(5);
  });
});
