import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'runtime/**/*.test.ts', 'functions/**/*.test.ts', 'test/**/*.test.ts'],
    setupFiles: ['runtime/quiet-warnings.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Platform tests spawn stores and worker pools; two cores do not gain from more forks.
    maxWorkers: 2,
  },
});
