import { defineConfig } from 'vitest/config';

// Engine tests: one Kafka broker for the whole run (globalSetup), one pipeline on Prism per
// deployment. Files run one after the other: one Prism at a time on this machine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/suite.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
