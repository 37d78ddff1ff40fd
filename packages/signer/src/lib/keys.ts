// The Ed25519 signing key: from an option, or generated once at ~/.config/confidential/signer-key.pem (0600),
// outside the workspace so it never lands in an image or an Nx cache output.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export function defaultKeyFile(): string {
  return join(homedir(), '.config', 'confidential', 'signer-key.pem');
}

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  file: string;
  created: boolean;
}

/** Loads the key file, or creates it (only when it is the default location or `create` is set). */
export function loadOrCreateKey(file?: string, options: { create?: boolean } = {}): SigningKey {
  const path = file ?? defaultKeyFile();
  const create = options.create ?? file === undefined;
  if (!existsSync(path)) {
    if (!create) throw new Error(`signer: key file ${path} does not exist; omit keyFile to use a generated key`);
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    writeFileSync(path, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    return { privateKey, publicKeyPem: publicPem(privateKey), file: path, created: true };
  }
  const mode = statSync(path).mode & 0o777;
  if (mode & 0o077) throw new Error(`signer: key file ${path} is readable by others (mode ${mode.toString(8)}); chmod 600 it`);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path));
  } catch (error) {
    throw new Error(`signer: key file ${path} is not a PEM private key`, { cause: error });
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`signer: key file ${path} holds a ${privateKey.asymmetricKeyType} key; expected ed25519`);
  }
  return { privateKey, publicKeyPem: publicPem(privateKey), file: path, created: false };
}

function publicPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
}
