// Every executor's schema.json is what its zod options generate (regenerate with `npm run schemas`).
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { executorSchemaFiles, packagesWithExecutors } from './lib/schemas.js';

const root = join(import.meta.dirname, '../../..');

describe('executor schema.json files', () => {
  it.each(packagesWithExecutors(root).map((p) => [basename(p), p]))('%s: generated from the options (npm run schemas)', async (_, pkg) => {
    const files = await executorSchemaFiles(pkg, 'src');
    expect(Object.keys(files).length).toBeGreaterThan(0);
    for (const [path, text] of Object.entries(files)) expect(readFileSync(join(pkg, path), 'utf8'), path).toBe(text);
  });
});
