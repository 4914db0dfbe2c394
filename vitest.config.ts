import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // PGlite and the emulator are in-process; two workers fit a 2-core machine.
    pool: 'forks',
    maxWorkers: 2,
  },
});
