// What an experiment costs on a GPU cluster with the PyTorch package (src/scale-out/estimate.ts):
//
//   node scripts/run-ts.mjs tools/scale-out-estimate.ts <preset | share link | config.json> \
//     (--tokens-per-second-per-gpu X | --peak-tflops P --mfu M) [--gpus 8] [flags]
import { join } from 'node:path';
import { flopsPerToken } from '../src/model/config';
import { packagePlan } from '../src/scale-out/manifest';
import { LAB_BUNDLED_DIR, packageTokenizer } from '../src/scale-out/node-io';
import { tokenizerChoice } from '../src/worker/data-setup';
import { UsageError, numberOption, parseCommand, printUsage, runCommand } from './cli';
import { estimateSweep, middleLr } from './scale-out/estimate';
import { experimentOf } from './scale-out/experiment';

const USAGE = `usage: node scripts/run-ts.mjs tools/scale-out-estimate.ts <preset | share link | config.json> [flags]

Estimates the tokens, GPU-hours and wall time of the experiment's sweep with the PyTorch package:
steps to target follow R(B) = a + b/B, pinned at each data size D by its reference run and by
b/a = B_crit(D) = B_crit0 · (D / D0)^exponent.

  --tokens-per-second-per-gpu X   training throughput of one GPU (python3 train.py --benchmark)
  --peak-tflops P --mfu M         …or derive it: P·M / (training FLOPs per token)
  --gpus N                        GPUs per run, data-parallel (default 8)
  --step-overhead-ms T            time per step that does not shrink with B (default 7)
  --critical-batch B              B_crit0, in sequences (default 3240: the paper's 151M fit)
  --critical-batch-at D           D0, in tokens (default: the largest data size)
  --critical-batch-exponent E     (default 0.5)
  --off-best-steps F              steps of a learning rate that is not the best, relative (default 1.35)
  --help                          this text
`;

const hours = (h: number) => (h >= 100 ? h.toFixed(0) : h.toFixed(1));
const billions = (t: number) => `${(t / 1e9).toFixed(2)}B`;

const NUMBERS = ['tokens-per-second-per-gpu', 'peak-tflops', 'mfu', 'gpus', 'step-overhead-ms', 'critical-batch', 'critical-batch-at', 'critical-batch-exponent', 'off-best-steps'] as const;
const OPTIONS = Object.fromEntries(NUMBERS.map((k) => [k, { type: 'string' }])) as Record<(typeof NUMBERS)[number], { type: 'string' }>;

async function main(): Promise<number | void> {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS, positionals: { min: 1, max: 1, what: 'experiment' } });
  if (parsed === null) return printUsage(USAGE);
  const { values, positionals } = parsed;
  /** A positive number flag, its default when absent (required when there is none). */
  const num = (name: (typeof NUMBERS)[number], fallback?: number): number => {
    const v = numberOption(name, values[name], { above: 0 }, 'a positive number') ?? fallback;
    if (v === undefined) throw new UsageError(`--${name} is required`);
    return v;
  };
  const config = experimentOf(positionals[0]);
  const { vocabSize } = await packageTokenizer(tokenizerChoice(config.tokenizer, config.data), config.tokenizer, join(LAB_BUNDLED_DIR, 'tokenizer.json'));
  const plan = packagePlan(config, vocabSize);
  const flops = flopsPerToken(plan[0].model).total;
  const tps = values['tokens-per-second-per-gpu'] !== undefined ? num('tokens-per-second-per-gpu') : (num('peak-tflops') * 1e12 * num('mfu')) / flops;
  const d0 = num('critical-batch-at', Math.max(...config.dataSizes));
  const b0 = num('critical-batch', 3240);
  const exponent = num('critical-batch-exponent', 0.5);
  const gpus = num('gpus', 8);
  const cost = estimateSweep(plan, {
    criticalBatch: (d) => b0 * (d / d0) ** exponent,
    offBestSteps: num('off-best-steps', 1.35),
    bestLr: middleLr,
    tokensPerSecondPerGpu: tps,
    gpus,
    stepOverheadSeconds: num('step-overhead-ms', 7) / 1000,
  });
  console.log(`${config.name}: ${plan.length} runs, ${(flops / 1e9).toFixed(3)} GFLOP per training token, ${tps.toFixed(0)} tokens/s per GPU, ${gpus} GPUs per run`);
  console.log('D           runs  reach  train tokens  eval tokens  GPU-hours  wall hours');
  for (const d of config.dataSizes) {
    const runs = cost.runs.filter((r) => r.spec.dataSize === d);
    const sum = (f: (r: (typeof runs)[number]) => number) => runs.reduce((s, r) => s + f(r), 0);
    const gpuHours = sum((r) => r.gpuSeconds) / 3600;
    console.log(
      `${billions(d).padEnd(11)} ${String(runs.length).padStart(4)}  ${String(runs.filter((r) => r.reachesTarget).length).padStart(5)}  ${billions(sum((r) => r.trainTokens)).padStart(12)}  ${billions(sum((r) => r.evalTokens)).padStart(11)}  ${hours(gpuHours).padStart(9)}  ${hours(gpuHours / gpus).padStart(10)}`,
    );
  }
  console.log(
    `total: ${billions(cost.trainTokens)} training tokens (${billions(cost.capTokens)} if every run went to its cap), ${billions(cost.evalTokens)} in evaluations, ${hours(cost.gpuHours)} GPU-hours, ${hours(cost.wallHours)} hours on ${gpus} GPUs`,
  );
}

runCommand('scale-out-estimate', USAGE, main);
