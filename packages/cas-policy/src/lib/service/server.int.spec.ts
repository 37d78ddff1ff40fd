// The sim policy service for real: HTTP on 127.0.0.1, a random port, a temporary store on disk.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getSessionSim, healthSim, launchSim, SimServiceError, uploadSessionSim } from '../upload/sim.js';
import { startPolicyService, type PolicyService } from './server.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const bound = readFileSync(join(fixtures, 'session.bound.yml'), 'utf8');
const M = '3f1c0a9be4d2a7c8e6f5b4a3928170e1d2c3b4a5968778695a4b3c2d1e0f9a8b';
const OTHER = '0'.repeat(64);

describe('sim policy service', () => {
  let store: string;
  let service: PolicyService;
  let lines: string[];

  beforeEach(async () => {
    store = mkdtempSync(join(tmpdir(), 'cas-policy-store-'));
    lines = [];
    service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: store, log: (l) => lines.push(l) });
  });
  afterEach(async () => {
    await service.close();
    rmSync(store, { recursive: true, force: true });
  });

  it('answers /health', async () => {
    const res = await fetch(`${service.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(await healthSim(service.url)).toBe(true);
    expect(service.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('create, then launch with the right measurement gives argv, env and pwd', async () => {
    const res = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: bound });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { name: string; hash: string };
    expect(created.name).toBe('caddy');
    expect(created.hash).toMatch(/^[0-9a-f]{64}$/);

    const launch = await fetch(`${service.url}/v1/launch/caddy/binaryfs?measurement=${M}`);
    expect(launch.status).toBe(200);
    expect(launch.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await launch.text()).toBe(
      'confidential-launch v1\narg caddy\narg file-server\narg --domain\narg localhost\nenv SCONE_LOG=error\nenv HOME=/root\npwd /\nend\n',
    );
    expect(await launchSim(service.url, 'caddy/binaryfs', M.toUpperCase())).toEqual({
      argv: ['caddy', 'file-server', '--domain', 'localhost'],
      env: [
        ['SCONE_LOG', 'error'],
        ['HOME', '/root'],
      ],
      pwd: '/',
    });

    const stored = await getSessionSim(service.url, 'caddy');
    expect(stored).toEqual({ name: 'caddy', hash: created.hash, session: bound });
  });

  it('refuses a wrong measurement with 403 and unknown session/service with 404', async () => {
    await uploadSessionSim(service.url, bound);
    const wrong = await fetch(`${service.url}/v1/launch/caddy/binaryfs?measurement=${OTHER}`);
    expect(wrong.status).toBe(403);
    expect(await wrong.text()).toBe(`measurement ${OTHER} not allowed for caddy/binaryfs\n`);
    await expect(launchSim(service.url, 'caddy/binaryfs', OTHER)).rejects.toThrow(SimServiceError);
    expect((await fetch(`${service.url}/v1/launch/caddy/web?measurement=${M}`)).status).toBe(404);
    expect((await fetch(`${service.url}/v1/launch/nginx/binaryfs?measurement=${M}`)).status).toBe(404);
    expect((await fetch(`${service.url}/v1/launch/caddy/binaryfs?measurement=abc`)).status).toBe(400);
    expect((await fetch(`${service.url}/v1/sessions/nginx`)).status).toBe(404);
    // a session without mrenclaves gives its command to nobody
    const unbound = readFileSync(join(fixtures, 'session.yml'), 'utf8').replace('name: caddy', 'name: unbound');
    await uploadSessionSim(service.url, unbound);
    expect((await fetch(`${service.url}/v1/launch/unbound/binaryfs?measurement=${M}`)).status).toBe(403);
  });

  it('update needs the current hash as predecessor (409 otherwise, 200 with it)', async () => {
    const first = await uploadSessionSim(service.url, bound);
    expect(first.created).toBe(true);

    const again = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: bound });
    expect(again.status).toBe(409);
    expect(await again.json()).toEqual({ error: 'session "caddy" exists; to update it, set predecessor to its current hash', current: first.hash });

    const changed = bound.replace('HOME: /root', 'HOME: /srv');
    const wrongPredecessor = changed.replace('version: "0.3"\n', `version: "0.3"\npredecessor: ${'a'.repeat(64)}\n`);
    const refused = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: wrongPredecessor });
    expect(refused.status).toBe(409);
    expect(((await refused.json()) as { error: string }).error).toBe('session "caddy" exists; to update it, predecessor is not its current hash');
    expect((await getSessionSim(service.url, 'caddy'))?.hash).toBe(first.hash);

    const update = changed.replace('version: "0.3"\n', `version: "0.3"\npredecessor: ${first.hash}\n`);
    const res = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: update });
    expect(res.status).toBe(200);
    const second = (await res.json()) as { hash: string };
    expect(second.hash).not.toBe(first.hash);
    expect((await launchSim(service.url, 'caddy/binaryfs', M)).env).toContainEqual(['HOME', '/srv']);

    // the old hash is no longer a valid predecessor
    expect((await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: update })).status).toBe(409);
    // updating a session that does not exist is refused too
    const ghost = update.replace('name: caddy', 'name: ghost');
    expect((await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: ghost })).status).toBe(409);
  });

  it('answers 400 with file:line:col errors for an invalid session', async () => {
    const res = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: 'name: caddy\nversion: 0.3\nservices:\n  - name: a\n    comand: x\n' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      errors: ['session.yml:2:10 version: expected string (quote it: version: "0.3")', 'session.yml:5:5 services[0].comand: unknown key'],
    });
    await expect(uploadSessionSim(service.url, 'name: [x]\nversion: "0.3"\n')).rejects.toThrow(/HTTP 400: session\.yml:1:7 name: expected string/);
  });

  it('10 concurrent creates of one name: exactly one 201, the others 409', async () => {
    const bodies = Array.from({ length: 10 }, (_, i) => bound.replace('HOME: /root', `HOME: /root${i}`));
    const statuses = await Promise.all(bodies.map((body) => fetch(`${service.url}/v1/sessions`, { method: 'POST', body }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
    const winner = statuses.indexOf(201);
    expect((await getSessionSim(service.url, 'caddy'))?.session).toBe(bodies[winner]);
    // one file for the session, no temporary files left behind
    expect(readdirSync(store)).toEqual(['caddy.json']);
  });

  it('two services on one store directory: concurrent creates still have one winner', async () => {
    const second = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: store, log: () => undefined });
    try {
      const urls = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? service.url : second.url));
      const statuses = await Promise.all(
        urls.map((url, i) => fetch(`${url}/v1/sessions`, { method: 'POST', body: bound.replace('HOME: /root', `HOME: /r${i}`) }).then((r) => r.status)),
      );
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('logs one line per request without environment values or bodies', async () => {
    await uploadSessionSim(service.url, bound.replace('HOME: /root', 'HOME: s3cr3t-value'));
    await fetch(`${service.url}/v1/launch/caddy/binaryfs?measurement=${M}`);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\S+Z POST \/v1\/sessions 201 \d+\.\dms$/);
    expect(lines[1]).toMatch(/^\S+Z GET \/v1\/launch\/caddy\/binaryfs 200 \d+\.\dms$/);
    expect(lines.join('\n')).not.toContain('s3cr3t');
  });

  it('serves namespaced sessions (ns/name) and stores them in one file each', async () => {
    const namespaced = bound.replace('name: caddy', 'name: team~x/caddy');
    expect((await uploadSessionSim(service.url, namespaced)).name).toBe('team~x/caddy');
    expect((await getSessionSim(service.url, 'team~x/caddy'))?.session).toBe(namespaced);
    expect((await launchSim(service.url, 'team~x/caddy/binaryfs', M)).argv[0]).toBe('caddy');
    expect(readdirSync(store)).toEqual(['team%7Ex%2Fcaddy.json']);
  });

  it('launch honours list commands and attestation.mrenclave variants without a signer factor', async () => {
    const text = [
      'name: modern',
      'version: "0.3.10"',
      'services:',
      '  - name: plain',
      '    command: ["sh", "-c", "echo a b"]',
      '    pwd: /srv/my app',
      '    attestation:',
      `      mrenclave: ${M}`,
      '  - name: signed',
      '    command: caddy run',
      '    attestation:',
      `      mrenclave: [${M}]`,
      '      signer:',
      `        mrsigner: ${'ab'.repeat(32)}`,
      '        isvprodid: 1',
      '',
    ].join('\n');
    await uploadSessionSim(service.url, text);
    const launch = await fetch(`${service.url}/v1/launch/modern/plain?measurement=${M}`);
    expect(await launch.text()).toBe('confidential-launch v1\narg sh\narg -c\narg echo%20a%20b\npwd /srv/my%20app\nend\n');
    // the sim backend cannot check a signer factor, so such a variant never matches
    expect((await fetch(`${service.url}/v1/launch/modern/signed?measurement=${M}`)).status).toBe(403);
  });

  it('refuses wrong methods and unknown routes', async () => {
    expect((await fetch(`${service.url}/v1/sessions`)).status).toBe(405);
    expect((await fetch(`${service.url}/health`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${service.url}/nope`)).status).toBe(404);
  });
});
