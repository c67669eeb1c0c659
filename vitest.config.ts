import { defineConfig } from 'vitest/config';

// One runner for unit (src/**), contract and e2e (test/**) tests. Suites that need PostgreSQL or
// Redis probe for them (test/helpers/services.ts) and, under CI=true, fail when they are absent.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The CLI and e2e tests spawn bin/parley.js, which runs the compiled dist/.
    globalSetup: ['test/helpers/build-once.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
