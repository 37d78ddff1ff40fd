// `npm run schemas`: writes every package's executor schema.json from its options (the packages built first).
import { writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { executorSchemaFiles, packagesWithExecutors } from './lib/schemas.js';

const root = join(import.meta.dirname, '../../..');
for (const pkg of packagesWithExecutors(root)) {
  for (const [path, text] of Object.entries(await executorSchemaFiles(pkg, 'dist'))) {
    writeFileSync(join(pkg, path), text);
    console.log(`wrote ${relative(root, join(pkg, path))}`);
  }
}
