import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSessionText } from '../load.js';
import type { Session } from '../schema.js';
import { StoreKey, StoreKeyError } from './sealed.js';
import { generateSecrets, publicPart, resolveService, simProblems, type SecretSet } from './secrets.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures');
const source = readFileSync(join(fixtures, 'session.secrets.bound.yml'), 'utf8');
const load = (text: string): Session => loadSessionText(text).session;

describe('sim secrets', () => {
  let session: Session;
  let set: SecretSet;
  beforeAll(async () => {
    session = load(source);
    set = await generateSecrets(session);
  });

  it('generates every kind: a self-signed CA, a certificate it signed with SAN and validity, keys, ascii, binary', () => {
    expect(Object.keys(set)).toEqual(['ca_key', 'ca', 'tls_key', 'tls', 'admin_token', 'session_key']);
    const ca = new X509Certificate(set.ca?.cert as string);
    const tls = new X509Certificate(set.tls?.cert as string);
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=caddy-tls CA');
    expect(ca.checkIssued(ca)).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(tls.ca).toBe(false);
    expect(tls.checkIssued(ca)).toBe(true);
    expect(tls.verify(ca.publicKey)).toBe(true);
    expect(tls.subject).toBe('CN=localhost');
    expect(tls.issuer).toBe('CN=caddy-tls CA');
    expect(tls.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1');
    expect(tls.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth (endpoint: server)
    const days = (new Date(tls.validTo).getTime() - new Date(tls.validFrom).getTime()) / 86_400_000;
    expect(Math.round(days)).toBe(90);
    // the certificate carries the key of its private_key secret (P-384), the CA the default P-256 key
    expect(tls.checkPrivateKey(createPrivateKey(set.tls_key?.key as string))).toBe(true);
    expect(createPrivateKey(set.tls_key?.key as string).asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    expect(createPrivateKey(set.ca_key?.key as string).asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(set.tls?.key).toBe(set.tls_key?.key);
    const token = Buffer.from(set.admin_token?.value as string, 'base64').toString('utf8');
    expect(token).toMatch(/^[A-Za-z0-9]{32}$/);
    expect(Buffer.from(set.session_key?.value as string, 'base64')).toHaveLength(32);
  });

  it('keeps unchanged secrets on update and regenerates those whose declaration (or CA, or key) changed', async () => {
    expect(await generateSecrets(session, set)).toEqual(set);
    const renamed = load(source.replace('common_name: localhost', 'common_name: caddy.local'));
    const next = await generateSecrets(renamed, set);
    expect(next.ca).toEqual(set.ca);
    expect(next.tls_key).toEqual(set.tls_key);
    expect(next.tls?.cert).not.toBe(set.tls?.cert);
    // a new CA key gives a new CA and a new certificate, signed by it
    const rekeyed = await generateSecrets(load(source.replace('  - name: ca_key\n    kind: private-key\n', '  - name: ca_key\n    kind: private-key\n    key_type: Ed25519\n')), set);
    expect(rekeyed.ca?.cert).not.toBe(set.ca?.cert);
    expect(new X509Certificate(rekeyed.tls?.cert as string).verify(new X509Certificate(rekeyed.ca?.cert as string).publicKey)).toBe(true);
    // export rules do not regenerate anything
    expect(await generateSecrets(load(source.replace('    export_public: true\n', '')), set)).toEqual(set);
  });

  it('signs with RSA and Ed25519 CAs, and an intermediate CA', async () => {
    const text = [
      'name: kinds',
      'version: "0.3"',
      'secrets:',
      '  - { name: rsa_key, kind: private-key, key_type: RSA-2048 }',
      '  - { name: ed_key, kind: private-key, key_type: Ed25519 }',
      '  - { name: root, kind: x509-ca, private_key: rsa_key }',
      '  - { name: mid, kind: x509-ca, private_key: ed_key, issuer: root }',
      '  - { name: leaf, kind: x509, private_key: ed_key, issuer: mid, endpoint: client, valid_for: 1 year }',
      '',
    ].join('\n');
    const s = load(text);
    const out = await generateSecrets(s);
    const [root, mid, leaf] = ['root', 'mid', 'leaf'].map((n) => new X509Certificate(out[n]?.cert as string)) as [X509Certificate, X509Certificate, X509Certificate];
    expect(mid.checkIssued(root) && mid.verify(root.publicKey) && mid.ca).toBe(true);
    expect(leaf.checkIssued(mid) && leaf.verify(mid.publicKey)).toBe(true);
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    // :chain = the certificate and its issuers up to the root
    const files = resolveService({ ...s, images: [{ name: 'i', injection_files: [{ path: '/c', content: '$$SCONE::leaf:chain$$' }] }] }, { name: 'x', image_name: 'i', command: 'x' }, out).files;
    expect(files[0]?.content.toString()).toBe(`${out.leaf?.cert}${out.mid?.cert}${out.root?.cert}`);
  });

  it('resolves placeholders in argv (after splitting), environment and injection files of the service image', () => {
    const service = session.services?.[0];
    const r = resolveService(session, service!, set);
    const token = Buffer.from(set.admin_token?.value as string, 'base64').toString('utf8');
    const key = Buffer.from(set.session_key?.value as string, 'base64');
    expect(r.argv).toEqual(['caddy', 'file-server', '--domain', 'localhost', '--listen', ':8443', '--header', `X-Token ${token}`]);
    expect(r.env).toEqual([
      ['HOME', '/root'],
      ['CADDY_ADMIN_TOKEN', token],
      ['SESSION_KEY_HEX', key.toString('hex')],
    ]);
    expect(r.files.map((f) => [f.path, f.mode])).toEqual([
      ['/etc/caddy/tls/cert.pem', 0o600],
      ['/etc/caddy/tls/key.pem', 0o600],
      ['/etc/caddy/tls/ca.pem', 0o600],
      ['/etc/caddy/session.key', 0o600],
    ]);
    const [chain, keyPem, caPem, raw] = r.files.map((f) => f.content);
    expect(chain?.toString()).toBe(`${set.tls?.cert}${set.ca?.cert}`);
    expect(createPrivateKey(keyPem!.toString()).export({ type: 'pkcs8', format: 'pem' })).toBe(set.tls_key?.key);
    expect(caPem?.toString()).toBe(set.ca?.cert);
    expect(raw).toEqual(key);
    // permissions as YAML octal numbers or strings
    const withModes = { ...session, images: [{ name: 'caddy', injection_files: [{ path: '/a', content: 'x', permission: 0o644 }, { path: '/b', content: 'y', permission: '0o400' }, '/c'] }] };
    expect(resolveService(withModes, service!, set).files.map((f) => f.mode)).toEqual([0o644, 0o400]);
  });

  it('exports only public parts of secrets marked export_public', () => {
    expect(publicPart(session, set, 'ca')).toBe(new X509Certificate(set.ca?.cert as string).toString());
    expect(publicPart(session, set, 'tls')).toBeUndefined();
    expect(publicPart(session, set, 'ca_key')).toBeUndefined();
    expect(publicPart(session, set, 'admin_token')).toBeUndefined();
    expect(publicPart(session, set, 'nothing')).toBeUndefined();
    const exported = load(source.replace('  - name: tls_key\n    kind: private-key\n', '  - name: tls_key\n    kind: private-key\n    export_public: true\n'));
    expect(publicPart(exported, set, 'tls_key')).toBe(createPublicKey(set.tls_key?.key as string).export({ type: 'spki', format: 'pem' }));
  });

  it('refuses at upload what the sim backend cannot provide', () => {
    const text = [
      'name: p',
      'version: "0.3"',
      'services:',
      '  - name: s',
      '    command: app $$SCONE::imported$$',
      '    environment:',
      '      A: "$$SCONE::tok|escape(json)$$"',
      '      B: $$SCONE::unused_ok$$',
      '      SCONE_NETWORK_SHIELD: protected',
      '      SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS: refuse',
      'secrets:',
      '  - { name: imported, import: { session: other, secret: x } }',
      '  - { name: tok, kind: ascii }',
      '  - { name: unused_ok, kind: ascii }',
      '  - { name: pgp, kind: pgp-key }',
      '',
    ].join('\n');
    expect(simProblems(load(text))).toEqual([
      { path: ['services', 0, 'command'], message: '$$SCONE::imported$$: "imported" is imported; the sim backend cannot import secrets' },
      { path: ['services', 0, 'environment', 'A'], message: '$$SCONE::tok|escape(json)$$: the sim backend does not apply encodings (|escape(json))' },
      {
        path: ['services', 0, 'environment', 'SCONE_NETWORK_SHIELD'],
        message: 'the sim backend does not support protected (refusing every connection the policy does not name); expected unprotected or disabled',
      },
      { path: ['services', 0, 'environment', 'SCONE_NETWORK_SHIELD_UNSUPPORTED_PROTOCOLS'], message: 'the sim backend does not refuse other protocols (UDP stays as it is); expected unprotected' },
    ]);
    expect(simProblems(session)).toEqual([]);
  });
});

describe('StoreKey', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cas-policy-key-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('seals for one session: another session name or another key cannot open it', async () => {
    const key = await StoreKey.fromFile(join(dir, 'store.key'));
    expect(statSync(join(dir, 'store.key')).mode & 0o777).toBe(0o600);
    const again = await StoreKey.fromFile(join(dir, 'store.key'));
    const sealed = key.seal('caddy', Buffer.from('secret bytes'));
    expect(sealed.alg).toBe('aes-256-gcm');
    expect(Buffer.from(sealed.data, 'base64').toString()).not.toContain('secret');
    expect(again.open('caddy', sealed).toString()).toBe('secret bytes');
    expect(() => key.open('other', sealed)).toThrow(StoreKeyError);
    expect(() => StoreKey.fromHex('ab'.repeat(32), 'env').open('caddy', sealed)).toThrow(/cannot be decrypted with this service's store key/);
    expect(() => StoreKey.fromHex('nope', 'CAS_POLICY_STORE_KEY')).toThrow('CAS_POLICY_STORE_KEY: expected 64 hex characters (a 32-byte AES-256 key)');
  });
});

describe('values given in the policy', () => {
  it('uses ascii, key and certificate values as given; a bad value names the secret, never the value', async () => {
    const base = await generateSecrets(load(source));
    const keyPem = base.tls_key?.key as string;
    const indent = (pem: string) => pem.trimEnd().split('\n').map((l) => `      ${l}`).join('\n');
    const text = (certPem: string) =>
      [
        'name: given',
        'version: "0.3"',
        'secrets:',
        '  - name: k',
        '    kind: private-key',
        '    value: |',
        indent(keyPem),
        '  - name: c',
        '    kind: x509',
        '    private_key: k',
        '    value: |',
        indent(certPem),
        '  - name: pw',
        '    kind: ascii',
        '    value: hunter2',
        '',
      ].join('\n');
    const out = await generateSecrets(load(text(base.tls?.cert as string)));
    expect(out.k?.key).toBe(keyPem);
    expect(out.c?.cert).toBe(base.tls?.cert);
    expect(Buffer.from(out.pw?.value as string, 'base64').toString()).toBe('hunter2');
    // a certificate that is not the key's, and a value that is no certificate
    await expect(generateSecrets(load(text(base.ca?.cert as string)))).rejects.toThrow('secret "c": the certificate in its value does not belong to the key of "k"');
    await expect(generateSecrets(load(text('-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----')))).rejects.toThrow(/^secret "c": expected a PEM certificate as its value$/);
  });
});
