import { defineConfig } from 'vitest/config';
import { wgslRawVitePlugin } from './scripts/wgsl.mjs';

// Unit tests: pure TypeScript in Node (references, finite differences, analysis, codecs).
// Browser tests live in e2e/ and run under Playwright.
export default defineConfig({
  // The same WGSL text as the bundles (comments stripped).
  plugins: [wgslRawVitePlugin()],
  test: {
    include: ['src/**/*.test.ts', 'tools/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
  },
});
