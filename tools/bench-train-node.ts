// Training benchmark in Node on Dawn: `npm run bench:train:node [-- --presets nano,micro] [--batch 64] [--steps 10]`.
import { describeAdapter } from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import { benchTraining, bestMatmulFlops, formatTrainTable, type TrainBenchRow } from '../src/bench/train-bench';

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const gpu = await acquireNodeGpu();
  const slow = gpu.adapter.isFallbackAdapter;
  const presets = (flag(args, '--presets') ?? (slow ? 'nano' : 'nano,micro,mini,small')).split(',');
  const batch = Number(flag(args, '--batch') ?? (slow ? 8 : 64));
  const steps = Number(flag(args, '--steps') ?? (slow ? 2 : 10));
  const vocab = Number(flag(args, '--vocab') ?? 4096);
  console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
  const peak = await bestMatmulFlops(gpu, slow ? 256 : 4096);
  console.log(`best matmul: ${(peak / 1e9).toFixed(1)} GFLOP/s`);
  const rows: TrainBenchRow[] = [];
  for (const preset of presets) {
    const row = await benchTraining(gpu, preset, { vocab, batch, steps, peakFlops: peak });
    rows.push(row);
    console.log(`  ${preset}: ${row.tokensPerSecond.toFixed(0)} tokens/s, ${row.stepMs.toFixed(2)} ms/step, MFU ${(100 * row.mfu).toFixed(1)}%`);
  }
  console.log('\n' + formatTrainTable(rows, peak));
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
