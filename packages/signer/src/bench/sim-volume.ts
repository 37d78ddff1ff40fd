// What the file shield's benchmarks and integration tests share: a session of one service with one encrypted
// volume, a binary signed with nothing of note embedded, and the policy service's address as the runtime takes it.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Libc } from '../lib/toolchain.js';
import { sign, type SignResult } from '../lib/sign.js';

export interface VolumeSession {
  name: string;
  /** the service (config id `<name>/<service>`) */
  service: string;
  measurement: string;
  command: string;
  /** where the image mounts volume `data` (the host folder of its ciphertext) */
  volumePath: string;
  /** the current hash, to update a stored session */
  predecessor?: string;
  pwd?: string;
  environment?: Record<string, string>;
}

/** The session's YAML (sim policy service). */
export function volumeSession(s: VolumeSession): string {
  const env = Object.entries(s.environment ?? {});
  return [
    `name: ${s.name}`,
    'version: "0.3"',
    ...(s.predecessor ? [`predecessor: ${s.predecessor}`] : []),
    'services:',
    `  - name: ${s.service}`,
    '    image_name: app_image',
    `    mrenclaves: ["${s.measurement}"]`,
    `    command: ${s.command}`,
    ...(s.pwd ? [`    pwd: ${s.pwd}`] : []),
    ...(env.length ? ['    environment:', ...env.map(([k, v]) => `      ${k}: ${v}`)] : []),
    'images:',
    '  - name: app_image',
    '    volumes:',
    '      - name: data',
    `        path: ${s.volumePath}`,
    'volumes:',
    '  - name: data',
    '',
  ].join('\n');
}

/** Signs `binary` (sim) into `outputDir` with one placeholder file of `workDir` embedded. */
export async function signBare(binary: string, workDir: string, options: { outputDir: string; keyFile?: string; libc?: Libc }): Promise<SignResult> {
  const embed = join(workDir, 'embed');
  await mkdir(embed, { recursive: true });
  await writeFile(join(embed, 'README'), 'nothing embedded\n');
  return sign({ binary, include: [`${embed}/**`], ...options });
}

/** SCONE_CAS_ADDR for a service at `url` (host:port). */
export const casAddr = (url: string): string => url.replace(/^http:\/\//, '');
