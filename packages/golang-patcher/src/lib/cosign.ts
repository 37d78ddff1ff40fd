// Signatures of published images with cosign (sigstore), key-based and by digest, so that any user verifies them
// with `cosign verify --key cosign.pub <repository>@<digest>`. The private key is a file or `env://NAME` (the
// key's text in an environment variable, as CI secrets are); its password comes from COSIGN_PASSWORD. Neither is
// ever put on a command line, in a log or in an output: cosign reads both itself.
// No transparency log here (offline): signatures are not uploaded to Rekor, so verification passes
// `--insecure-ignore-tlog`; set `tlog: true` where Rekor answers.
import { existsSync } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';

/** The pinned cosign built by tools/go-tools.sh, else `cosign` on PATH; CONFIDENTIAL_COSIGN names another. */
export function cosignBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.CONFIDENTIAL_COSIGN) return env.CONFIDENTIAL_COSIGN;
  const built = join(env.CONFIDENTIAL_TOOLS ?? join(homedir(), '.cache/confidential-go/tools'), 'bin/cosign');
  return existsSync(built) ? built : 'cosign';
}

export interface CosignOptions {
  /** private key: a file path or env://NAME */
  key: string;
  /** upload to the transparency log (needs Rekor); default false */
  tlog?: boolean;
  env?: NodeJS.ProcessEnv;
}

export class SigningKeyError extends Error {
  override name = 'SigningKeyError';
}

async function cosign(args: string[], env: NodeJS.ProcessEnv) {
  const bin = cosignBinary(env);
  const r = await execa(bin, args, { reject: false, env, extendEnv: false, timeout: 300_000 });
  if (r.failed && r.exitCode === undefined) throw new Error(`cosign (${bin}) could not run: ${r.shortMessage}. Build it with: bash tools/go-tools.sh cosign`);
  return { exitCode: r.exitCode ?? 1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** The last meaningful line cosign printed (its errors start with "Error:"). */
const reason = (stderr: string) =>
  stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('main.go:'))
    .at(-1) ?? 'no output';

/**
 * Checks, before anything is built or pushed, that the key can be read and its password opens it; returns the
 * public key (PEM). One sentence naming the key otherwise.
 */
export async function publicKeyOf(o: CosignOptions): Promise<string> {
  const env = o.env ?? process.env;
  if (o.key.startsWith('env://')) {
    const name = o.key.slice('env://'.length);
    if (!env[name]) throw new SigningKeyError(`signing key ${o.key}: the environment variable ${name} is not set or empty`);
  } else {
    try {
      await access(o.key, constants.R_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new SigningKeyError(`signing key ${o.key}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code})`}; create one with: cosign generate-key-pair`);
    }
  }
  if (env.COSIGN_PASSWORD === undefined) throw new SigningKeyError(`signing key ${o.key}: COSIGN_PASSWORD is not set (cosign would ask for it)`);
  const r = await cosign(['public-key', '--key', o.key], env);
  if (r.exitCode !== 0 || !r.stdout.includes('BEGIN PUBLIC KEY')) throw new SigningKeyError(`signing key ${o.key} cannot be opened: ${reason(r.stderr)}`);
  return r.stdout;
}

/** Signs repository@digest (never a tag: tags move). */
export async function signDigest(imageAtDigest: string, o: CosignOptions): Promise<void> {
  if (!/@sha256:[0-9a-f]{64}$/.test(imageAtDigest)) throw new Error(`cosign sign: ${imageAtDigest} is not <repository>@sha256:<64 hex>`);
  const r = await cosign(['sign', '--yes', '--key', o.key, `--tlog-upload=${o.tlog === true}`, imageAtDigest], o.env ?? process.env);
  if (r.exitCode !== 0) throw new Error(`cosign sign ${imageAtDigest} failed (exit ${r.exitCode}): ${reason(r.stderr)}`);
}

export interface VerifyResult {
  ok: boolean;
  /** cosign's reason when not ok */
  reason: string;
}

/** `cosign verify --key <public key file> <ref>`: does a signature by that key cover what ref points at? */
export async function verifySignature(ref: string, publicKeyFile: string, o: { tlog?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<VerifyResult> {
  const r = await cosign(['verify', '--key', publicKeyFile, ...(o.tlog ? [] : ['--insecure-ignore-tlog=true']), ref], o.env ?? process.env);
  return r.exitCode === 0 ? { ok: true, reason: '' } : { ok: false, reason: reason(r.stderr) };
}
