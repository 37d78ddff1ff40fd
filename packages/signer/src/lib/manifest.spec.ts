import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Manifest, readManifest, signManifest, verify, writeManifest } from './manifest.js';
import { computeMeasurement, sha256Hex } from './measure.js';

let dir: string;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

async function fixture() {
  await writeFile(join(dir, 'app'), 'binary bytes');
  await writeFile(join(dir, 'libbinaryfs.so'), 'extension bytes');
  const binary = { path: 'app', sha256: sha256Hex('binary bytes') };
  const extensions = [{ path: 'libbinaryfs.so', sha256: sha256Hex('extension bytes') }];
  const options = { heap: '2g' };
  const measurement = computeMeasurement({ binarySha256: binary.sha256, extensionSha256: [extensions[0]!.sha256], options });
  await writeManifest(dir, signManifest({ version: 1, backend: 'sim', measurement, binary, extensions, options }, privateKey, pem));
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'manifest-spec-'));
  await fixture();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('measurement.json', () => {
  it('follows the contract schema', async () => {
    const m = await readManifest(dir);
    expect(Object.keys(m).sort()).toEqual(['backend', 'binary', 'extensions', 'measurement', 'options', 'publicKey', 'signature', 'version']);
    expect(Manifest.safeParse({ ...m, measurement: 'XYZ' }).success).toBe(false);
    expect(Manifest.safeParse({ ...m, extra: 1 }).success).toBe(false);
  });

  it('names the file and field of a schema error', async () => {
    const raw = JSON.parse(await readFile(join(dir, 'measurement.json'), 'utf8'));
    await writeFile(join(dir, 'measurement.json'), JSON.stringify({ ...raw, binary: { path: 'app', sha256: 'short' } }));
    await expect(readManifest(dir)).rejects.toThrow(/measurement\.json binary\.sha256: expected 64 lower-case hex digits/);
  });

  it('verifies a good manifest and the expected key', async () => {
    const r = await verify(dir, { publicKeyPem: pem });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it('reports a modified binary, a modified extension and a foreign key', async () => {
    await writeFile(join(dir, 'app'), 'binary bytez');
    await writeFile(join(dir, 'libbinaryfs.so'), 'extension bytez');
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const r = await verify(dir, { publicKeyPem: other });
    expect(r.ok).toBe(false);
    expect(r.problems.join('\n')).toMatch(/binary app was modified/);
    expect(r.problems.join('\n')).toMatch(/extension libbinaryfs\.so was modified/);
    expect(r.problems.join('\n')).toMatch(/different key/);
  });

  it('reports a manifest edited after signing', async () => {
    const raw = JSON.parse(await readFile(join(dir, 'measurement.json'), 'utf8'));
    await writeFile(join(dir, 'measurement.json'), JSON.stringify({ ...raw, options: { heap: '4g' } }));
    const r = await verify(dir);
    expect(r.problems.join('\n')).toMatch(/signature does not match/);
    expect(r.problems.join('\n')).toMatch(/measurement .* does not match the files and options/);
  });
});
