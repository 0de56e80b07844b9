import { defineConfig } from 'vitest/config';

// Unit tests: pure TypeScript in Node (references, finite differences, analysis, codecs).
// Browser tests live in e2e/ and run under Playwright.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
