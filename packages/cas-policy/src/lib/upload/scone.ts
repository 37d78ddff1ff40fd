// The scone backend uploads with the SCONE CLI image, arguments as in the original:
//   scone session create -c <cas> --only_for_testing-disable-attestation-verification session.yml
// run through `docker run`, the session's folder mounted read-only as the working directory.
import { basename, dirname, resolve } from 'node:path';
import { z } from 'zod';

export const SconeUploadOptions = z.strictObject({
  /** Path of the session file on the host. */
  sessionFile: z.string().min(1),
  /** CAS address as the CLI expects it (`-c`); the original uses the compose service name `cas`. */
  cas: z.string().min(1).default('cas'),
  /** The SCONE CLI image (needs the user's registry access). */
  image: z.string().min(1).default('registry.scontain.com/sconecuratedimages/sconecli:latest'),
  /** Docker network in which `cas` resolves (e.g. the compose project's network). */
  network: z.string().min(1).optional(),
  /** Host folder kept as the CLI's state (~/.cas: identity used for later updates of the session). */
  cliStateDir: z.string().min(1).optional(),
  /** The docker CLI. */
  docker: z.string().min(1).default('docker'),
});
export type SconeUploadOptions = z.input<typeof SconeUploadOptions>;

/** The command and its argument array (never a shell string). */
export function sconeUploadCommand(raw: SconeUploadOptions): { file: string; args: string[] } {
  const o = SconeUploadOptions.parse(raw);
  const file = resolve(o.sessionFile);
  const args = ['run', '--rm'];
  if (o.network) args.push('--network', o.network);
  args.push('-v', `${dirname(file)}:/policy:ro`, '-w', '/policy');
  if (o.cliStateDir) args.push('-v', `${resolve(o.cliStateDir)}:/root/.cas`);
  args.push(o.image, 'scone', 'session', 'create', '-c', o.cas, '--only_for_testing-disable-attestation-verification', basename(file));
  return { file: o.docker, args };
}

/** Runs the upload; on failure the error names the command, exit code and the tail of stderr. */
export async function uploadSessionScone(raw: SconeUploadOptions): Promise<{ stdout: string }> {
  const { file, args } = sconeUploadCommand(raw);
  const { execa } = await import('execa');
  const result = await execa(file, args, { reject: false, all: false });
  if (result.exitCode !== 0) {
    const tail = String(result.stderr ?? '').split('\n').slice(-15).join('\n');
    throw new Error(`${file} ${args.join(' ')} exited with code ${result.exitCode ?? 'none'}: ${tail}`);
  }
  return { stdout: String(result.stdout ?? '') };
}
