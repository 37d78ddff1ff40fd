import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderLaunch } from '@confidential/cas-policy';
import { changedLeaves, keyNeedles, launchNeedles, PEM_MARKER, privateKeysIn, scanOutputs, Scanner } from './leak-scan.js';

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
const ed = generateKeyPairSync('ed25519').privateKey;
const pem = (k: typeof ec, type: 'pkcs8' | 'sec1' | 'pkcs1' = 'pkcs8') => k.export({ type, format: 'pem' }) as string;

/** the kinds a scanner finds in one buffer fed in chunks of `size` */
function scan(data: Buffer, needles = keyNeedles(ec), size = 7, marker = false): string[] {
  const s = new Scanner(needles, marker);
  for (let i = 0; i < data.length; i += size) s.feed(data.subarray(i, i + size));
  return [...s.found].sort();
}

describe('keyNeedles', () => {
  it('covers the PEM and DER forms of EC, RSA and Ed25519 keys and the raw private scalar', () => {
    for (const [key, own] of [[ec, 'sec1'], [rsa, 'pkcs1']] as const) {
      const needles = keyNeedles(key);
      expect(scan(Buffer.from(pem(key)), needles)).toContain('PKCS#8 PEM line');
      expect(scan(Buffer.from(pem(key, own)), needles)).toContain(`${own.toUpperCase()} PEM line`);
      expect(scan(key.export({ type: 'pkcs8', format: 'der' }), needles)).toEqual(expect.arrayContaining(['PKCS#8 DER', 'private scalar']));
      expect(scan(Buffer.from(key.export({ type: 'pkcs8', format: 'der' }).toString('hex')), needles)).toContain('PKCS#8 DER (hex)');
    }
    const d = Buffer.from((ec.export({ format: 'jwk' }) as { d: string }).d, 'base64url');
    expect(scan(Buffer.concat([Buffer.from('x'.repeat(100)), d, Buffer.from('y')]))).toEqual(['private scalar']);
    expect(scan(Buffer.from(`key=${d.toString('hex')}\n`))).toEqual(['private scalar (hex)']);
    expect(scan(Buffer.from(pem(ed)), keyNeedles(ed))).toContain('PKCS#8 PEM line');
  });

  it('finds nothing in another key, or in the public key and certificate-like text', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    expect(scan(Buffer.from(pem(other) + pem(other, 'sec1')))).toEqual([]);
    const pub = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(scan(Buffer.from(pub))).toEqual([]);
  });
});

describe('Scanner', () => {
  it('finds a needle split over any chunk boundary, and the PEM marker only when asked', () => {
    const data = Buffer.concat([Buffer.alloc(1000, 1), Buffer.from(pem(ec)), Buffer.alloc(1000, 2)]);
    for (const size of [1, 3, 64, 4096]) expect(scan(data, keyNeedles(ec), size)).toContain('PKCS#8 PEM line');
    expect(scan(Buffer.from(pem(rsa)), [], 5, true)).toEqual(['a PEM private key']);
    expect(scan(Buffer.from(pem(rsa)), [], 5, false)).toEqual([]);
    expect(PEM_MARKER.toString()).toBe('PRIVATE KEY-----');
  });
});

describe('launchNeedles', () => {
  it('takes every private key of the injected files, environment and arguments of a launch answer', () => {
    const text = renderLaunch({
      argv: ['app', pem(ed)],
      env: [['TLS_KEY', pem(rsa, 'pkcs1')], ['HOME', '/root']],
      pwd: '/',
      files: [
        { path: '/etc/tls/key.pem', mode: 0o400, content: Buffer.from(pem(ec)) },
        { path: '/etc/tls/cert.pem', mode: 0o644, content: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n') },
      ],
    });
    const { keys, needles } = launchNeedles(text);
    expect(keys).toBe(3);
    expect(scan(Buffer.from(pem(ec, 'sec1')), needles)).toContain('SEC1 PEM line');
    expect(scan(Buffer.from(pem(rsa)), needles)).toContain('PKCS#8 PEM line');
    expect(scan(Buffer.from(pem(ed)), needles)).toContain('PKCS#8 DER (base64)'); // one PEM line: the whole DER
    expect(new Set(needles.map((n) => n.bytes.toString('hex'))).size).toBe(needles.length);
    expect(launchNeedles(renderLaunch({ argv: ['app'], env: [], pwd: '/' })).needles).toEqual([]);
    expect(privateKeysIn('no key here')).toEqual([]);
  });
});

describe('changedLeaves', () => {
  it('keeps the deepest added or changed paths of docker diff, never deleted ones', () => {
    expect(
      changedLeaves([
        { Path: '/root', Kind: 0 },
        { Path: '/root/.local', Kind: 1 },
        { Path: '/root/.local/share/caddy/instance.uuid', Kind: 1 },
        { Path: '/root/.local/share', Kind: 1 },
        { Path: '/out', Kind: 1 },
        { Path: '/out/run.json', Kind: 1 },
        { Path: '/caddy/caddy.go', Kind: 2 },
        { Path: '/tmp', Kind: 0 },
      ]),
    ).toEqual(['/out/run.json', '/root/.local/share/caddy/instance.uuid', '/tmp']);
  });
});

describe('scanOutputs', () => {
  it('walks the folders and names the forms found', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'leak-scan-'));
    try {
      await mkdir(join(dir, 'dist/app/run/results'), { recursive: true });
      await writeFile(join(dir, 'dist/app/run/results/run.json'), '{"ok":true}');
      await mkdir(join(dir, 'dist/other'), { recursive: true });
      await writeFile(join(dir, 'dist/other/leak.txt'), `oops\n${ec.export({ type: 'sec1', format: 'der' }).toString('base64')}\n`);
      const [clean, dirty] = await scanOutputs(dir, ['dist/app', 'dist/other'], keyNeedles(ec));
      expect(clean).toMatchObject({ place: 'Nx outputs dist/app', items: 1, found: [] });
      expect(dirty).toMatchObject({ place: 'Nx outputs dist/other', items: 1, found: expect.arrayContaining(['SEC1 DER (base64)']) });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
