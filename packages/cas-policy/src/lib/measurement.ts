// measurement.json, the output of signer:sign (contract in CONTRIBUTING.md). Extra keys are ignored so the signer
// can add fields; the ones we use are checked.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseYamlWith, type LoadedYaml } from '@confidential/kit';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters (sha256)');
const FileDigest = z.object({ path: z.string().min(1), sha256: Sha256 });

export const Measurement = z.object({
  version: z.literal(1, 'expected 1'),
  backend: z.enum(['sim', 'scone']),
  measurement: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex characters'),
  binary: FileDigest,
  extensions: z.array(FileDigest),
  options: z.record(z.string(), z.unknown()),
  signature: z.string().min(1),
  publicKey: z.string().min(1),
});
export type Measurement = z.infer<typeof Measurement>;

/** Parses measurement.json text; errors carry file:line:col and the field path (JSON is parsed as YAML). */
export function loadMeasurementText(text: string, file = 'measurement.json'): LoadedYaml<Measurement> {
  return parseYamlWith(Measurement, text, file);
}

export function loadMeasurementFile(path: string, displayName = path): Measurement {
  return loadMeasurementText(readFileSync(path, 'utf8'), displayName).value;
}
