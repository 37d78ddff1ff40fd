// The launch answer of the sim policy service, parsed by the C runtime (CONTRIBUTING.md):
//   confidential-launch v1 / arg <word>… / env NAME=value… / file <path> <mode> <base64>… / pwd <dir> / end
//   … / volume <name> <path> <key> <token>… / …
// Values are percent-encoded: "%", control bytes (0x00–0x1f, 0x7f) and space become %XX (uppercase hex). `file`
// lines (injection files, only when the service's image has some) carry the path percent-encoded, the mode as 4
// octal digits and the content as base64 (it may be binary). `volume` lines (the encrypted volumes the service's image
// mounts) carry the volume's name and path percent-encoded, its 32-byte key and this launch's 32-byte writer token
// in hex (volumes.ts).
import { serviceArgv, type Service } from '../schema.js';

export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    out += ch === '%' || ch === ' ' || code < 0x20 || code === 0x7f ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

export interface LaunchFile {
  path: string;
  mode: number;
  content: Buffer;
}

export interface LaunchVolumeLine {
  name: string;
  path: string;
  key: Buffer;
  token: Buffer;
}

export interface LaunchConfig {
  argv: string[];
  env: [string, string][];
  pwd: string;
  /** Injection files (rendered with their secrets); omitted or empty: no `file` lines. */
  files?: LaunchFile[];
  /** Encrypted volumes with their keys; omitted or empty: no `volume` lines. */
  volumes?: LaunchVolumeLine[];
}

/** argv from the command (a list, or shell-like words of a string), environment in policy order, pwd (default "/"). */
export function launchConfig(service: Service): LaunchConfig {
  return {
    argv: serviceArgv(service),
    env: Object.entries(service.environment ?? {}),
    pwd: service.pwd ?? '/',
  };
}

export function renderLaunch(config: LaunchConfig): string {
  const lines = ['confidential-launch v1'];
  for (const arg of config.argv) lines.push(`arg ${percentEncode(arg)}`);
  for (const [name, value] of config.env) lines.push(`env ${percentEncode(`${name}=${value}`)}`);
  for (const file of config.files ?? []) lines.push(`file ${percentEncode(file.path)} ${(file.mode & 0o7777).toString(8).padStart(4, '0')} ${file.content.toString('base64')}`);
  for (const v of config.volumes ?? []) lines.push(`volume ${percentEncode(v.name)} ${percentEncode(v.path)} ${v.key.toString('hex')} ${v.token.toString('hex')}`);
  lines.push(`pwd ${percentEncode(config.pwd)}`, 'end');
  return `${lines.join('\n')}\n`;
}

/** The inverse of renderLaunch (for clients and tests). */
export function parseLaunch(text: string): LaunchConfig & { files: LaunchFile[]; volumes: LaunchVolumeLine[] } {
  const lines = text.split('\n');
  if (lines[0] !== 'confidential-launch v1') throw new Error('launch answer: expected "confidential-launch v1" on the first line');
  const decode = (s: string) => decodeURIComponent(s.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  const config: LaunchConfig & { files: LaunchFile[]; volumes: LaunchVolumeLine[] } = { argv: [], env: [], pwd: '/', files: [], volumes: [] };
  let ended = false;
  for (const line of lines.slice(1)) {
    if (ended || line === '') continue;
    if (line === 'end') ended = true;
    else if (line.startsWith('arg ')) config.argv.push(decode(line.slice(4)));
    else if (line.startsWith('env ')) {
      const kv = decode(line.slice(4));
      const eq = kv.indexOf('=');
      config.env.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else if (line.startsWith('file ')) {
      const m = /^file (\S+) ([0-7]{4}) ([A-Za-z0-9+/]*={0,2})$/.exec(line);
      if (!m) throw new Error('launch answer: expected "file <path> <mode> <base64>"');
      config.files.push({ path: decode(m[1] as string), mode: Number.parseInt(m[2] as string, 8), content: Buffer.from(m[3] as string, 'base64') });
    } else if (line.startsWith('volume ')) {
      const m = /^volume (\S+) (\S+) ([0-9a-f]{64}) ([0-9a-f]{64})$/.exec(line);
      if (!m) throw new Error('launch answer: expected "volume <name> <path> <64 hex key> <64 hex token>"');
      config.volumes.push({ name: decode(m[1] as string), path: decode(m[2] as string), key: Buffer.from(m[3] as string, 'hex'), token: Buffer.from(m[4] as string, 'hex') });
    } else if (line.startsWith('pwd ')) config.pwd = decode(line.slice(4));
    else throw new Error(`launch answer: unexpected line "${line}"`);
  }
  if (!ended) throw new Error('launch answer: missing "end"');
  return config;
}
