// Secrets at rest in the sim store: AES-256-GCM with a 32-byte store key, the session's name as additional data (a
// sealed set cannot be moved to another session). SIM BACKEND: the key is an ordinary file or environment value —
// whoever can read it and the store (or the service's memory) has the secrets; there is no hardware protection.
//
// The key comes from the service's options (the CLI reads CAS_POLICY_STORE_KEY, 64 hex characters) or from a key
// file outside the store folder (default `<store>.key`), created with mode 0600 on first use: a copy of the store
// folder alone does not reveal the secrets.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { link, readFile, unlink, writeFile } from 'node:fs/promises';
import { z } from 'zod';

const Base64 = z.string().regex(/^[A-Za-z0-9+/]*={0,2}$/, 'expected base64');
export const Sealed = z.strictObject({
  alg: z.literal('aes-256-gcm'),
  iv: Base64,
  tag: Base64,
  data: Base64,
});
export type Sealed = z.infer<typeof Sealed>;

const KEY_HEX = /^[0-9a-fA-F]{64}$/;

export class StoreKeyError extends Error {
  override readonly name = 'StoreKeyError';
}

function aad(session: string): Buffer {
  return Buffer.from(`cas-policy secrets v1\0${session}`, 'utf8');
}

export class StoreKey {
  private constructor(private readonly key: Buffer) {}

  /** From 64 hex characters (`source` names where they came from, for the message; the value is never shown). */
  static fromHex(text: string, source: string): StoreKey {
    if (!KEY_HEX.test(text.trim())) throw new StoreKeyError(`${source}: expected 64 hex characters (a 32-byte AES-256 key)`);
    return new StoreKey(Buffer.from(text.trim(), 'hex'));
  }

  /** Reads the key file, or creates it (mode 0600, one winner when two services start at once). */
  static async fromFile(file: string): Promise<StoreKey> {
    try {
      return StoreKey.fromHex(await readFile(file, 'utf8'), file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
    await writeFile(tmp, `${randomBytes(32).toString('hex')}\n`, { flag: 'wx', mode: 0o600 });
    try {
      await link(tmp, file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
    return StoreKey.fromHex(await readFile(file, 'utf8'), file);
  }

  seal(session: string, plain: Buffer): Sealed {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(aad(session));
    const data = Buffer.concat([cipher.update(plain), cipher.final()]);
    return { alg: 'aes-256-gcm', iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), data: data.toString('base64') };
  }

  /** Throws StoreKeyError when the data was not sealed for this session with this key. */
  open(session: string, sealed: Sealed): Buffer {
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(aad(session));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]);
    } catch {
      throw new StoreKeyError(`the stored secrets of session "${session}" cannot be decrypted with this service's store key (was the key replaced?)`);
    }
  }
}
