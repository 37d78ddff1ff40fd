import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { signImageDigest, verifyImageSignature } from './sign-digest.js';

describe('image signatures over repository@digest', () => {
  const keyFile = join(mkdtempSync(join(tmpdir(), 'gpkey-')), 'key.pem');
  const digest = `sha256:${'a'.repeat(64)}`;

  it('generates a private key 0600 once and signs the digest, not the tag', () => {
    const sig = signImageDigest('127.0.0.1:5000/confidential/golang', digest, ['1.26.8-bookworm'], keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(verifyImageSignature(sig)).toBe(true);
    expect(verifyImageSignature({ ...sig, tags: ['latest'] })).toBe(true);
    expect(verifyImageSignature({ ...sig, digest: `sha256:${'b'.repeat(64)}` })).toBe(false);
    expect(verifyImageSignature({ ...sig, repository: 'evil/golang' })).toBe(false);
  });

  it('keeps the key: a second signature verifies with the first public key', () => {
    const a = signImageDigest('r/x', digest, [], keyFile);
    const b = signImageDigest('r/x', digest, [], keyFile);
    expect(verifyImageSignature(b, a.publicKey)).toBe(true);
  });
});
