import { defineConfig } from 'vitest/config';

/** Tests import workspace packages from their TypeScript sources (the `dicomesh-source` export condition). */
const conditions = ['dicomesh-source', 'node', 'import', 'default'];

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
