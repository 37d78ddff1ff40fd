import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signManifest, writeManifest } from '../../lib/manifest.js';
import { computeMeasurement, sha256Hex } from '../../lib/measure.js';
import { runVerify } from './executor.js';

let dir: string;
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'verify-exec-'));
  await writeFile(join(dir, 'app'), 'bin');
  await writeFile(join(dir, 'libbinaryfs.so'), 'ext');
  const binary = { path: 'app', sha256: sha256Hex('bin') };
  const extensions = [{ path: 'libbinaryfs.so', sha256: sha256Hex('ext') }];
  const measurement = computeMeasurement({ binarySha256: binary.sha256, extensionSha256: [extensions[0]!.sha256], options: {} });
  await writeManifest(dir, signManifest({ version: 1, backend: 'sim', measurement, binary, extensions, options: {} }, privateKey, pem));
  await writeFile(join(dir, 'key.pub.pem'), pem);
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('signer:verify', () => {
  it('succeeds for an intact directory and the expected key', async () => {
    const lines: string[] = [];
    expect(await runVerify({ dir, keyFile: join(dir, 'key.pub.pem') }, '/', (l) => lines.push(l))).toEqual({ success: true });
    expect(lines.join('\n')).toMatch(/OK, measurement [0-9a-f]{64}/);
  });

  it('fails naming the modified file', async () => {
    await writeFile(join(dir, 'libbinaryfs.so'), 'exT');
    const lines: string[] = [];
    expect(await runVerify({ dir }, '/', (l) => lines.push(l))).toEqual({ success: false });
    expect(lines.join('\n')).toMatch(/extension libbinaryfs\.so was modified/);
  });

  it('rejects a wrong option with one sentence', async () => {
    await expect(runVerify({ dir: 3 }, '/')).rejects.toThrow(/^signer:verify: option "dir" is invalid/);
  });
});
