// The app config's JSON Schema for editors, generated from its zod definition (the executors' schema.json come
// from @confidential/kit's generator). `npm run schemas` writes it; schemas.spec.ts fails when it is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { appConfigJsonSchema } from './lib/json-schema.js';

/** package-relative path → text */
export function generatedFiles(): Record<string, string> {
  const text = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  return {
    'confidential.schema.json': text(appConfigJsonSchema()),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const root = join(import.meta.dirname, '..');
  for (const [path, text] of Object.entries(generatedFiles())) {
    writeFileSync(join(root, path), text);
    console.log(`wrote packages/confidential-app/${path}`);
  }
}
