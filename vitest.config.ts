import { defineConfig } from 'vitest/config';

// One runner for unit (src/**), contract and e2e (test/**) tests. Suites that need PostgreSQL or
// Redis probe for them (test/helpers/services.ts) and, under CI=true, fail when they are absent.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // The CLI and e2e tests spawn bin/parley.js, which runs the compiled dist/.
    globalSetup: ['test/helpers/build-once.ts'],
    // Several e2e tests spawn `parley` processes one after another (each loads the whole server and
    // hashes a password); on a busy 2-core machine one such test can take longer than 30 s.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
