// The launch answer of the sim policy service, parsed by the C runtime (CONTRIBUTING.md):
//   confidential-launch v1 / arg <word>… / env NAME=value… / pwd <dir> / end
// Values are percent-encoded: "%", control bytes (0x00–0x1f, 0x7f) and space become %XX (uppercase hex).
import { serviceArgv, type Service } from '../schema.js';

export function percentEncode(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0) as number;
    out += ch === '%' || ch === ' ' || code < 0x20 || code === 0x7f ? `%${code.toString(16).toUpperCase().padStart(2, '0')}` : ch;
  }
  return out;
}

export interface LaunchConfig {
  argv: string[];
  env: [string, string][];
  pwd: string;
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
  lines.push(`pwd ${percentEncode(config.pwd)}`, 'end');
  return `${lines.join('\n')}\n`;
}

/** The inverse of renderLaunch (for clients and tests). */
export function parseLaunch(text: string): LaunchConfig {
  const lines = text.split('\n');
  if (lines[0] !== 'confidential-launch v1') throw new Error('launch answer: expected "confidential-launch v1" on the first line');
  const decode = (s: string) => decodeURIComponent(s.replace(/%(?![0-9A-Fa-f]{2})/g, '%25'));
  const config: LaunchConfig = { argv: [], env: [], pwd: '/' };
  let ended = false;
  for (const line of lines.slice(1)) {
    if (ended || line === '') continue;
    if (line === 'end') ended = true;
    else if (line.startsWith('arg ')) config.argv.push(decode(line.slice(4)));
    else if (line.startsWith('env ')) {
      const kv = decode(line.slice(4));
      const eq = kv.indexOf('=');
      config.env.push([kv.slice(0, eq), kv.slice(eq + 1)]);
    } else if (line.startsWith('pwd ')) config.pwd = decode(line.slice(4));
    else throw new Error(`launch answer: unexpected line "${line}"`);
  }
  if (!ended) throw new Error('launch answer: missing "end"');
  return config;
}
