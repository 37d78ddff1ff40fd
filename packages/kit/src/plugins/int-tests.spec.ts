import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodesForConfig, INT_TARGET } from './int-tests.js';

function workspace(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'int-tests-'));
  for (const file of files) {
    mkdirSync(join(root, file, '..'), { recursive: true });
    writeFileSync(join(root, file), '');
  }
  return root;
}

describe('the int target inference', () => {
  it('gives a package with *.int.spec.ts under src (at any depth) its int target, run from its root', () => {
    const root = workspace(['packages/a/vitest.config.ts', 'packages/a/src/lib/deep/engine.int.spec.ts']);
    const result = createNodesForConfig('packages/a/vitest.config.ts', root);
    expect(result.projects?.['packages/a']?.targets?.['int']).toEqual({ ...INT_TARGET, options: { cwd: 'packages/a' } });
    expect(INT_TARGET).toMatchObject({ command: 'vitest run --mode int', cache: false, parallelism: false });
  });

  it('gives none to a package with unit tests only, or whose int specs are only in dist or node_modules', () => {
    const root = workspace([
      'packages/b/vitest.config.ts',
      'packages/b/src/a.spec.ts',
      'packages/b/src/dist/old.int.spec.ts',
      'packages/b/src/node_modules/x/y.int.spec.ts',
    ]);
    expect(createNodesForConfig('packages/b/vitest.config.ts', root)).toEqual({});
  });
});
