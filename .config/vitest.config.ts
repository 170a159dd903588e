import { defineConfig } from 'vitest/config';

/**
 * Tests import workspace packages from their TypeScript sources (the `dicomesh-source` export condition).
 * Vitest also hands these conditions to Node for external packages, so 'import' must not be among them: it
 * would apply to require() too and make a CommonJS package (pg requiring pg-pool) load an ESM build.
 */
const conditions = ['dicomesh-source', 'node', 'default'];

export default defineConfig({
  root: new URL('..', import.meta.url).pathname,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: conditions } },
  test: {
    include: ['libs/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
