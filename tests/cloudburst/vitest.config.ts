import { defineConfig } from 'vitest/config';

// Anna and Cloudburst listen on fixed ports: one deployment at a time, files one after the other.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], globalSetup: ['test/global-setup.ts'], fileParallelism: false, testTimeout: 600_000, hookTimeout: 300_000 },
});
