import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['shared/**/*.test.ts', 'runtime/**/*.test.ts', 'functions/**/*.test.ts', 'test/**/*.test.ts'],
    // The reliability suite (minutes of load, kill -9, soak) runs on its own: npm run test:reliability.
    exclude: [...configDefaults.exclude, 'test/reliability/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Platform tests spawn stores and worker pools; two cores do not gain from more forks.
    maxWorkers: 2,
  },
});
