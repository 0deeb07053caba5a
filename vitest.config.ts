import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['spec/**/*.spec.ts'],
    setupFiles: ['spec/_support/setup.ts'],
    // Every test must assert something (TESTING.md); no retries: a statistical test is calibrated once.
    expect: { requireAssertions: true },
    retry: 0,
    testTimeout: 60_000,
    pool: 'threads',
  },
});
