// The sim measurement: SHA-256 over a tag, the binary's SHA-256, each extension's SHA-256 (manifest order) and the
// SHA-256 of the canonical JSON of the signing options. src/c/launch.c computes the same at start-up.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const MEASUREMENT_TAG = 'confidential-sim-measurement-v1\n';

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** JSON with object keys sorted at every level, no whitespace; undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) throw new Error('canonicalJson: non-finite number');
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface MeasurementInput {
  binarySha256: string;
  extensionSha256: string[];
  /** the measured signing options (see measuredOptions) */
  options: unknown;
}

export function computeMeasurement(input: MeasurementInput): string {
  const hash = createHash('sha256');
  hash.update(MEASUREMENT_TAG);
  for (const hex of [input.binarySha256, ...input.extensionSha256]) {
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`computeMeasurement: "${hex}" is not a sha256 hex digest`);
    hash.update(Buffer.from(hex, 'hex'));
  }
  hash.update(Buffer.from(sha256Hex(canonicalJson(input.options)), 'hex'));
  return hash.digest('hex');
}
