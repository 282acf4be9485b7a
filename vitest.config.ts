import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // A poll waits for the page or server to reach a state; on a loaded 2-core CI machine a
    // module fetch or a model load can take seconds, so the ceiling is generous (not a timing check).
    expect: { poll: { timeout: 10_000 } },
  },
});
