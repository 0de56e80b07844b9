// The kernel benchmark in headless Chromium, one command:
//   npm run bench:kernels [-- --presets nano,micro] [--families matmul,attention] [--vocab 4096] [--no-tfjs]
// Bundles and serves the in-page entry (./bench/kernels.page.ts → src/bench/kernel-bench.ts, the
// module the Node/Dawn route shares; see ./bench/page.ts), opens it in Chromium launched as every
// browser test does (./browser.ts), and prints the table. On the CPU adapter the default presets are nano and
// micro; TF.js's WebGPU matmul runs in the same page on the same adapter unless --no-tfjs.
import { printUsage, parseCommand, runCommand } from './cli';
import { runBenchPage } from './bench/page';
import { KERNEL_BENCH_FLAGS, KERNEL_BENCH_OPTIONS, kernelBenchOptions } from './bench/kernel-args';
import type { PageBenchResult } from './bench/kernels.page';

const USAGE = `usage: npm run bench:kernels [-- flags]

Times every kernel family at the model presets' shapes in headless Chromium on WebGPU, beside
TF.js's WebGPU matmul (on by default here), and prints the table. Figures only.

${KERNEL_BENCH_FLAGS}`;

runCommand('bench:kernels', USAGE, async () => {
  const parsed = parseCommand(process.argv.slice(2), { options: KERNEL_BENCH_OPTIONS });
  if (parsed === null) return printUsage(USAGE);
  const options = kernelBenchOptions(parsed.values, { tfjs: true });
  const started = Date.now();
  const { result, browserVersion } = await runBenchPage<PageBenchResult>('tools/bench/kernels.page.ts', 'out/bench-kernels', 'benchKernels', (page) =>
    page.evaluate((o) => window.benchKernels(o), options),
  );
  console.log(
    `\nChromium ${browserVersion}; presets ${result.presets.join(', ')}; vocab ${result.vocab}; timing ${result.timing}; ` +
      `${((Date.now() - started) / 1000).toFixed(0)} s in all`,
  );
  console.log(result.table);
});
