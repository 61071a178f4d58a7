import { defineConfig } from 'vitest/config';

// Engine tests: one Kafka broker for the whole run (globalSetup), one PyFlink job per
// deployment. Files run one after the other: the machine runs one mini-cluster at a time well.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/suite.ts'],
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 300_000,
  },
});
