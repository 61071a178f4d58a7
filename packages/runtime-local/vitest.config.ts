import { defineConfig } from 'vitest/config';

// Hooks start Python hosts (Pyodide loads in worker threads): on a CI machine running other
// packages' tests on both cores that took over 60 s once, so they get longer than a test.
export default defineConfig({
  test: { include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 180_000 },
});
