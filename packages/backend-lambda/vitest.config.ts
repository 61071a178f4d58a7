import { defineConfig } from 'vitest/config';

// Engine tests (test/engine/*) start emulators and a store: one file at a time.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000, fileParallelism: false },
});
