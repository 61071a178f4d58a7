import { defineConfig } from 'vitest/config';

// Engine tests (test/engine/*) start Anna and Cloudburst (fixed ports): one file at a time.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 180_000, hookTimeout: 180_000, fileParallelism: false },
});
