// The vitest config of every TypeScript project (each project's vitest.config.ts re-exports it); run from the
// project's root (nx sets cwd). Workspace packages resolve to their sources through the `@confidential/source`
// export condition (package.json exports, tsconfig.base.json customConditions), not to dist.
// `--mode int` selects the integration tests (*.int.spec.ts, real engine/toolchains), otherwise unit tests.
import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';

const conditions = ['@confidential/source', ...defaultServerConditions];

export default defineConfig(({ mode }) => ({
  root: process.cwd(),
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    include: mode === 'int' ? ['**/*.int.spec.ts'] : ['**/*.spec.ts'],
    exclude: mode === 'int' ? ['**/node_modules/**', '**/dist/**', '**/out-tsc/**'] : ['**/node_modules/**', '**/dist/**', '**/out-tsc/**', '**/*.int.spec.ts'],
    passWithNoTests: false,
    testTimeout: mode === 'int' ? 600_000 : 10_000,
    hookTimeout: mode === 'int' ? 600_000 : 10_000,
    fileParallelism: mode !== 'int',
    reporters: ['default'],
  },
}));
