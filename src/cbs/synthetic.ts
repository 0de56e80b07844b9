// Synthetic curves and tables with known answers, for the tests and the sample files in
// ./fixtures. Whole synthetic results come from src/experiment/synthetic.ts.
import { mulberry32, normalSampler } from '../util/random';
import type { ExperimentConfig, StepStats } from '../experiment/schema';
import type { SyntheticOptions } from '../experiment/synthetic';
import type { CurvePoint } from './fit';
import { PAPER_TABLE } from './paper';
import { defaultConfig } from '../experiment/presets';

/** R(B) = (a + b/B)·exp(σ·z), z standard normal from `seed`: multiplicative (log-normal) noise. */
export function noisyCurve(a: number, b: number, batchSizes: readonly number[], sigma: number, seed: number): CurvePoint[] {
  const normal = normalSampler(mulberry32(seed));
  return batchSizes.map((batchSize) => ({ batchSize, steps: (a + b / batchSize) * Math.exp(sigma * normal()) }));
}

/** Per-step squared norms generated from a known |G|² and tr(Σ): E|G_B|² = |G|² + tr(Σ)/B, times log-normal noise. */
export function noisyGradStats(steps: number, gradSq: number, traceSigma: number, microBatch: number, batchSize: number, sigma: number, seed: number): StepStats[] {
  const normal = normalSampler(mulberry32(seed));
  const out: StepStats[] = [];
  for (let step = 1; step <= steps; step++) {
    const micro = (gradSq + traceSigma / microBatch) * Math.exp(sigma * normal());
    const batch = (gradSq + traceSigma / batchSize) * Math.exp(sigma * normal());
    out.push({ step, trainLoss: 4, lr: 1e-3, gradNorm: Math.sqrt(batch), microGradSq: micro, batchGradSq: batch, tokensPerSecond: 1000 });
  }
  return out;
}

/**
 * A CSV in the paper's Chinchilla setting: for each model of the paper's table, R(B) = a + b/B
 * over B = 256…16384 with b/a chosen so that B* (20% rule, baseline 256) is the table's value:
 * b/a = (B* − 1.2·256)/0.2. a (S_min) is an arbitrary 2000·(N/85M)^0.5 steps. D = 20·N tokens.
 */
export function paperChinchillaCsv(): string {
  const lines = ['# Generated from the paper\'s per-model B* table (Zhang et al. 2024): see src/cbs/synthetic.ts', 'batch_size,steps,model_size,data_size'];
  for (const row of PAPER_TABLE) {
    const a = 2000 * Math.sqrt(row.params / 85e6);
    const b = a * ((row.bStarSequences - 1.2 * 256) / 0.2);
    for (let batch = 256; batch <= 16384; batch *= 2) lines.push(`${batch},${+(a + b / batch).toPrecision(12)},${row.params},${20 * row.params}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * The paper's table the way the authors' notebook holds it: header model_params_m,batch_size,
 * steps_to_target, N in millions, one row per (model, batch size), B = 64…8192. For each model
 * R(B) = a + b/B with b/a = 5·(B* − 1.2·256), so that the paper's rule (20% over linear scaling
 * from B = 256) gives the notebook's printed B* exactly; a is an arbitrary 2000·(N/85M)^0.5 steps.
 */
export function paperNotebookCsv(): string {
  const lines = ['model_params_m,batch_size,steps_to_target'];
  for (const row of PAPER_TABLE) {
    const a = 2000 * Math.sqrt(row.params / 85e6);
    const b = a * 5 * (row.bStarNotebook - 1.2 * 256);
    for (let batch = 64; batch <= 8192; batch *= 2) lines.push(`${row.params / 1e6},${batch},${+(a + b / batch).toPrecision(12)}`);
  }
  return lines.join('\n') + '\n';
}

/** One model, three learning rates per batch size (min taken), log-normal noise, and one run that never reached the target. */
export function noisySweepCsv(a: number, b: number, seed: number): string {
  const normal = normalSampler(mulberry32(seed));
  const lines = ['# Synthetic: R(B) = a + b/B with a = ' + a + ', b = ' + b + ', 5% log-normal noise; several runs per B', 'batch_size,steps'];
  for (let batch = 16; batch <= 2048; batch *= 2) {
    for (const penalty of [1, 1.15, 1.4]) lines.push(`${batch},${Math.round((a + b / batch) * penalty * Math.exp(0.05 * normal()))}`);
  }
  lines.push('4096,NA');
  return lines.join('\n') + '\n';
}

/** The config of the analysis fixture: a 2-layer d64 model, a fixed target, runs to their cap. */
function fixtureConfig(): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'synthetic',
    preset: null,
    models: [{ name: 'micro', layers: 2, dModel: 64, heads: 2, context: 64, vocabSize: 256 }],
    dataSizes: [1e6],
    learningRates: { values: [3e-3, 1e-3], exponent: 0, baseBatch: 4 },
    target: { kind: 'fixed', loss: 3.5 },
    stopAtTarget: false,
    analysis: { overhead: 0.2, baselineBatch: null, interpolate: false },
    // Sparse evaluations (powers of two), so that interpolation has work to do.
    evaluation: { spacing: 2, nearSpacing: 2, nearMargin: 0, validationTokens: 4096, probeTokens: 0 },
  };
}

/** The sweep behind fixtures/synthetic-results.json: R(B) = 200 + 6400/B (B_crit 32), B_simple = 40, B = 128 diverges. */
export const FIXTURE_SWEEP: Partial<SyntheticOptions> = {
  a: 200,
  b: 6400,
  batchSizes: [4, 8, 16, 32, 64, 128],
  learningRates: [3e-3, 1e-3],
  lrPenalty: 1.3,
  target: 3.5,
  slope: 0.3,
  microBatch: 4,
  seed: 11,
  divergeAt: [128],
  gradSq: 0.5,
  traceSigma: 20,
  stepStride: 1,
  config: fixtureConfig(),
};
