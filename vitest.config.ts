// One vitest config for every project; run from the project's root (nx sets cwd).
// `--mode int` selects the integration tests (*.int.spec.ts, real engine/toolchains), otherwise unit tests.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

const workspace = import.meta.dirname;
// each TypeScript package's name (package.json; packages/bench is Go only) → its source entry point, so that
// tests run against the sources
const alias = Object.fromEntries(
  readdirSync(join(workspace, 'packages'))
    .filter((dir) => existsSync(join(workspace, 'packages', dir, 'package.json')))
    .map((dir) => [
    (JSON.parse(readFileSync(join(workspace, 'packages', dir, 'package.json'), 'utf8')) as { name: string }).name,
    join(workspace, 'packages', dir, 'src', 'index.ts'),
  ]),
);

export default defineConfig(({ mode }) => ({
  root: process.cwd(),
  resolve: { alias },
  test: {
    include: mode === 'int' ? ['**/*.int.spec.ts'] : ['**/*.spec.ts'],
    exclude: mode === 'int' ? ['**/node_modules/**', '**/dist/**'] : ['**/node_modules/**', '**/dist/**', '**/*.int.spec.ts'],
    passWithNoTests: false,
    testTimeout: mode === 'int' ? 600_000 : 10_000,
    hookTimeout: mode === 'int' ? 600_000 : 10_000,
    fileParallelism: mode !== 'int',
    reporters: ['default'],
  },
}));
