// The kernel benchmark in headless Chromium, one command:
//   npm run bench:kernels [-- --presets nano,micro] [--families matmul,attention] [--vocab 4096] [--no-tfjs]
// Bundles and serves the in-page entry (./bench-kernels.page.ts → src/bench/kernel-bench.ts, the
// module the Node/Dawn route shares; see ./bench-page.ts), opens it in Chromium launched as every
// browser test does (./browser.ts), and prints the table. On the CPU adapter the default presets are nano and
// micro; TF.js's WebGPU matmul runs in the same page on the same adapter unless --no-tfjs.
import { parseBenchArgs } from '../src/bench/kernel-bench';
import { exitWhenDone, runBenchPage } from './bench/page';
import type { PageBenchResult } from './bench/kernels.page';

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2), { tfjs: true });
  const started = Date.now();
  const { result, browserVersion } = await runBenchPage<PageBenchResult>('tools/bench/kernels.page.ts', 'out/bench-kernels', 'benchKernels', (page) =>
    page.evaluate((o) => window.benchKernels(o), options),
  );
  console.log(
    `\nChromium ${browserVersion}; presets ${result.presets.join(', ')}; vocab ${result.vocab}; timing ${result.timing}; ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
  console.log(result.table);
}

exitWhenDone(main());
