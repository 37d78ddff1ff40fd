// Integration: the file shield end to end on real files — a C program (test/shield.c) signed with the extension, the
// real sim policy service (@confidential/cas-policy, HTTP on 127.0.0.1, a store on disk) handing out the volume's key
// and checking its tag, the program's files encrypted in a host folder. Go's own file tests on a volume run in the
// patched toolchain's image (docs/file-shield.md); this spec is the runtime's contract.
import { startPolicyService, uploadSessionSim, type PolicyService } from '@confidential/cas-policy';
import { execa, type ResultPromise } from 'execa';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { casAddr, signBare, volumeSession } from '../bench/sim-volume.js';
import { loadOrCreateKey } from './keys.js';
import type { SignResult } from './sign.js';
import { C_SOURCE_DIR } from './toolchain.js';

let tmp: string;
let service: PolicyService;
let store: string;
let signed: SignResult;
let plain: string;
const MARKER = 'PLAINTEXT-MARKER-7c1f-volume-shield';

/** every byte of every file under dir, for the leak scan */
async function allBytes(dir: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) parts.push(await readFile(join(entry.parentPath, entry.name)));
    parts.push(Buffer.from(entry.name));
  }
  return Buffer.concat(parts);
}

const session = (name: string, volumePath: string, command: string, measurement = signed.measurement, predecessor?: string) =>
  volumeSession({ name, service: 'app', measurement, command, volumePath, predecessor });

/** Runs the signed program as session `name` (its argv from the policy). */
function run(name: string): ResultPromise<{ reject: false }> {
  return execa(signed.binary, [], {
    env: { SCONE_CONFIG_ID: `${name}/app`, SCONE_CAS_ADDR: casAddr(service.url), CONFIDENTIAL_SIM_CAS_TIMEOUT: '5' },
    extendEnv: false,
    reject: false,
    timeout: 60_000,
    cwd: tmp,
  });
}

let sessions = 0;
/** A fresh session whose volume is at a fresh folder; returns its name and the folder. */
async function fresh(command: (dir: string) => string): Promise<{ name: string; dir: string; set: (command: string) => Promise<void> }> {
  const name = `vol${++sessions}`;
  const dir = join(tmp, name);
  await mkdir(dir);
  let hash: string | undefined;
  const set = async (c: string) => {
    hash = (await uploadSessionSim(service.url, session(name, dir, c, signed.measurement, hash))).hash;
  };
  await set(command(dir));
  return { name, dir, set };
}

beforeAll(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'signer-shield-'));
  store = join(tmp, 'store');
  const keyFile = join(tmp, 'key.pem');
  loadOrCreateKey(keyFile, { create: true });
  plain = join(tmp, 'shield');
  await execa('nice', ['gcc', '-O2', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/shield.c'), '-o', plain]);
  signed = await signBare(plain, tmp, { keyFile, outputDir: join(tmp, 'out') });
  service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: store, log: () => undefined });
}, 180_000);
afterAll(async () => {
  await service?.close();
  if (tmp && !process.env.KEEP_SHIELD_TMP) await rm(tmp, { recursive: true, force: true });
});

describe('file shield (sim backend, glibc)', () => {
  it('serves the file API on an encrypted volume, named functions and syscall() alike, and says so in the banner', async () => {
    const { dir } = await fresh((d) => `shield scenario ${d}`);
    const r = await run(`vol${sessions}`);
    expect(r.stdout, r.stderr).toMatch(/^scenario ok \d+ checks$/m);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain(`encrypted volume data at ${dir}`);
    // the host folder holds the storage layer's folder and nothing else; a symlink's target is sealed like file data
    // (the scenario leaves sub/dangling → "linktarget-b7e2", and "sub/dangling" is a name only the manifest holds)
    expect(await readdir(dir)).toEqual(['.cgv']);
    const host = await allBytes(dir);
    expect(host.includes('linktarget-b7e2')).toBe(false);
    expect(host.includes('dangling')).toBe(false);
  });

  it('keeps what the program wrote across restarts, and the host folder holds no byte of it (a positive control sees it)', async () => {
    const { name, dir, set } = await fresh((d) => `shield write ${d}/key.pem ${MARKER}`);
    expect((await run(name)).stdout).toBe(`wrote ${MARKER.length}`);
    await set(`shield read ${dir}/key.pem`);
    const again = await run(name);
    expect(again.stdout, again.stderr).toBe(`read ${MARKER.length} ${MARKER}`);
    const host = await allBytes(dir);
    expect(host.length).toBeGreaterThan(4096);
    expect(host.includes(MARKER)).toBe(false);
    expect(host.includes('key.pem')).toBe(false);
    // positive control: the same program without the extension writes the marker where the scan sees it
    const control = join(tmp, 'control');
    await mkdir(control);
    await execa(plain, ['write', `${control}/key.pem`, MARKER]);
    expect((await allBytes(control)).includes(MARKER)).toBe(true);
  });

  it('detects a flipped byte: the read fails with EIO and returns no byte of the chunk', async () => {
    const { name, dir, set } = await fresh((d) => `shield write ${d}/f ${MARKER}`);
    await run(name);
    const objects = join(dir, '.cgv', 'objects');
    const [object] = await readdir(objects);
    const file = join(objects, object as string);
    const bytes = await readFile(file);
    bytes[64 + 12 + 5] = (bytes[64 + 12 + 5] as number) ^ 1; // the first chunk's ciphertext
    await writeFile(file, bytes);
    await set(`shield read ${dir}/f`);
    const r = await run(name);
    expect(r.stdout, r.stderr).toBe('error EIO');
  });

  it('refuses an older copy of the volume at the next start, with the policy service\'s sentence', async () => {
    const { name, dir, set } = await fresh((d) => `shield write ${d}/f version-1`);
    await run(name);
    const copy = join(tmp, `${name}-copy`);
    await cp(dir, copy, { recursive: true });
    await set(`shield write ${dir}/f version-2`);
    expect((await run(name)).exitCode).toBe(0);
    await rm(dir, { recursive: true });
    await cp(copy, dir, { recursive: true });
    await set(`shield read ${dir}/f`);
    const r = await run(name);
    expect(r.exitCode).toBe(78);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/volume data at .* refuses its start \(409: .*an older or foreign copy \(rollback refused\)/);
  });

  it('gives no volume key to a wrong measurement: 403, and the folder stays untouched', async () => {
    const name = 'wrongm';
    const dir = join(tmp, name);
    await mkdir(dir);
    await uploadSessionSim(service.url, session(name, dir, `shield write ${dir}/f x`, 'ab'.repeat(32)));
    const r = await run(name);
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/does not allow measurement/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('one writer: a later launch revokes the running writer, which stops at its next commit; never two writers commit', async () => {
    const { name, dir, set } = await fresh((d) => `shield rewrite ${d}/f first- 0`);
    const first = run(name);
    let rounds = '';
    first.stdout?.on('data', (b: Buffer) => (rounds += b.toString()));
    while (!/round 3\n/.test(rounds)) await new Promise((r) => setTimeout(r, 20));
    await set(`shield rewrite ${dir}/f second- 20`);
    const second = await run(name);
    const r = await first;
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/refuses its new tag \(403: .*revoked by a later launch/);
    // the second started once the first had stopped, or found its lock still held
    if (second.exitCode === 0) expect(second.stdout).toMatch(/round 19$/);
    else expect(second.stderr).toMatch(/has another writer/);
    await set(`shield read ${dir}/f`);
    expect((await run(name)).stdout).toMatch(second.exitCode === 0 ? /^read \d+ second-19$/ : /^read \d+ first-\d+$/);
  });

  it('musl: the runtime has no file shield, so a policy that mounts a volume stops the program (fail closed)', async () => {
    const bin = join(tmp, 'shield-musl');
    await execa('nice', ['musl-gcc', '-O2', '-Wall', '-Wextra', '-Werror', join(C_SOURCE_DIR, 'test/shield.c'), '-o', bin]);
    const musl = await signBare(bin, tmp, { keyFile: join(tmp, 'key.pem'), outputDir: join(tmp, 'out-musl'), libc: 'musl' });
    const dir = join(tmp, 'musl-vol');
    await mkdir(dir);
    await uploadSessionSim(service.url, session('muslvol', dir, `shield write ${dir}/f x`, musl.measurement));
    const r = await execa(musl.binary, [], {
      env: { SCONE_CONFIG_ID: 'muslvol/app', SCONE_CAS_ADDR: casAddr(service.url), CONFIDENTIAL_SIM_CAS_TIMEOUT: '5' },
      extendEnv: false,
      reject: false,
    });
    expect(r.exitCode).toBe(78);
    expect(r.stderr).toMatch(/built without the file shield .* cannot serve volume data; refusing to start/);
    expect(r.stdout).toBe('');
    expect(await readdir(dir)).toEqual([]);
  });

  it('group commit: what nobody fsynced is committed at exit(), at _exit() and by the flusher while the program runs (a SIGKILL after that loses none of it)', async () => {
    for (const how of ['exit', '_exit']) {
      const { name, dir, set } = await fresh((d) => `shield many ${d} 300 ${how}`);
      const made = await run(name);
      expect(made.exitCode, made.stderr).toBe(0);
      await set(`shield count ${dir}`);
      expect((await run(name)).stdout, how).toMatch(/^count 300 300$/m);
    }
    const { name, dir, set } = await fresh((d) => `shield many ${d} 300 wait`);
    const child = run(name);
    let out = '';
    child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
    while (!/made\n/.test(out)) await new Promise((r) => setTimeout(r, 5));
    // every commit renames a new manifest into place: kill once one more has landed after "made" (the flusher's,
    // 50 ms later when nothing delays it), or after 20 s — then the last one came before "made" and holds it all
    const manifest = join(dir, '.cgv', 'manifest');
    const ino = async () => (await stat(manifest).catch(() => undefined))?.ino; // none before the first commit
    const seen = await ino();
    for (const until = Date.now() + 20_000; Date.now() < until && (await ino()) === seen; ) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    expect((await child).signal).toBe('SIGKILL');
    await set(`shield count ${dir}`);
    expect((await run(name)).stdout).toMatch(/^count 300 300$/m);
  });

  it('crash: SIGKILL at random points of a write-temp-fsync-rename-fsync(dir) loop leaves a written version, never older than the last reported one', async () => {
    const { name, dir, set } = await fresh((d) => `shield rewrite ${d}/f round- 0`);
    let last = -1;
    for (let kill = 0; kill < 12; kill++) {
      const child = run(name);
      let out = '';
      child.stdout?.on('data', (b: Buffer) => (out += b.toString()));
      // after the first round of this run, at a random point (a few ms to one round later)
      while (!/round \d+\n/.test(out)) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, Math.random() * 40));
      child.kill('SIGKILL');
      await child;
      const done = [...out.matchAll(/round (\d+)\n/g)].map((m) => Number(m[1]));
      last = Math.max(...done);
      await set(`shield read ${dir}/f`);
      const read = await run(name);
      expect(read.exitCode, read.stderr).toBe(0);
      const m = /^read \d+ round-(\d+)$/.exec(read.stdout);
      expect(m, read.stdout + read.stderr).not.toBeNull();
      // each run starts at round 0 again: the file is this run's round `last` or later (one not reported yet)
      expect(Number(m?.[1])).toBeGreaterThanOrEqual(last);
      await set(`shield rewrite ${dir}/f round- 0`);
    }
  }, 240_000);
});
