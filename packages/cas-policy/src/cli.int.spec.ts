// The CLI as a separate process: `serve` survives a restart with its store; lint/bind/upload end to end.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getSessionSim, launchSim } from './lib/upload/sim.js';

const pkg = join(import.meta.dirname, '..');
const cli = join(pkg, 'dist', 'cli.js');
const fixtures = join(pkg, 'src', 'fixtures');
const M = '3f1c0a9be4d2a7c8e6f5b4a3928170e1d2c3b4a5968778695a4b3c2d1e0f9a8b';

/** Starts `cas-policy serve` on a random port and waits for its "listening on" line. */
async function serve(store: string, env: Record<string, string> = {}, extra: string[] = []): Promise<{ url: string; proc: ResultPromise; output: () => string }> {
  const proc = execa('node', [cli, 'serve', '--port', '0', '--host', '127.0.0.1', '--store', store, ...extra], { reject: false, buffer: false, env });
  let all = '';
  proc.stdout?.on('data', (chunk: Buffer) => (all += chunk.toString()));
  proc.stderr?.on('data', (chunk: Buffer) => (all += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "listening on" line within 10s: ${seen}`)), 10_000);
    proc.stdout?.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    proc.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${seen}`)));
  });
  return { url, proc, output: () => all };
}

async function stop(proc: ResultPromise): Promise<number | undefined> {
  proc.kill('SIGTERM');
  const result = await proc;
  return result.exitCode;
}

describe('cas-policy CLI', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('bind → upload → restart of the service process loses nothing', async () => {
    const store = join(dir, 'store');
    const bound = join(dir, 'session.yml');
    const bind = await execa('node', [cli, 'bind', join(fixtures, 'session.yml'), '--measurement', join(fixtures, 'measurement.json'), '--service', 'binaryfs', '-o', bound]);
    expect(bind.stderr).toContain(`bound ${M} to service binaryfs: ${bound}`);
    expect(readFileSync(bound, 'utf8')).toBe(readFileSync(join(fixtures, 'session.bound.yml'), 'utf8'));

    const first = await serve(store);
    const upload = await execa('node', [cli, 'upload', bound, '--backend', 'sim', '--url', first.url]);
    const hash = /^created session caddy ([0-9a-f]{64})$/.exec(upload.stdout)?.[1];
    expect(hash).toBeDefined();
    const again = await execa('node', [cli, 'upload', bound, '--backend', 'sim', '--url', first.url], { reject: false });
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toContain('HTTP 409');
    expect(await stop(first.proc)).toBe(0);

    const second = await serve(store);
    try {
      expect((await execa('node', [cli, 'health', '--url', second.url])).stdout).toBe('ok');
      const got = await execa('node', [cli, 'get', 'caddy', '--url', second.url]);
      expect(got.stdout).toBe(readFileSync(bound, 'utf8').trimEnd());
      expect(got.stderr).toBe(`# caddy ${hash}`);
      const launch = await execa('node', [cli, 'launch', 'caddy/binaryfs', '--measurement', M, '--url', second.url]);
      expect(JSON.parse(launch.stdout)).toEqual({ argv: ['caddy', 'file-server', '--domain', 'localhost'], env: ['SCONE_LOG', 'HOME'], files: [], pwd: '/' });
      const refused = await execa('node', [cli, 'launch', 'caddy/binaryfs', '--measurement', '0'.repeat(64), '--url', second.url], { reject: false });
      expect(refused.exitCode).toBe(1);
      expect(refused.stderr).toContain(`HTTP 403: measurement ${'0'.repeat(64)} not allowed for caddy/binaryfs`);
      expect(second.url).not.toBe('');
      expect(await getSessionSim(second.url, 'caddy')).toEqual({ name: 'caddy', hash, session: readFileSync(bound, 'utf8') });
      expect((await launchSim(second.url, 'caddy/binaryfs', M)).argv).toEqual(['caddy', 'file-server', '--domain', 'localhost']);
    } finally {
      expect(await stop(second.proc)).toBe(0);
    }
    const down = await execa('node', [cli, 'health', '--url', second.url], { reject: false });
    expect(down.exitCode).toBe(1);
  });

  it('lint warns, --strict fails with exit code 1', async () => {
    const warn = await execa('node', [cli, 'lint', join(fixtures, 'session.yml')]);
    expect(warn.stderr).toMatch(/session\.yml:6:11 warning CP001 security\.attestation\.mode: /);
    const strict = await execa('node', [cli, 'lint', join(fixtures, 'session.yml'), '--strict'], { reject: false });
    expect(strict.exitCode).toBe(1);
    expect(strict.stderr).toMatch(/session\.yml:6:11 error CP001/);
  });

  it('reports invalid sessions with file:line:col and usage errors with exit code 2', async () => {
    const bad = await execa('node', [cli, 'lint', join(fixtures, 'measurement.json')], { reject: false });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('measurement.json:1:1 name: missing, expected string');
    const usage = await execa('node', [cli, 'bind', join(fixtures, 'session.yml')], { reject: false });
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toContain('--measurement FILE is required');
  });

  it('upload --backend scone --dry-run prints the docker argument array', async () => {
    const result = await execa('node', [cli, 'upload', join(fixtures, 'session.yml'), '--backend', 'scone', '--cas', 'cas', '--dry-run']);
    expect(JSON.parse(result.stdout)).toEqual([
      'docker',
      'run',
      '--rm',
      '-v',
      `${fixtures}:/policy:ro`,
      '-w',
      '/policy',
      'registry.scontain.com/sconecuratedimages/sconecli:latest',
      'scone',
      'session',
      'create',
      '-c',
      'cas',
      '--only_for_testing-disable-attestation-verification',
      'session.yml',
    ]);
  });

  it('serve with CAS_POLICY_STORE_KEY: launch masks secret arguments, public prints the CA, nothing secret in its output', async () => {
    const store = join(dir, 'store');
    const key = 'c0'.repeat(32);
    const first = await serve(store, { CAS_POLICY_STORE_KEY: key });
    try {
      await execa('node', [cli, 'upload', join(fixtures, 'session.secrets.bound.yml'), '--backend', 'sim', '--url', first.url]);
      const launch = await execa('node', [cli, 'launch', 'caddy-tls/binaryfs', '--measurement', M, '--url', first.url]);
      expect(JSON.parse(launch.stdout)).toEqual({
        argv: ['caddy', 'file-server', '--domain', 'localhost', '--listen', ':8443', '--header', '<secret>'],
        env: ['HOME', 'CADDY_ADMIN_TOKEN', 'SESSION_KEY_HEX'],
        files: ['/etc/caddy/tls/cert.pem', '/etc/caddy/tls/key.pem', '/etc/caddy/tls/ca.pem', '/etc/caddy/session.key'],
        pwd: '/',
      });
      const ca = await execa('node', [cli, 'public', 'caddy-tls/ca', '--url', first.url]);
      expect(ca.stdout).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      const secret = await launchSim(first.url, 'caddy-tls/binaryfs', M);
      const token = Object.fromEntries(secret.env).CADDY_ADMIN_TOKEN as string;
      expect(launch.stdout + launch.stderr + first.output()).not.toContain(token);
      expect(first.output()).not.toContain(key);
      // the key came from the environment: no key file next to the store
      expect(() => readFileSync(`${store}.key`)).toThrow();
      const refused = await execa('node', [cli, 'public', 'caddy-tls/tls_key', '--url', first.url], { reject: false });
      expect(refused.exitCode).toBe(1);
      expect(refused.stdout).toBe('');
    } finally {
      expect(await stop(first.proc)).toBe(0);
    }
    const bad = await execa('node', [cli, 'serve', '--store', store, '--port', '0'], { reject: false, env: { CAS_POLICY_STORE_KEY: 'not-hex' } });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toBe('cas-policy: CAS_POLICY_STORE_KEY: expected 64 hex characters (a 32-byte AES-256 key)');
  });
});
