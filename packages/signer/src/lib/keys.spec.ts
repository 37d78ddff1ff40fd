import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultKeyFile, loadOrCreateKey } from './keys.js';

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'keys-spec-')); });
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('signing key', () => {
  it('lives outside the workspace by default', () => {
    expect(defaultKeyFile()).toBe(join(homedir(), '.config', 'confidential', 'signer-key.pem'));
  });

  it('is generated once with mode 0600 and then reused', async () => {
    const file = join(dir, 'nested', 'k.pem');
    const a = loadOrCreateKey(file, { create: true });
    expect(a.created).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const b = loadOrCreateKey(file);
    expect(b.created).toBe(false);
    expect(b.publicKeyPem).toBe(a.publicKeyPem);
  });

  it('refuses a missing explicit key and a key readable by others', async () => {
    expect(() => loadOrCreateKey(join(dir, 'none.pem'))).toThrow(/does not exist/);
    const file = join(dir, 'k.pem');
    loadOrCreateKey(file, { create: true });
    await chmod(file, 0o644);
    expect(() => loadOrCreateKey(file)).toThrow(/readable by others/);
  });
});
