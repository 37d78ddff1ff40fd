// cas-policy:upload — the sim backend POSTs to the policy service; the scone backend runs `scone session create`.
import { resolve } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { optionsOrThrow } from '../../lib/errors.js';
import { loadSessionFile } from '../../lib/load.js';
import { uploadSessionScone } from '../../lib/upload/scone.js';
import { uploadSessionSim } from '../../lib/upload/sim.js';
import { UploadOptions } from './options.js';

export default async function uploadExecutor(raw: unknown, context: ExecutorContext): Promise<{ success: boolean }> {
  const options = optionsOrThrow(UploadOptions, raw, 'cas-policy:upload');
  const file = resolve(context.root, options.session);
  const loaded = loadSessionFile(file, options.session);
  if (options.backend === 'sim') {
    const answer = await uploadSessionSim(options.url, loaded.text);
    console.log(`cas-policy:upload: ${answer.created ? 'created' : 'updated'} session ${answer.name} (${answer.hash}) at ${options.url}`);
    return { success: true };
  }
  await uploadSessionScone({
    sessionFile: file,
    cas: options.cas,
    ...(options.image ? { image: options.image } : {}),
    ...(options.network ? { network: options.network } : {}),
    ...(options.cliStateDir ? { cliStateDir: resolve(context.root, options.cliStateDir) } : {}),
  });
  console.log(`cas-policy:upload: session ${loaded.session.name} created on CAS ${options.cas}`);
  return { success: true };
}
