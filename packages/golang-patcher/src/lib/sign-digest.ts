// Signatures of published images, over the registry digest (never a tag: tags move). Ed25519; the private key
// stays outside the workspace (default ~/.config/confidential/golang-patcher-key.pem, 0600) and out of any output.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export const ImageSignature = z.strictObject({
  /** repository the digest was pushed to, e.g. 127.0.0.1:5000/confidential/golang */
  repository: z.string().min(1),
  digest: z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" and 64 hex digits'),
  /** tags that pointed at the digest when it was signed (informative; the signature covers repository@digest) */
  tags: z.array(z.string()),
  signature: z.string().min(1),
  publicKey: z.string().startsWith('-----BEGIN PUBLIC KEY-----'),
});
export type ImageSignature = z.infer<typeof ImageSignature>;

export const defaultKeyFile = () => join(homedir(), '.config/confidential/golang-patcher-key.pem');

/** The private key in keyFile, generated (0600) when the file does not exist yet. */
export function loadOrCreateSigningKey(keyFile = defaultKeyFile()) {
  if (!existsSync(keyFile)) {
    const { privateKey } = generateKeyPairSync('ed25519');
    mkdirSync(dirname(keyFile), { recursive: true, mode: 0o700 });
    writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  }
  return createPrivateKey(readFileSync(keyFile));
}

const payload = (repository: string, digest: string) => Buffer.from(`${repository}@${digest}`);

export function signImageDigest(repository: string, digest: string, tags: string[], keyFile?: string): ImageSignature {
  const key = loadOrCreateSigningKey(keyFile);
  return ImageSignature.parse({
    repository,
    digest,
    tags,
    signature: sign(null, payload(repository, digest), key).toString('base64'),
    publicKey: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(),
  });
}

/** True when the signature covers repository@digest with the embedded (or given) public key. */
export function verifyImageSignature(sig: ImageSignature, publicKeyPem = sig.publicKey): boolean {
  return verify(null, payload(sig.repository, sig.digest), createPublicKey(publicKeyPem), Buffer.from(sig.signature, 'base64'));
}
