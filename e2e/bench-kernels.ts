// The kernel benchmark in headless Chromium, one command:
//   npm run bench:kernels [-- --presets nano,micro] [--families matmul,attention] [--vocab 4096] [--no-tfjs]
// Bundles and serves the in-page entry (./bench-kernels.page.ts → src/bench/kernel-bench.ts, the
// module the Node/Dawn route shares; see ./bench-page.ts), opens it in Chromium launched as every
// browser test does (./browser.ts), and prints the table. On the CPU adapter the default presets are nano and
// micro; TF.js's WebGPU matmul runs in the same page on the same adapter unless --no-tfjs.
import { chromium } from '@playwright/test';
import { parseBenchArgs } from '../src/bench/kernel-bench';
import { bundleAndServe } from './bench-page';
import { chromiumLaunchOptions } from './browser';
import type { PageBenchResult } from './bench-kernels.page';

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2), { tfjs: true });
  const started = Date.now();
  const server = await bundleAndServe('e2e/bench-kernels.page.ts', 'out/bench-kernels', 'kernel benchmark');
  const browser = await chromium.launch(chromiumLaunchOptions());
  try {
    const page = await browser.newPage();
    page.on('console', (m) => console.log(m.text()));
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.benchKernels === 'function', null, { timeout: 60_000 });
    const result: PageBenchResult = await page.evaluate((o) => window.benchKernels(o), options);
    const browserVersion = browser.version();
    console.log(
      `\nChromium ${browserVersion}; presets ${result.presets.join(', ')}; vocab ${result.vocab}; timing ${result.timing}; ` +
        `${((Date.now() - started) / 1000).toFixed(0)} s in all`,
    );
    console.log(result.table);
  } finally {
    await browser.close();
    server.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
