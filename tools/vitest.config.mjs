import { defineConfig } from 'vitest/config';

// The tests of the repository's own tools (`pnpm test:tools`). The fixtures under
// test/fixtures are workspaces to check, not tests to run.
export default defineConfig({
  test: { include: ['test/**/*.test.mjs'], testTimeout: 30_000 },
});
