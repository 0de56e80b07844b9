// Training benchmark in Node on Dawn: `npm run bench:train:node [-- --presets nano,micro] [--batch 64] [--steps 10]`.
import { describeAdapter } from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import { benchTraining, bestMatmulFlops, formatTrainTable, type TrainBenchRow } from '../src/bench/train-bench';
import { PRESET_NAMES } from '../src/model/presets';
import { listChoiceOption, numberOption, parseCommand, printUsage, runCommand } from './cli';

const USAGE = `usage: npm run bench:train:node [-- flags]

Times the real training step (forward, backward, AdamW) of model presets in Node on Dawn and
prints tokens/s, ms/step and MFU against the best matmul rate measured on the same adapter.
Figures only.

flags:
  --presets LIST   model presets, comma-separated (${PRESET_NAMES.join(', ')};
                   default nano,micro,mini,small, or nano on a CPU adapter)
  --batch N        sequences per step (default 64, or 8 on a CPU adapter)
  --steps N        timed steps per preset (default 10, or 2 on a CPU adapter)
  --vocab N        vocabulary size (default 4096)
  --help           this text
`;

const OPTIONS = {
  presets: { type: 'string' },
  batch: { type: 'string' },
  steps: { type: 'string' },
  vocab: { type: 'string' },
} as const;

runCommand('bench:train:node', USAGE, async () => {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS });
  if (parsed === null) return printUsage(USAGE);
  const v = parsed.values;
  // Everything is checked before the GPU is acquired.
  const presetsGiven = listChoiceOption('presets', v.presets, PRESET_NAMES);
  const batchGiven = numberOption('batch', v.batch, { integer: true, min: 1 });
  const stepsGiven = numberOption('steps', v.steps, { integer: true, min: 1 });
  const vocab = numberOption('vocab', v.vocab, { integer: true, min: 2 }) ?? 4096;
  const gpu = await acquireNodeGpu();
  const slow = gpu.adapter.isFallbackAdapter;
  const presets = presetsGiven ?? (slow ? ['nano'] : ['nano', 'micro', 'mini', 'small']);
  const batch = batchGiven ?? (slow ? 8 : 64);
  const steps = stepsGiven ?? (slow ? 2 : 10);
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
});
