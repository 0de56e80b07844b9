// Kernel benchmark in Node on Dawn, the same module as the browser's (src/bench/kernel-bench.ts):
//   npm run bench:kernels:node [-- --tfjs] [--presets nano,micro] [--families matmul,attention] [--vocab 4096]
// On a GPU server this is the route to real-GPU figures without a browser (docs/benchmarks.md).
import { describeAdapter } from '../src/gpu';
import { formatKernelTable, runKernelBench } from '../src/bench/kernel-bench';
import { acquireNodeGpu } from '../src/gpu/node';
import { printUsage, parseCommand, runCommand } from './cli';
import { KERNEL_BENCH_FLAGS, KERNEL_BENCH_OPTIONS, kernelBenchOptions } from './bench/kernel-args';

const USAGE = `usage: npm run bench:kernels:node [-- flags]

Times every kernel family at the model presets' shapes in Node on Dawn (a GPU server's Vulkan
driver, or SwiftShader with VK_ICD_FILENAMES), optionally beside TF.js's WebGPU matmul (off by
default here), and prints the table. Figures only.

${KERNEL_BENCH_FLAGS}`;

runCommand('bench:kernels:node', USAGE, async () => {
  const parsed = parseCommand(process.argv.slice(2), { options: KERNEL_BENCH_OPTIONS });
  if (parsed === null) return printUsage(USAGE);
  const options = kernelBenchOptions(parsed.values, { tfjs: false });
  const gpu = await acquireNodeGpu();
  console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
  const started = Date.now();
  const result = await runKernelBench(gpu, { ...options, log: (line) => console.log(line) });
  console.log(`\npresets ${result.presets.join(', ')}; vocab ${result.vocab}; timing ${result.timing}; ${((Date.now() - started) / 1000).toFixed(0)} s`);
  console.log(formatKernelTable(result.rows));
});
