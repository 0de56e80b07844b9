import { defineConfig } from '@playwright/test';
import { APP_PORT, APP_URL, HARNESS_PORT, HARNESS_URL } from './e2e/servers';
import { chromiumLaunchOptions } from './tools/browser';

// Two servers: the Vite dev server hosts the kernel/test harness page (e2e/harness/),
// and `vite preview` serves the built app exactly as users get it (ports in e2e/servers.ts).

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
    // The built app registers a service worker that precaches about 5 MB on the first visit; no
    // spec but e2e/offline.spec.ts needs it, so it does not load the machine under every test.
    serviceWorkers: 'block',
  },
  webServer: [
    {
      command: `CBS_TEST_SERVER=1 npx vite --host 127.0.0.1 --port ${HARNESS_PORT} --strictPort`,
      url: HARNESS_URL,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
    {
      command: `npx vite preview --host 127.0.0.1 --port ${APP_PORT} --strictPort`,
      url: APP_URL,
      reuseExistingServer: !process.env.CI,
      timeout: 120_000,
    },
  ],
});
