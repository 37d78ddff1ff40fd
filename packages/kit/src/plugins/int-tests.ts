// The `int` target of every TypeScript package that has integration tests: a project whose vitest.config.ts sits
// beside `*.int.spec.ts` files under src/ gets `vitest run --mode int` (the shared config selects the int specs),
// after its build and its dependencies' builds, with the engine's base images present, alone (parallelism false:
// engine-wide state and compose projects of one test never meet another task). Not cached: what it checks is
// the engine and the toolchains, which no input names. A project.json may add to it (more dependsOn, a command).
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodes, type CreateNodesResult } from '@nx/devkit';

export const INT_TARGET = {
  command: 'vitest run --mode int',
  metadata: {
    description:
      'Integration tests (*.int.spec.ts) against the real Docker engine (started if needed) with the base images present, and the real toolchains. Runs alone.',
  },
  dependsOn: ['build', '^build', { projects: ['image-builder'], target: 'base-images' }],
  cache: false,
  parallelism: false,
};

/** Whether a folder holds an `*.int.spec.ts` (at any depth, node_modules and dist aside). */
export function hasIntSpecs(dir: string): boolean {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules' && entry.name !== 'dist' && hasIntSpecs(join(dir, entry.name))) return true;
    } else if (entry.name.endsWith('.int.spec.ts')) return true;
  }
  return false;
}

export function createNodesForConfig(file: string, workspaceRoot: string): CreateNodesResult {
  const root = dirname(file);
  if (!hasIntSpecs(join(workspaceRoot, root, 'src'))) return {};
  return { projects: { [root]: { targets: { int: { ...INT_TARGET, options: { cwd: root } } } } } };
}

export const createNodes: CreateNodes = [
  '**/vitest.config.ts',
  (files, _options, context) => createNodesFromFiles((file) => createNodesForConfig(file, context.workspaceRoot), files, undefined, context),
];

/** The old name, still read by Nx 23. */
export const createNodesV2 = createNodes;
