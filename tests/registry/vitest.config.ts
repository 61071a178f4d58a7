import { defineConfig } from 'vitest/config';

// One local registry for the whole run (globalSetup: verdaccio, then every public package
// published into it); the scenario files run one after the other, each in its own clean
// project outside the monorepo.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 600_000,
    hookTimeout: 900_000,
  },
});
