// signer:sign — sim: the confidential binary, libbinaryfs.so and measurement.json in outputDir (runs here);
// scone: the builder stages (Dockerfile.signer) and the commands/env (scone.json) in outputDir.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { nxExecutor, optionsOrThrow } from '@confidential/kit';
import { SignOptions } from '../../lib/options.js';
import { renderSconeDockerfile, sconeCommands, sconeRuntimeEnv, type SconeOptionsInput } from '../../lib/scone.js';
import { sign } from '../../lib/sign.js';

export async function runSign(raw: unknown, root: string, log: (line: string) => void = console.log): Promise<{ success: boolean }> {
  const options = optionsOrThrow(SignOptions, raw, 'signer:sign');
  if (options.backend === 'sim') {
    const result = await sign(options, { cwd: root, log });
    log(`signer:sign (sim) ${result.binary}, ${result.extension}, ${result.manifestPath}`);
    return { success: true };
  }
  if (!options.configId) throw new Error('signer:sign: option "configId" is invalid: the scone backend needs the config id <session>/<service>.');
  const scone: SconeOptionsInput = {
    configId: options.configId,
    sconeVersion: options.sconeVersion,
    binary: options.binary,
    include: options.include,
    hostPaths: options.hostPaths,
    heap: options.heap,
    binaryfsHeap: options.binaryfsHeap,
    syslibs: options.syslibs,
    dlopen: options.dlopen,
    extensions: options.extensions,
  };
  const out = resolve(root, options.outputDir);
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'Dockerfile.signer'), renderSconeDockerfile({ ...scone, from: { stage: options.sconeBuilder.name } }, [options.sconeBuilder]));
  await writeFile(join(out, 'scone.json'), `${JSON.stringify({ commands: sconeCommands(scone), runtimeEnv: sconeRuntimeEnv(scone) }, null, 2)}\n`);
  log(`signer:sign (scone) rendered ${join(out, 'Dockerfile.signer')} and scone.json; SCONE computes the measurement inside the image build`);
  return { success: true };
}

export default nxExecutor((raw, root) => runSign(raw, root));
