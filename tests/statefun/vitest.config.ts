import { defineConfig } from 'vitest/config';

// Engine tests: one Kafka broker for the whole run (globalSetup), one Statefun deployment per
// test file (a JVM and a function service). Files run one after the other: one mini-cluster at a time.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/suite.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
