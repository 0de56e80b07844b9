// Synthetic sweeps with known answers, for the tests and the sample files in ./fixtures.
import { mulberry32, normalSampler } from '../util/random';
import { type EvalPoint, type ExperimentConfig, type ExperimentResults, RESULTS_VERSION, type RunRecord, type StepStats } from '../experiment/schema';
import type { CurvePoint } from './fit';
import { PAPER_TABLE } from './paper';
import { defaultConfig } from '../experiment/presets';

/** R(B) = (a + b/B)·exp(σ·z), z standard normal from `seed`: multiplicative (log-normal) noise. */
export function noisyCurve(a: number, b: number, batchSizes: readonly number[], sigma: number, seed: number): CurvePoint[] {
  const normal = normalSampler(mulberry32(seed));
  return batchSizes.map((batchSize) => ({ batchSize, steps: (a + b / batchSize) * Math.exp(sigma * normal()) }));
}

/**
 * Evaluations whose EWA loss is linear in log(step) and crosses `target` exactly at `crossing`:
 * loss(s) = target − slope·ln(s / crossing), at the given steps.
 */
export function logLinearEvals(crossing: number, target: number, slope: number, steps: readonly number[], tokensPerStep: number): EvalPoint[] {
  return steps.map((step) => {
    const ewaLoss = target - slope * Math.log(step / crossing);
    return { step, tokens: step * tokensPerStep, ewaLoss, rawLoss: ewaLoss + 0.01 };
  });
}

/** Evaluation steps like the trainer's: powers of two, and multiples of `interval`, up to `maxStep`. */
export function evalSchedule(interval: number, maxStep: number): number[] {
  const s = new Set<number>();
  for (let p = 1; p <= maxStep; p *= 2) s.add(p);
  for (let k = interval; k <= maxStep; k += interval) s.add(k);
  s.add(maxStep);
  return [...s].sort((x, y) => x - y);
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

/** A small valid experiment config: the default one, with the few fields the analysis reads. */
export function syntheticConfig(batchSizes: number[], dataSize: number): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'synthetic',
    preset: null,
    models: [{ name: 'micro', layers: 2, dModel: 64, heads: 2, context: 64, vocabSize: 256 }],
    dataSizes: [dataSize],
    batchSizes,
    learningRates: { values: [1e-3, 3e-3], sqrtScaling: false, baseBatch: batchSizes[0] },
    target: { kind: 'fixed', loss: 3.5 },
    stopAtTarget: false,
  };
}

export interface SyntheticSweepOptions {
  a: number;
  b: number;
  batchSizes: number[];
  /** Learning rates per batch size; the first is the best, the others need `lrPenalty`× more steps each. */
  learningRates: number[];
  lrPenalty: number;
  target: number;
  /** Loss drop per e-fold of steps. */
  slope: number;
  microBatch: number;
  seed: number;
  /** Batch sizes whose runs all diverge before the target (they are reported as unreached). */
  divergeAt: number[];
  /** The noise scale the gradient statistics are drawn from. */
  gradSq: number;
  traceSigma: number;
}

/** A sweep whose best R(B) is exactly a + b/B, with losses linear in log-steps (so interpolation recovers it exactly). */
export function syntheticResults(o: SyntheticSweepOptions): ExperimentResults {
  const config = syntheticConfig(o.batchSizes, 1e6);
  const model = config.models[0];
  const runs: RunRecord[] = [];
  o.batchSizes.forEach((batchSize, bi) => {
    o.learningRates.forEach((peakLr, li) => {
      const crossing = (o.a + o.b / batchSize) * o.lrPenalty ** li;
      const maxStep = Math.ceil(4 * crossing);
      const diverged = o.divergeAt.includes(batchSize);
      let evals = logLinearEvals(crossing, o.target, o.slope, evalSchedule(200, maxStep), batchSize * model.context);
      if (diverged) evals = evals.filter((e) => e.step < crossing / 2);
      const micro = Math.min(o.microBatch, batchSize);
      runs.push({
        spec: {
          id: `micro-B${batchSize}-lr${peakLr}`,
          model,
          dataSize: 1e6,
          batchSize,
          microBatch: micro,
          peakLr,
          beta1: 0.95,
          beta2: 0.99,
          eps: 1e-8,
          weightDecay: 0,
          warmupSteps: 10,
          clipNorm: 1,
          ewaDecay: 0.99,
          maxSteps: maxStep,
          targetLoss: o.target,
          stopAtTarget: false,
          evaluation: config.evaluation,
          seeds: config.seeds,
          isReference: false,
        },
        status: diverged ? 'diverged' : 'finished',
        evals,
        steps: noisyGradStats(60, o.gradSq, o.traceSigma, micro, batchSize, 0.05, o.seed + 100 * bi + li),
        stepsToTarget: diverged ? null : (evals.find((e) => e.ewaLoss <= o.target)?.step ?? null),
        stepsDone: diverged ? (evals[evals.length - 1]?.step ?? 0) : maxStep,
        tokensDone: 0,
        failure: diverged ? { step: evals[evals.length - 1]?.step ?? 0, reason: 'loss became NaN' } : null,
        wallSeconds: 1,
        adapter: 'synthetic',
      });
    });
  });
  return { version: RESULTS_VERSION, config, targetLoss: o.target, runs, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z', adapter: 'synthetic' };
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

/** The sweep behind fixtures/synthetic-results.json: R(B) = 200 + 6400/B (B_crit 32), B_simple = 40. */
export const FIXTURE_SWEEP: SyntheticSweepOptions = {
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
};
