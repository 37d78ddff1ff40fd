// Integration: the sim backend for real (gcc and musl-gcc, patchelf), C probe programs linked with the extension,
// a stub of the policy service's launch endpoint (test/policy-stub.ts), and a cgo Go program.
import { execa } from 'execa';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, cp, lstat, mkdir, mkdtemp, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startPolicyStub, type PolicyStub } from '../test/policy-stub.js';
import { loadOrCreateKey } from './keys.js';
import { verify } from './manifest.js';
import { sha256File } from './measure.js';
import { sign, type SignContext, type SignResult } from './sign.js';
import { runSign } from '../executors/sign/executor.js';
import { C_SOURCE_DIR } from './toolchain.js';

let tmp: string;
let site: string;
let keyFile: string;
let stub: PolicyStub;
const INDEX = 'hello embedded world\n';
const DATA = randomBytes(300_000);

/** djb2 over 64 bits, as probe.c prints it */
function djb(data: Buffer): string {
  let h = 5381n;
  for (const b of data) h = (h * 33n + BigInt(b)) & 0xffffffffffffffffn;
  return h.toString();
}

async function writeSite(): Promise<void> {
  await mkdir(join(site, 'sub'), { recursive: true });
  await mkdir(join(site, 'cache'), { recursive: true });
  await writeFile(join(site, 'index.html'), INDEX);
  await writeFile(join(site, 'data.bin'), DATA);
  await writeFile(join(site, 'sub/a.txt'), 'sub file\n');
  await writeFile(join(site, 'cache/h.txt'), 'host v1\n');
  const links: [string, string][] = [['link.html', 'index.html'], ['loop1', 'loop2'], ['loop2', 'loop1'], ['abs.html', join(site, 'sub/a.txt')], ['dirlink', 'sub'], ['cachelink', 'cache'], ['uplink', '../site']];
  for (const [link, target] of links) {
    if (!(await lstat(join(site, link)).catch(() => null))) await symlink(target, join(site, link));
  }
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'signer-int-'));
  site = join(tmp, 'site');
  keyFile = join(tmp, 'key.pem');
  loadOrCreateKey(keyFile, { create: true });
  await writeSite();
  for (const cc of ['gcc', 'musl-gcc']) {
    await execa('nice', [cc, '-O2', '-pthread', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/probe.c'), '-o', join(tmp, `probe-${cc}`)]);
  }
  stub = await startPolicyStub();
});
afterAll(async () => {
  await stub?.close();
  await rm(tmp, { recursive: true, force: true });
});

const signProbe = (libc: 'glibc' | 'musl', outputDir: string, extra: Record<string, unknown> = {}, context: SignContext = {}) =>
  sign({
    binary: join(tmp, `probe-${libc === 'musl' ? 'musl-gcc' : 'gcc'}`),
    include: [`${site}/**`],
    hostPaths: [`${site}/cache/`],
    libc,
    keyFile,
    outputDir,
    ...extra,
  }, context);

/** Runs a confidential binary as a container would: its own argv/env, the launch config from the stub. */
async function runConfidential(binary: string, configId: string, policyArgs: string[], env: Record<string, string> = {}) {
  return execa(binary, ['container-arg'], {
    env: { SCONE_CONFIG_ID: configId, SCONE_CAS_ADDR: stub.addr, CONTAINER_ONLY: 'x', CONFIDENTIAL_SIM_CAS_TIMEOUT: '5', ...env },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    cwd: tmp,
  });
}

describe.each(['glibc', 'musl'] as const)('sim backend with %s', (libc) => {
  let out: string;
  let signed: SignResult;
  const configId = `t/probe-${libc}`;
  const probe = (args: string[], env?: Record<string, string>) => {
    stub.services.set(configId, { mrenclaves: [signed.measurement], args: ['probe', ...args], env: { GREETING: 'hello policy', HOME: '/root' }, pwd: '/tmp' });
    return runConfidential(signed.binary, configId, args, env);
  };

  beforeAll(async () => {
    out = join(tmp, `out-${libc}`);
    signed = await signProbe(libc, out);
  });
  afterEach(writeSite);

  it('outputs the binary with libbinaryfs.so as its first DT_NEEDED, the extension and a valid manifest', async () => {
    const needed = (await execa('patchelf', ['--print-needed', signed.binary])).stdout.split('\n');
    expect(needed[0]).toBe('libbinaryfs.so');
    expect(existsSync(join(out, 'libbinaryfs.so'))).toBe(true);
    const v = await verify(out);
    expect(v.problems).toEqual([]);
    expect(v.manifest.options).toMatchObject({ libc, backend: 'sim' });
  });

  it('serves embedded files from memory after the host copies are edited or deleted', async () => {
    await writeFile(join(site, 'index.html'), 'EDITED ON THE HOST\n');
    await unlink(join(site, 'data.bin'));
    const r = await probe(['cat', `${site}/index.html`, 'scat', `${site}/index.html`, 'cat', `${site}/data.bin`, 'scat', `${site}/data.bin`, 'mmap', `${site}/data.bin`, 'pread', `${site}/index.html`, 'sendfile', `${site}/data.bin`, 'dupfd', `${site}/index.html`]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const op of ['cat', 'scat']) {
      expect(r.stdout).toContain(`${op} ${site}/index.html OK size=${INDEX.length} djb=${djb(Buffer.from(INDEX))}`);
      expect(r.stdout).toContain(`${op} ${site}/data.bin OK size=${DATA.length} djb=${djb(DATA)}`);
    }
    expect(r.stdout).toContain(`mmap ${site}/data.bin OK size=${DATA.length} djb=${djb(DATA)}`);
    expect(r.stdout).toContain(`pread ${site}/index.html OK ello off=0`);
    expect(r.stdout).toContain(`sendfile ${site}/data.bin OK size=${DATA.length} djb=${djb(DATA)}`);
    expect(r.stdout).toContain(`dupfd ${site}/index.html mode=100644 size=${INDEX.length} `);
    expect(r.stdout).toContain(`dupfd ${site}/index.html OK size=${INDEX.length} djb=${djb(Buffer.from(INDEX))}`);
  });

  it('never hands out an embedded file on an fd beyond its table, and the memfds are sealed against writes', async () => {
    // the same runtime with a 4096-entry fd table (-DBFS_FDTAB), so that fds beyond it are reachable under this
    // machine's fd limit; the probe copies an embedded file's fd to 5000-5002
    const small = await signProbe(libc, join(tmp, `out-${libc}-fdtab`), {}, { cFlags: ['-DBFS_FDTAB=4096'] });
    stub.services.set(configId, { mrenclaves: [small.measurement], args: ['probe', 'highfd', `${site}/index.html`, 'tamper', `${site}/index.html`, 'cat', `${site}/index.html`], env: {}, pwd: '/tmp' });
    const r = await runConfidential(small.binary, configId, []);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`highfd ${site}/index.html fcntl=EMFILE dup2=EMFILE sdup3=EMFILE left=none host=OK`);
    // F_SEAL_SEAL | SHRINK | GROW | WRITE = 15; a read-write reopen through /proc cannot write
    expect(r.stdout).toContain(`tamper ${site}/index.html seals=15 write=EPERM`);
    expect(r.stdout).toContain(`cat ${site}/index.html OK size=${INDEX.length} djb=${djb(Buffer.from(INDEX))}`);
  });

  it("serves a file the way the patched Go runtime's net/http does, every call through syscall()", async () => {
    await unlink(join(site, 'data.bin'));
    const r = await probe(['goserve', `${site}/data.bin`]);
    expect(r.exitCode, r.stderr).toBe(0);
    const n = DATA.length;
    expect(r.stdout).toContain(`goserve ${site}/data.bin OK fstat=${n} end=${n} set=0 sent=${n} djb=${djb(DATA)} mode=100644`);
  });

  it('contains no raw syscall instruction (every call goes through libc, as a seccomp gate on libc requires)', async () => {
    const dis = (await execa('objdump', ['-d', signed.extension], { maxBuffer: 256 * 1024 * 1024 })).stdout;
    expect(dis).toMatch(/<(bfs_)?syscall>:/); // syscall is an alias of bfs_syscall on x86-64 and aarch64
    expect(dis.split('\n').filter((l) => /\t(syscall|sysenter|int\s+\$0x80)\b/.test(l))).toEqual([]);
  });

  it('fails writes to embedded files with EROFS (named functions and syscall())', async () => {
    const f = `${site}/index.html`;
    const r = await probe(['write', f, 'append', f, 'swrite', f, 'unlink', f, 'rename', f, 'create', `${site}/new.txt`, 'access', f]);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const op of ['write', 'append', 'swrite', 'unlink', 'rename']) expect(r.stdout).toContain(`${op} ${f} ERR EROFS`);
    expect(r.stdout).toContain(`create ${site}/new.txt ERR EROFS`);
    expect(r.stdout).toContain(`access ${f} R=0 W=-1 EROFS`);
    expect(await readFile(f, 'utf8')).toBe(INDEX);
  });

  it('serves files under a host path from the host', async () => {
    await writeFile(join(site, 'cache/h.txt'), 'host v2\n');
    const r = await probe(['cat', `${site}/cache/h.txt`, 'create', `${site}/cache/new-${libc}.txt`]);
    expect(r.stdout).toContain(`cat ${site}/cache/h.txt FIRST host v2`);
    expect(r.stdout).toContain(`create ${site}/cache/new-${libc}.txt OK`);
    expect(existsSync(join(site, `cache/new-${libc}.txt`))).toBe(true);
  });

  it('answers stat, statx, fstat, getdents64, readlink and symlinks from the blob', async () => {
    await unlink(join(site, 'link.html'));
    const r = await probe([
      'stat', `${site}/index.html`, 'sstat', `${site}/index.html`, 'statx', `${site}/data.bin`, 'fstat', `${site}/index.html`,
      'lstat', `${site}/link.html`, 'readlink', `${site}/link.html`, 'cat', `${site}/link.html`, 'ls', site, 'sls', site,
      'cat', `${site}/loop1`, 'cat', `${site}/abs.html`, 'cat', `${site}//sub/../index.html`, 'cat', `${site}/index.html/x`,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`stat ${site}/index.html OK mode=100644 size=${INDEX.length} dev=bf5`);
    expect(r.stdout).toContain(`sstat ${site}/index.html OK mode=100644 size=${INDEX.length} dev=bf5`);
    expect(r.stdout).toContain(`statx ${site}/data.bin OK mode=100644 size=${DATA.length}`);
    expect(r.stdout).toContain(`fstat ${site}/index.html OK mode=100644 size=${INDEX.length} dev=bf5`);
    expect(r.stdout).toContain(`lstat ${site}/link.html OK mode=120777 size=10`);
    expect(r.stdout).toContain(`readlink ${site}/link.html OK index.html`);
    expect(r.stdout).toContain(`cat ${site}/link.html OK size=${INDEX.length}`);
    const listing = ['.', '..', 'abs.html', 'cache', 'cachelink', 'data.bin', 'dirlink', 'index.html', 'link.html', 'loop1', 'loop2', 'sub', 'uplink'].join(' ');
    expect(r.stdout).toContain(`ls ${site} OK ${listing}`);
    expect(r.stdout).toContain(`sls ${site} OK ${listing}`);
    expect(r.stdout).toContain(`cat ${site}/loop1 ERR ELOOP`);
    expect(r.stdout).toContain(`cat ${site}/abs.html OK size=9`);
    expect(r.stdout).toContain(`cat ${site}//sub/../index.html OK size=${INDEX.length}`);
    expect(r.stdout).toContain(`cat ${site}/index.html/x ERR ENOTDIR`);
  });

  it('serves the same bytes to 8 threads opening an embedded file concurrently', async () => {
    const r = await probe(['threads', `${site}/data.bin`, 'threads', `${site}/index.html`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`threads ${site}/data.bin OK bad=0`);
    expect(r.stdout).toContain(`threads ${site}/index.html OK bad=0`);
  });

  it('serves embedded files in a child of fork() and of syscall(SYS_fork) after the parent opened them', async () => {
    const r = await probe(['fork', `${site}/data.bin`, 'sfork', `${site}/index.html`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`fork ${site}/data.bin OK size=\\d+`));
    expect(r.stdout).toContain(`fork ${site}/data.bin child exit=0`);
    expect(r.stdout).toContain(`sfork ${site}/index.html OK size=${INDEX.length}`);
    expect(r.stdout).toContain(`sfork ${site}/index.html child exit=0`);
  });

  it('handles names longer than NAME_MAX and PATH_MAX without crashing', async () => {
    const longName = `${site}/${'n'.repeat(300)}`;
    const longPath = `${site}/${'d/'.repeat(2100)}index.html`;
    const r = await probe(['cat', longName, 'stat', longPath, 'cat', `${site}/${'../'.repeat(1500)}${site.slice(1)}/index.html`]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`cat ${longName} ERR ENAMETOOLONG`);
    expect(r.stdout).toContain(`stat ${longPath} ERR ENAMETOOLONG`);
  });

  it('takes argv, env and pwd from the policy, not from the container, and prints the banner', async () => {
    const r = await probe(['argv', 'env', 'GREETING', 'env', 'CONTAINER_ONLY', 'env', 'SCONE_CONFIG_ID', 'pwd', 'x']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('argv [probe] [argv] [env] [GREETING]');
    expect(r.stdout).not.toContain('container-arg');
    expect(r.stdout).toContain('env GREETING hello policy');
    expect(r.stdout).toContain('env CONTAINER_ONLY (unset)');
    expect(r.stdout).toContain(`env SCONE_CONFIG_ID ${configId}`);
    expect(r.stdout).toContain('pwd /tmp');
    expect(r.stderr).toContain(
      `confidential-sim: SIMULATION MODE — no hardware isolation (no SGX/TDX/SEV); measurement ${signed.measurement}, config ${configId}`,
    );
    expect(stub.requests.some((u) => u === `/v1/launch/${configId}?measurement=${signed.measurement}`)).toBe(true);
  });

  it("serves the policy's injected files from memory, read-only, at their paths only", async () => {
    const key = Buffer.concat([Buffer.from('-----BEGIN PRIVATE KEY-----\n'), randomBytes(2000), Buffer.from('\n\0end')]);
    const secretPath = `/run/confidential-test-${libc}/tls/key.pem`; // no such folder on the host
    const files = [
      { path: secretPath, mode: 0o400, content: key },
      { path: `${site}/index.html`, mode: 0o644, content: Buffer.from('injected over the tree\n') },
      { path: '/tmp/inj rel.txt', mode: 0o640, content: Buffer.from('relative\n') },
    ];
    stub.services.set(configId, { mrenclaves: [signed.measurement], args: ['probe', 'cat', secretPath, 'scat', secretPath, 'stat', secretPath, 'sstat', secretPath, 'statx', secretPath, 'fstat', secretPath, 'cat', `/run/confidential-test-${libc}/tls/../tls/./key.pem`, 'cat', 'inj rel.txt', 'cat', `${site}/index.html`, 'write', secretPath, 'swrite', secretPath, 'unlink', secretPath, 'rename', secretPath, 'access', secretPath, 'cat', `${secretPath}/`, 'ls', `/run/confidential-test-${libc}/tls`], env: {}, pwd: '/tmp', files });
    const r = await runConfidential(signed.binary, configId, []);
    expect(r.exitCode, r.stderr).toBe(0);
    for (const op of ['cat', 'scat']) expect(r.stdout).toContain(`${op} ${secretPath} OK size=${key.length} djb=${djb(key)}`);
    for (const op of ['stat', 'sstat', 'fstat']) expect(r.stdout).toContain(`${op} ${secretPath} OK mode=100400 size=${key.length} `);
    expect(r.stdout).toContain(`statx ${secretPath} OK mode=100400 size=${key.length}`);
    expect(r.stdout).toContain(`cat /run/confidential-test-${libc}/tls/../tls/./key.pem OK size=${key.length} djb=${djb(key)}`);
    expect(r.stdout).toContain(`cat inj rel.txt OK size=9 djb=${djb(Buffer.from('relative\n'))}`);
    expect(r.stdout).toContain(`cat ${site}/index.html OK size=23 djb=${djb(Buffer.from('injected over the tree\n'))}`);
    for (const op of ['write', 'swrite', 'unlink', 'rename']) expect(r.stdout).toContain(`${op} ${secretPath} ERR EROFS`);
    expect(r.stdout).toContain(`access ${secretPath} R=0 W=-1 EROFS`);
    expect(r.stdout).toContain(`cat ${secretPath}/ ERR ENOENT`); // not a file with a trailing slash, and no host copy
    expect(r.stdout).toContain(`ls /run/confidential-test-${libc}/tls ERR ENOENT`); // found by path, never listed
    expect(r.stderr).toContain(`config ${configId}, 3 injected files`);
    // nothing on the host: not at the path, not in the working directory, the embedded file's host copy untouched
    expect(existsSync(`/run/confidential-test-${libc}`)).toBe(false);
    expect(existsSync('/tmp/inj rel.txt')).toBe(false);
    expect(await readFile(join(site, 'index.html'), 'utf8')).toBe(INDEX);
  });

  it('refuses a launch answer with a malformed file line, naming the line', async () => {
    for (const [line, message] of [
      ['file /x 644 AAAA', 'expected file <path> <4 octal digits> <base64>'],
      ['file relative 0644 AAAA', 'expected an absolute path after "file"'],
      ['file /x 0644 A*AA', 'the content of /x is not base64'],
    ] as const) {
      stub.services.set(configId, { mrenclaves: [signed.measurement], args: ['probe', 'argv'], env: {}, extraLines: [line] });
      const r = await runConfidential(signed.binary, configId, []);
      expect(r.exitCode).toBe(78);
      expect(r.stderr).toContain(`confidential-sim: policy for ${configId}: launch line 4: ${message}`);
      expect(r.stdout).toBe('');
    }
  });

  it('refuses to start when one byte of the binary or of the extension changed, naming which', async () => {
    for (const [file, what] of [[posix.basename(signed.binary), 'binary'], ['libbinaryfs.so', 'extension']] as const) {
      const copy = join(tmp, `tamper-${libc}-${what}`);
      await cp(out, copy, { recursive: true });
      const bytes = await readFile(join(copy, file));
      const at = Math.floor(bytes.length / 2);
      bytes[at] = bytes[at]! ^ 0x01;
      await writeFile(join(copy, file), bytes);
      const r = await probe(['argv']).then(() => runConfidential(join(copy, posix.basename(signed.binary)), configId, []));
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(new RegExp(`confidential-sim: ${what} ${copy}/${file.replace('.', '\\.')} was modified`));
      expect(r.stdout).toBe('');
    }
  });

  it('refuses to start when the policy does not list its measurement, or without a config id', async () => {
    stub.services.set(configId, { mrenclaves: ['0'.repeat(64)], args: ['probe', 'argv'], env: {} });
    const denied = await runConfidential(signed.binary, configId, []);
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toContain(`the policy ${configId} does not allow measurement ${signed.measurement}`);
    const unknown = await runConfidential(signed.binary, 't/nope', []);
    expect(unknown.stderr).toContain('has no session/service t/nope');
    const v6 = await runConfidential(signed.binary, configId, [], { SCONE_CAS_ADDR: '[::1]:1', CONFIDENTIAL_SIM_CAS_TIMEOUT: '1' });
    expect(v6.stderr).toMatch(/cannot reach the policy service at \[::1\]:1 \((Connection refused|Cannot assign requested address|Address not available)\) within 1 s/);
    const none = await execa(signed.binary, [], { env: {}, extendEnv: false, reject: false });
    expect(none.exitCode).not.toBe(0);
    expect(none.stderr).toContain('SCONE_CONFIG_ID must name <session>/<service>');
  });

  it('differential property test: random paths stat the same through the interposer as natively', async () => {
    const parts = ['index.html', 'data.bin', 'sub', 'a.txt', 'link.html', 'cache', 'h.txt', 'missing', '.', '..', '', 'loop1', 'dirlink', 'cachelink', 'uplink', 'site'];
    let seed = libc === 'glibc' ? 7 : 11;
    const rnd = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff) >>> 8) % n;
    const paths = Array.from({ length: 400 }, () => `${site}/${Array.from({ length: 1 + rnd(4) }, () => parts[rnd(parts.length)]).join('/')}`);
    const args = paths.flatMap((p) => [rnd(2) ? 'stat' : 'lstat', p]);
    const native = await execa(join(tmp, `probe-${libc === 'musl' ? 'musl-gcc' : 'gcc'}`), args, { reject: false });
    const conf = await probe(args);
    expect(conf.exitCode, conf.stderr).toBe(0);
    // device numbers differ by design; directory sizes are file-system specific
    const norm = (s: string) => s.split('\n').map((l) => l.replace(/ dev=\w+$/, '').replace(/(mode=40\d+) size=\d+/, '$1'));
    expect(norm(conf.stdout)).toEqual(norm(native.stdout));
    expect(conf.stdout.split('\n').filter((l) => l.includes(' OK ')).length).toBeGreaterThan(20);
  });
});

describe('signer:sign executor (sim)', () => {
  it('writes the three outputs and gives the same measurement as sign()', async () => {
    const lines: string[] = [];
    const raw = { binary: join(tmp, 'probe-gcc'), include: [`${site}/**`], hostPaths: [`${site}/cache/`], keyFile, outputDir: 'exec-out' };
    expect(await runSign(raw, tmp, (l) => lines.push(l))).toEqual({ success: true });
    for (const f of ['probe-gcc', 'libbinaryfs.so', 'measurement.json']) expect(existsSync(join(tmp, 'exec-out', f))).toBe(true);
    const direct = await signProbe('glibc', join(tmp, 'exec-direct'));
    expect((await verify(join(tmp, 'exec-out'))).manifest.measurement).toBe(direct.measurement);
    expect(lines.join('\n')).toMatch(/signer:sign \(sim\)/);
  });
});

describe('measurement', () => {
  it('is reproducible for the same inputs and changes with the options', async () => {
    const a = await signProbe('glibc', join(tmp, 'repro-a'));
    const b = await signProbe('glibc', join(tmp, 'repro-b'));
    expect(b.measurement).toBe(a.measurement);
    expect(await sha256File(b.extension)).toBe(await sha256File(a.extension));
    const c = await signProbe('glibc', join(tmp, 'repro-c'), { heap: '4g' });
    expect(c.measurement).not.toBe(a.measurement);
  });

  it('verify() reports a modified binary', async () => {
    const dir = join(tmp, 'repro-a');
    await copyFile(join(tmp, 'probe-musl-gcc'), join(dir, 'probe-gcc'));
    const v = await verify(dir);
    expect(v.ok).toBe(false);
    expect(v.problems.join('\n')).toMatch(/binary probe-gcc was modified/);
  });
});

const GO = '/usr/local/go/bin/go';
describe.runIf(existsSync(GO))('cgo Go program calling libc', () => {
  it('reads embedded files through open/read and syscall(SYS_openat)', async () => {
    const dir = join(tmp, 'gocgo');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'go.mod'), 'module example.com/gocgo\n\ngo 1.26\n');
    await copyFile(join(C_SOURCE_DIR, 'test/gocgo.go.txt'), join(dir, 'main.go'));
    await execa('nice', [GO, 'build', '-o', 'gocgo', '.'], { cwd: dir, env: { CGO_ENABLED: '1' } });
    const signed = await sign({ binary: join(dir, 'gocgo'), include: [`${site}/index.html`], keyFile, outputDir: join(dir, 'out') });
    await writeFile(join(site, 'index.html'), 'EDITED\n');
    try {
      stub.services.set('t/go', { mrenclaves: [signed.measurement], args: ['gocgo', `${site}/index.html`], env: {} });
      const r = await runConfidential(signed.binary, 't/go', []);
      expect(r.exitCode, r.stderr).toBe(0);
      expect(r.stdout).toBe(`go ${site}/index.html OK ${INDEX.length} ${INDEX.length} ${JSON.stringify(INDEX)}`);
    } finally {
      await writeSite();
    }
  });
});
