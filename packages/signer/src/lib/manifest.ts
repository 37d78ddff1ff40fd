// measurement.json (CONTRIBUTING "Contracts"): schema, signing and verification.
import { createPublicKey, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseOrThrow } from '@confidential/kit';
import { canonicalJson, computeMeasurement, sha256File } from './measure.js';

const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lower-case hex digits');
const FileHash = z.strictObject({ path: z.string().min(1), sha256: Hex64 });

export const Manifest = z.strictObject({
  version: z.literal(1),
  backend: z.enum(['sim', 'scone']),
  measurement: Hex64,
  binary: FileHash,
  extensions: z.array(FileHash),
  options: z.record(z.string(), z.unknown()),
  signature: z.string().regex(/^[A-Za-z0-9+/]+=*$/, 'expected base64'),
  publicKey: z.string().startsWith('-----BEGIN PUBLIC KEY-----', 'expected a PEM public key'),
});
export type Manifest = z.infer<typeof Manifest>;
export type UnsignedManifest = Omit<Manifest, 'signature' | 'publicKey'>;

export const MANIFEST_FILE = 'measurement.json';

/** The bytes the signature covers: canonical JSON of every member except signature and publicKey. */
export function signedPayload(m: UnsignedManifest): Buffer {
  const { version, backend, measurement, binary, extensions, options } = m;
  return Buffer.from(canonicalJson({ version, backend, measurement, binary, extensions, options }));
}

export function signManifest(m: UnsignedManifest, privateKey: KeyObject, publicKeyPem: string): Manifest {
  const signature = edSign(null, signedPayload(m), privateKey).toString('base64');
  return { ...m, signature, publicKey: publicKeyPem };
}

export async function writeManifest(dir: string, m: Manifest): Promise<string> {
  const path = join(dir, MANIFEST_FILE);
  await writeFile(path, `${JSON.stringify(m, null, 2)}\n`);
  return path;
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: cannot read it as JSON (${(error as Error).message})`, { cause: error });
  }
  return parseOrThrow(Manifest, raw, path);
}

export interface VerifyResult {
  ok: boolean;
  manifest: Manifest;
  /** one sentence per problem, naming the file */
  problems: string[];
}

/**
 * Verifies the manifest in `dir`: signature (against `publicKeyPem` when given, else the embedded key), the
 * SHA-256 of the binary and of every extension, and the measurement recomputed from them.
 */
export async function verify(dir: string, options: { publicKeyPem?: string } = {}): Promise<VerifyResult> {
  const manifest = await readManifest(dir);
  const problems: string[] = [];
  if (options.publicKeyPem && normalizePem(options.publicKeyPem) !== normalizePem(manifest.publicKey)) {
    problems.push(`${MANIFEST_FILE}: signed by a different key than the expected one`);
  }
  let signatureOk = false;
  try {
    signatureOk = edVerify(null, signedPayload(manifest), createPublicKey(manifest.publicKey), Buffer.from(manifest.signature, 'base64'));
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) problems.push(`${MANIFEST_FILE}: the signature does not match its contents`);
  const check = async (what: string, f: { path: string; sha256: string }) => {
    let actual: string;
    try {
      actual = await sha256File(join(dir, f.path));
    } catch {
      problems.push(`${what} ${f.path} is missing`);
      return f.sha256;
    }
    if (actual !== f.sha256) problems.push(`${what} ${f.path} was modified (sha256 ${actual}, manifest ${f.sha256})`);
    return actual;
  };
  const binarySha256 = await check('binary', manifest.binary);
  const extensionSha256: string[] = [];
  for (const e of manifest.extensions) extensionSha256.push(await check('extension', e));
  if (manifest.backend === 'sim') {
    const recomputed = computeMeasurement({ binarySha256, extensionSha256, options: manifest.options });
    if (recomputed !== manifest.measurement) problems.push(`${MANIFEST_FILE}: measurement ${manifest.measurement} does not match the files and options (${recomputed})`);
  }
  return { ok: problems.length === 0, manifest, problems };
}

function normalizePem(pem: string): string {
  return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
}
