import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from './tools/browser';

// Two servers: the Vite dev server hosts the kernel/test harness page (e2e/harness/),
// and `vite preview` serves the built app exactly as users get it.
export const HARNESS_URL = 'http://127.0.0.1:5199/e2e/harness/index.html';
export const APP_URL = 'http://127.0.0.1:4199/';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results',
  // Two cores and a CPU-emulated GPU: one test at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  reporter: [['list']],
  use: {
    launchOptions: chromiumLaunchOptions(),
    viewport: { width: 1366, height: 900 },
  },
  webServer: [
    {
      command: 'CBS_TEST_SERVER=1 npx vite --host 127.0.0.1 --port 5199 --strictPort',
      url: HARNESS_URL,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
    {
      command: 'npx vite preview --host 127.0.0.1 --port 4199 --strictPort',
      url: APP_URL,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
