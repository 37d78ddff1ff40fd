// signer:verify — checks measurement.json in a directory: signature, file hashes, recomputed measurement.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { optionsOrThrow } from '@confidential/kit';
import { verify } from '../../lib/manifest.js';
import { VerifyOptions } from './options.js';
import { createPublicKey } from 'node:crypto';


export async function runVerify(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ success: boolean }> {
  const options = optionsOrThrow(VerifyOptions, raw, 'signer:verify');
  const dir = resolve(root, options.dir);
  const publicKeyPem = options.keyFile
    ? createPublicKey(readFileSync(resolve(root, options.keyFile))).export({ type: 'spki', format: 'pem' }).toString()
    : undefined;
  const result = await verify(dir, publicKeyPem ? { publicKeyPem } : {});
  if (result.ok) log(`signer:verify ${dir}: OK, measurement ${result.manifest.measurement}`);
  for (const p of result.problems) log(`signer:verify ${dir}: ${p}`);
  return { success: result.ok };
}

export default async function verifyExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
  return runVerify(raw, context.root);
}
