import { defineConfig } from 'vitest/config';

const roots = ['packages/*/test', 'services/*/test', 'deploy/test', 'test'];
const excluded = ['**/node_modules/**', '**/.data/**'];

/**
 * Defines two projects. Files of `unit` run in parallel. Files of `heavy` (`*.heavy.test.ts`,
 * with real Chromium, process kills and restarts) run one at a time, so that they do not
 * compete for the two cores.
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: roots.map((root) => `${root}/**/*.test.ts`),
          exclude: [...excluded, '**/*.heavy.test.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
        },
      },
      {
        test: {
          name: 'heavy',
          include: roots.map((root) => `${root}/**/*.heavy.test.ts`),
          exclude: excluded,
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
