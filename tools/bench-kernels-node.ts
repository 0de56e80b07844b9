// Kernel benchmark in Node on Dawn, the same module as the browser's (./kernel-bench.ts):
//   npm run bench:kernels:node [-- --tfjs] [--presets nano,micro] [--families matmul,attention] [--vocab 4096]
// On a GPU server this is the route to real-GPU figures without a browser (docs/benchmarks.md).
import { describeAdapter } from '../src/gpu';
import { formatKernelTable, parseBenchArgs, runKernelBench } from '../src/bench/kernel-bench';
import { acquireNodeGpu } from '../src/gpu/node';

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2), { tfjs: false });
  const gpu = await acquireNodeGpu();
  console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
  const started = Date.now();
  const result = await runKernelBench(gpu, { ...options, log: (line) => console.log(line) });
  console.log(`\npresets ${result.presets.join(', ')}; vocab ${result.vocab}; timing ${result.timing}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(formatKernelTable(result.rows));
}

main().then(
  () => process.exit(0), // Dawn keeps the process alive until exit.
  (error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
