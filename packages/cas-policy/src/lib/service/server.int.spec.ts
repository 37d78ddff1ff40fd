// The sim policy service for real: HTTP on 127.0.0.1, a random port, a temporary store on disk.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getSessionSim, healthSim, launchSim, publicSim, SimServiceError, uploadSessionSim, volumeActionSim, volumeStatusSim } from '../upload/sim.js';
import { StoreKey, type Sealed } from './sealed.js';
import { SecretSet } from './secrets.js';
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
      files: [],
      volumes: [],
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
    expect((await fetch(`${service.url}/v1/public/caddy/ca`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${service.url}/v1/sessions`)).status).toBe(405);
    expect((await fetch(`${service.url}/health`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${service.url}/nope`)).status).toBe(404);
  });

  describe('secrets', () => {
    const withSecrets = readFileSync(join(fixtures, 'session.secrets.bound.yml'), 'utf8');
    const keyFile = () => `${store}.key`;
    afterEach(() => rmSync(keyFile(), { force: true }));

    /** Every form a private key's bytes could take in a file or an answer: PEM body lines and base64 of the DER. */
    function keyNeedles(pem: string): string[] {
      const der = createPrivateKey(pem).export({ type: 'pkcs8', format: 'der' });
      const body = pem.split('\n').filter((l) => l && !l.startsWith('-----'));
      return [der.toString('base64'), der.toString('hex'), ...body];
    }

    /** Text of every file under a folder (the store), recursively. */
    function folderText(dir: string): string {
      return readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'))
        .join('\n');
    }

    it('the right measurement gets resolved argv, environment and files with a certificate chaining to the session CA', async () => {
      expect((await uploadSessionSim(service.url, withSecrets)).created).toBe(true);
      const launch = await launchSim(service.url, 'caddy-tls/binaryfs', M);
      const env = Object.fromEntries(launch.env);
      expect(env.CADDY_ADMIN_TOKEN).toMatch(/^[A-Za-z0-9]{32}$/);
      expect(env.SESSION_KEY_HEX).toMatch(/^[0-9a-f]{64}$/);
      expect(launch.argv.at(-1)).toBe(`X-Token ${env.CADDY_ADMIN_TOKEN}`);
      const files = Object.fromEntries(launch.files.map((f) => [f.path, f]));
      expect(Object.keys(files)).toEqual(['/etc/caddy/tls/cert.pem', '/etc/caddy/tls/key.pem', '/etc/caddy/tls/ca.pem', '/etc/caddy/session.key']);
      expect(files['/etc/caddy/tls/key.pem']?.mode).toBe(0o600);
      expect(files['/etc/caddy/session.key']?.content.toString('hex')).toBe(env.SESSION_KEY_HEX);

      // the CA certificate is public: fetched without attestation, it is the one the leaf chains to
      const caPem = await publicSim(service.url, 'caddy-tls', 'ca');
      expect(files['/etc/caddy/tls/ca.pem']?.content.toString()).toBe(caPem);
      const ca = new X509Certificate(caPem);
      const chain = files['/etc/caddy/tls/cert.pem']?.content.toString() ?? '';
      const leaf = new X509Certificate(chain);
      expect(chain.endsWith(caPem)).toBe(true);
      expect(leaf.checkIssued(ca)).toBe(true);
      expect(leaf.verify(ca.publicKey)).toBe(true);
      expect(leaf.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
      expect(leaf.checkPrivateKey(createPrivateKey(files['/etc/caddy/tls/key.pem']?.content.toString() ?? ''))).toBe(true);

      // generated once: a second launch, and a restarted service on the same store and key, answer the same
      expect(await launchSim(service.url, 'caddy-tls/binaryfs', M)).toEqual(launch);
      await service.close();
      service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: store, log: (l) => lines.push(l) });
      expect(await launchSim(service.url, 'caddy-tls/binaryfs', M)).toEqual(launch);
      expect(statSync(keyFile()).mode & 0o777).toBe(0o600);

      // an update that changes the certificate keeps the CA, the key and the token
      const stored = await getSessionSim(service.url, 'caddy-tls');
      const update = withSecrets.replace('version: 0.3.10\n', `version: 0.3.10\npredecessor: ${stored?.hash}\n`).replace('valid_for: 90d', 'valid_for: 30d');
      expect((await uploadSessionSim(service.url, update)).created).toBe(false);
      const after = await launchSim(service.url, 'caddy-tls/binaryfs', M);
      expect(after.env).toEqual(launch.env);
      expect(await publicSim(service.url, 'caddy-tls', 'ca')).toBe(caPem);
      const renewed = new X509Certificate(after.files[0]?.content.toString() ?? '');
      expect(renewed.serialNumber).not.toBe(leaf.serialNumber);
      expect(renewed.verify(ca.publicKey)).toBe(true);
      expect(after.files[1]?.content).toEqual(files['/etc/caddy/tls/key.pem']?.content);
    });

    it('a wrong measurement gets 403 and no secret bytes; no private key in the store folder, the stored session or the logs', async () => {
      await uploadSessionSim(service.url, withSecrets);
      const wrong = await fetch(`${service.url}/v1/launch/caddy-tls/binaryfs?measurement=${OTHER}`);
      expect(wrong.status).toBe(403);
      const refusal = await wrong.text();
      expect(refusal).toBe(`measurement ${OTHER} not allowed for caddy-tls/binaryfs\n`);

      const launch = await launchSim(service.url, 'caddy-tls/binaryfs', M);
      const keyPem = launch.files.find((f) => f.path === '/etc/caddy/tls/key.pem')?.content.toString() ?? '';
      const token = Object.fromEntries(launch.env).CADDY_ADMIN_TOKEN as string;
      const sessionKey = launch.files.find((f) => f.path === '/etc/caddy/session.key')?.content as Buffer;
      // the CA key too: a launch never shows it, so open the store with the service's key (as the service does)
      const record = JSON.parse(readFileSync(join(store, 'caddy-tls.json'), 'utf8')) as { secrets: Sealed };
      const set = SecretSet.parse(JSON.parse((await StoreKey.fromFile(keyFile())).open('caddy-tls', record.secrets).toString('utf8')));
      const caKeyPem = set.ca_key?.key as string;
      expect(caKeyPem).toContain('BEGIN PRIVATE KEY');
      const needles = [...keyNeedles(keyPem), ...keyNeedles(caKeyPem), token, sessionKey.toString('hex'), sessionKey.toString('base64')];

      const stored = await getSessionSim(service.url, 'caddy-tls');
      const storeText = folderText(store);
      const logs = lines.join('\n');
      for (const needle of needles) {
        expect(refusal).not.toContain(needle);
        expect(storeText).not.toContain(needle);
        expect(stored?.session).not.toContain(needle);
        expect(logs).not.toContain(needle);
      }
      expect(storeText).not.toContain('PRIVATE KEY');
      expect(JSON.parse(readFileSync(join(store, 'caddy-tls.json'), 'utf8')).secrets).toMatchObject({ alg: 'aes-256-gcm' });

      // the public endpoint serves exported certificates only: never a key, a token or an unexported certificate
      for (const name of ['ca_key', 'tls_key', 'tls', 'admin_token', 'session_key', 'nothing']) {
        const res = await fetch(`${service.url}/v1/public/caddy-tls/${name}`);
        expect(res.status).toBe(404);
        const body = await res.text();
        for (const needle of needles) expect(body).not.toContain(needle);
      }
      expect((await fetch(`${service.url}/v1/public/ghost/ca`)).status).toBe(404);
    });

    it('a store key from the options: another key cannot read the secrets (500, nothing leaked)', async () => {
      await service.close();
      service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: store, log: (l) => lines.push(l), storeKey: Buffer.alloc(32, 7) });
      await uploadSessionSim(service.url, withSecrets);
      const launch = await launchSim(service.url, 'caddy-tls/binaryfs', M);
      expect(() => statSync(keyFile())).toThrow(); // no key file when the key is given
      await service.close();
      service = await startPolicyService({ port: 0, host: '127.0.0.1', storeDir: store, log: (l) => lines.push(l), storeKey: Buffer.alloc(32, 8) });
      const res = await fetch(`${service.url}/v1/launch/caddy-tls/binaryfs?measurement=${M}`);
      expect(res.status).toBe(500);
      const body = await res.text();
      expect(body).toContain('cannot be decrypted with this service');
      expect(body).not.toContain(Object.fromEntries(launch.env).CADDY_ADMIN_TOKEN as string);
    });

    it('refuses at upload with positioned errors: bad declarations, secrets the sim cannot provide', async () => {
      const noCa = withSecrets.replace('    issuer: ca\n', '');
      const res = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: noCa });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ errors: ['session.yml:43:5 secrets[3].issuer: expected the name of an x509-ca secret of this session (the CA that signs this certificate)'] });
      const imported = withSecrets.replace('  - name: admin_token\n    kind: ascii\n    size: 32\n', '  - name: admin_token\n    import:\n      session: other\n      secret: token\n');
      const refused = await fetch(`${service.url}/v1/sessions`, { method: 'POST', body: imported });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as { errors: string[] }).errors[0]).toBe(
        'session.yml:13:14 services[0].command: $$SCONE::admin_token$$: "admin_token" is imported; the sim backend cannot import secrets',
      );
      expect(readdirSync(store)).toEqual([]);
    });
  });

  describe('encrypted volumes', () => {
    const withVolumes = (policy = '') => `name: vols
version: "0.3"
services:
  - name: app
    image_name: app_image
    mrenclaves: ["${M}"]
    command: app
images:
  - name: app_image
    volumes:
      - name: data
        path: /data${policy}
volumes:
  - name: data
`;
    const A = 'a'.repeat(64);
    const B = 'b'.repeat(64);
    const refusal = (action: Promise<void>) => action.then(() => 'accepted', (e: Error) => e.message);

    it('the right measurement gets the key and a writer token; a wrong one gets 403 and nothing of the volume', async () => {
      await uploadSessionSim(service.url, withVolumes());
      const wrong = await fetch(`${service.url}/v1/launch/vols/app?measurement=${OTHER}`);
      expect(wrong.status).toBe(403);
      expect(await wrong.text()).not.toMatch(/volume|[0-9a-f]{64} [0-9a-f]{64}/);
      expect((await fetch(`${service.url}/v1/volumes/vols/data`)).status).toBe(404); // no launch yet: no state, no key
      const first = await launchSim(service.url, 'vols/app', M);
      expect(first.volumes).toHaveLength(1);
      const [v] = first.volumes;
      expect(v).toMatchObject({ name: 'data', path: '/data' });
      expect(v?.key).toHaveLength(32);
      expect(v?.token).toHaveLength(32);
      // the same key at every launch, a new token each time; the key is not stored in the clear
      const second = await launchSim(service.url, 'vols/app', M);
      expect(second.volumes[0]?.key.equals(v?.key as Buffer)).toBe(true);
      expect(second.volumes[0]?.token.equals(v?.token as Buffer)).toBe(false);
      const hex = v?.key.toString('hex') as string;
      const files = readdirSync(store, { recursive: true }).map(String).filter((f) => statSync(join(store, f)).isFile());
      expect(files).toContain(join('volumes', 'vols.json'));
      for (const f of files) expect(readFileSync(join(store, f)).toString('hex')).not.toContain(hex);
      expect(lines.join('\n')).not.toContain(hex);
      expect(await volumeStatusSim(service.url, 'vols', 'data')).toMatchObject({ tag: null, pending: null, launches: 2, commits: 0 });
    });

    it('commits move the tag; an older copy at the next start is refused with one sentence; a crash inside a commit is not a rollback', async () => {
      await uploadSessionSim(service.url, withVolumes());
      const token1 = (await launchSim(service.url, 'vols/app', M)).volumes[0]?.token.toString('hex') as string;
      const act = (action: 'open' | 'tag', form: Record<string, string>) => refusal(volumeActionSim(service.url, 'vols', 'data', action, form));
      expect(await act('open', { token: token1, tag: 'empty' })).toBe('accepted');
      expect(await act('tag', { token: token1, previous: 'empty', next: A })).toBe('accepted');
      expect(await act('tag', { token: token1, previous: A, next: A })).toBe('accepted');
      expect(await volumeStatusSim(service.url, 'vols', 'data')).toMatchObject({ tag: A, commits: 1 });
      // a report that does not start from the service's tag: another writer
      expect(await act('tag', { token: token1, previous: 'empty', next: B })).toMatch(/HTTP 409: .*starts from tag empty…, the policy service is at aaaaaaaaaaaa…; another writer/);

      const token2 = (await launchSim(service.url, 'vols/app', M)).volumes[0]?.token.toString('hex') as string;
      // the previous launch's token is revoked: one writer per volume
      expect(await act('tag', { token: token1, previous: A, next: B })).toMatch(/HTTP 403: .*revoked by a later launch \(one writer per volume\)/);
      // the folder as it was before the first commit: rolled back
      const rolledBack = await act('open', { token: token2, tag: 'empty' });
      expect(rolledBack).toBe(
        'volume vols/data open failed with HTTP 409: volume "data" of session "vols" is at an empty folder but the policy service expects tag aaaaaaaaaaaa…: an older or foreign copy (rollback refused); restore the latest copy, or reinitialise the volume and start from an empty folder',
      );
      expect(await act('open', { token: token2, tag: A })).toBe('accepted');

      // a crash between the report and the metadata write leaves A on disk, after it B: both start
      expect(await act('tag', { token: token2, previous: A, next: B })).toBe('accepted');
      const token3 = (await launchSim(service.url, 'vols/app', M)).volumes[0]?.token.toString('hex') as string;
      expect(await act('open', { token: token3, tag: B })).toBe('accepted');
      expect(await volumeStatusSim(service.url, 'vols', 'data')).toMatchObject({ tag: B, pending: null, commits: 2 });
      // now A is an older copy
      const token4 = (await launchSim(service.url, 'vols/app', M)).volumes[0]?.token.toString('hex') as string;
      expect(await act('open', { token: token4, tag: A })).toMatch(/HTTP 409: .*is at tag aaaaaaaaaaaa… but the policy service expects tag bbbbbbbbbbbb…: an older or foreign copy \(rollback refused\)/);
      expect(await act('open', { token: 'f'.repeat(64), tag: B })).toMatch(/HTTP 403: .*revoked/);
    });

    it('reinitialise takes the current session hash, issues a new key and wants an empty folder', async () => {
      const { hash } = await uploadSessionSim(service.url, withVolumes());
      const first = (await launchSim(service.url, 'vols/app', M)).volumes[0];
      const token = first?.token.toString('hex') as string;
      await volumeActionSim(service.url, 'vols', 'data', 'tag', { token, previous: 'empty', next: A });
      await volumeActionSim(service.url, 'vols', 'data', 'tag', { token, previous: A, next: A });
      expect(await refusal(volumeActionSim(service.url, 'vols', 'data', 'reinitialise', {}))).toMatch(/HTTP 409: reinitialising volume "data" destroys its data: session_hash must be the current hash/);
      await volumeActionSim(service.url, 'vols', 'data', 'reinitialise', { session_hash: hash });
      expect(await volumeStatusSim(service.url, 'vols', 'data')).toMatchObject({ tag: null, pending: null });
      const next = (await launchSim(service.url, 'vols/app', M)).volumes[0];
      expect(next?.key.equals(first?.key as Buffer)).toBe(false);
      const token2 = next?.token.toString('hex') as string;
      expect(await refusal(volumeActionSim(service.url, 'vols', 'data', 'open', { token: token2, tag: A }))).toMatch(
        /HTTP 409: volume "data" of session "vols" is new at the policy service but its folder holds data \(tag aaaaaaaaaaaa…\)/,
      );
      expect(await refusal(volumeActionSim(service.url, 'vols', 'data', 'open', { token: token2, tag: 'empty' }))).toBe('accepted');
    });

    it('no_rollback_protection accepts any tag at a start; ephemeral volumes and given keys are refused at upload', async () => {
      await uploadSessionSim(service.url, withVolumes('\n        update_policy: no_rollback_protection'));
      const token = (await launchSim(service.url, 'vols/app', M)).volumes[0]?.token.toString('hex') as string;
      expect(await refusal(volumeActionSim(service.url, 'vols', 'data', 'open', { token, tag: A }))).toBe('accepted');
      const ephemeral = withVolumes('\n        update_policy: ephemeral').replace('name: vols', 'name: eph');
      await expect(uploadSessionSim(service.url, ephemeral)).rejects.toThrow(/HTTP 400: session\.yml:13:\d+ images\[0\]\.volumes\[0\]\.update_policy: the sim backend does not support ephemeral volumes/);
      const keyed = `${withVolumes().replace('name: vols', 'name: keyed')}    fspf_key: ${A}\n`;
      await expect(uploadSessionSim(service.url, keyed)).rejects.toThrow(/HTTP 400: session\.yml:\d+:\d+ volumes\[0\]\.fspf_key: the sim backend does not support fspf_key on volumes/);
    });
  });
});
