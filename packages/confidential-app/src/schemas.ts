// Generated files that mirror zod definitions: the app config's JSON Schema and the executors' schema.json.
// `node dist/schemas.js` (target confidential-app:schemas) writes them; schemas.spec.ts fails when one is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { ModulesOptions } from './executors/modules/options.js';
import { appConfigJsonSchema } from './lib/json-schema.js';

/** An Nx executor schema.json from the options' zod schema (their input side: defaults are optional). */
export function executorSchema(title: string, description: string, schema: z.ZodType): Record<string, unknown> {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { $schema: 'https://json-schema.org/schema', version: 2, title, description, ...json };
}

/** package-relative path → text */
export function generatedFiles(): Record<string, string> {
  const text = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return {
    'confidential.schema.json': text(appConfigJsonSchema()),
    'src/executors/modules/schema.json': text(executorSchema('modules', 'Vendor an app\'s Go module and assemble the files it embeds.', ModulesOptions)),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  for (const [path, text] of Object.entries(generatedFiles())) {
    writeFileSync(join(root, path), text);
    console.log(`wrote packages/confidential-app/${path}`);
  }
}
