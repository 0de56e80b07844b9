// Kernel benchmark in Node on Dawn: `npm run bench:kernels:node [-- --tfjs] [--presets nano,micro]`.
// On a GPU server this is the route to real-GPU figures without a browser.
import { describeAdapter } from '../gpu';
import { acquireNodeGpu } from './node-gpu';
import { benchMatmul, formatTable, presetMatmulShapes, type BenchRow } from './matmul-bench';
import { benchTfjsMatmul } from './tfjs-matmul';
import { matmulFlops } from '../kernels/matmul';

const PRESETS: Record<string, { d: number; context: number; micro: number }> = {
  nano: { d: 64, context: 64, micro: 32 },
  micro: { d: 128, context: 128, micro: 16 },
  mini: { d: 256, context: 256, micro: 16 },
  small: { d: 512, context: 512, micro: 8 },
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const withTfjs = args.includes('--tfjs');
  const presetArg = args[args.indexOf('--presets') + 1];
  const presets = args.includes('--presets') && presetArg ? presetArg.split(',') : Object.keys(PRESETS);
  const vocab = Number(args[args.indexOf('--vocab') + 1]) || 4096;
  const gpu = await acquireNodeGpu();
  console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
  console.log(`timing: ${gpu.hasTimestamps ? 'timestamp-query' : 'wall clock'}; vocab ${vocab}`);
  const rows: BenchRow[] = [];
  for (const name of presets) {
    const p = PRESETS[name];
    if (!p) throw new Error(`unknown preset ${name}`);
    for (const shape of presetMatmulShapes(name, p.d, p.micro * p.context, vocab)) {
      const flops = matmulFlops(shape);
      // Enough repetitions for ~1 GFLOP per timing on a GPU, few on a CPU adapter.
      const reps = Math.max(1, Math.min(200, Math.round((gpu.adapter.isFallbackAdapter ? 2e8 : 2e10) / flops)));
      const row = await benchMatmul(gpu, shape, reps);
      if (withTfjs) {
        row.tfjsMs = await benchTfjsMatmul(shape, reps);
        row.tfjsGflops = flops / (row.tfjsMs * 1e6);
      }
      rows.push(row);
      console.log(`  ${row.name}: ${row.ms.toFixed(3)} ms, ${row.gflops.toFixed(1)} GFLOP/s` +
        (row.tfjsMs ? `; TF.js ${row.tfjsMs.toFixed(3)} ms (${(row.tfjsMs / row.ms).toFixed(2)}×)` : ''));
    }
  }
  console.log('\n' + formatTable(rows));
}

main().then(
  () => process.exit(0), // Dawn keeps the process alive until exit.
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
