// In-page entry of the browser kernel benchmark (tools/bench-kernels.ts bundles it): acquires the
// page's WebGPU device and runs the shared benchmark module, logging each row to the console.
import { acquireGpu, describeAdapter } from '../../src/gpu';
import { formatKernelTable, runKernelBench, type KernelBenchOptions, type KernelBenchResult } from '../../src/bench/kernel-bench';

export interface PageBenchResult extends KernelBenchResult {
  adapter: string;
  table: string;
}

async function benchKernels(options: KernelBenchOptions): Promise<PageBenchResult> {
  // acquireGpu's errors already say what is missing and how to enable it.
  const gpu = await acquireGpu();
  const adapter = describeAdapter(gpu.adapter);
  console.log(`adapter: ${adapter}`);
  const result = await runKernelBench(gpu, { ...options, log: (line) => console.log(line) });
  return { ...result, adapter, table: formatKernelTable(result.rows) };
}

declare global {
  interface Window {
    benchKernels: typeof benchKernels;
  }
}
window.benchKernels = benchKernels;
document.title = 'kernel benchmark ready';
