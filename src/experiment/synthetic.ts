// Synthetic ExperimentResults with known answers, the one generator for the analysis tests, the
// codec and history tests, and the charts' tests: runs whose best R(B) per replicate follows
// a + b/B (times a seeded spread across replicates), with EWA losses linear in log(step) that
// cross the target exactly there (so interpolation recovers R exactly), per-step gradient norms
// drawn from a known noise scale, and optional diverging or censored batch sizes.
import { mulberry32, normalSampler } from '../util/random';
import { defaultConfig } from './presets';
import { measurementKey, runId } from './plan';
import { RESULTS_VERSION, type EvalPoint, type ExperimentConfig, type ExperimentResults, type RunRecord, type RunSpec, type StepStats } from './schema';

export interface SyntheticOptions {
  /** R(B) = a + b/B for the best learning rate of the first replicate's curve. */
  a: number;
  b: number;
  batchSizes: number[];
  /** Learning rates per batch size; the first is the best, each further one needs `lrPenalty`× more steps. */
  learningRates: number[];
  lrPenalty: number;
  /** Seed replicates; replicate r's R(B) is multiplied by exp(replicateSpread · z) with z seeded per (r, B). */
  replicates: number;
  replicateSpread: number;
  target: number;
  /** EWA loss drop per e-fold of steps around the crossing. */
  slope: number;
  /** Batch sizes whose runs all diverge before the target (NaN after half the steps). */
  divergeAt: number[];
  /** Batch sizes whose runs stop unreached at the economy bound (status 'censored'). */
  censorAt: number[];
  microBatch: number;
  /** The noise scale the gradient statistics are drawn from: E|G_B|² = gradSq + traceSigma/B. */
  gradSq: number;
  traceSigma: number;
  /** Keep one step statistic out of this many. */
  stepStride: number;
  seed: number;
  /** The config the results carry (its first model and data size are used); syntheticConfig() otherwise. */
  config?: ExperimentConfig;
}

export const SYNTHETIC_DEFAULTS: SyntheticOptions = {
  a: 12,
  b: 576,
  batchSizes: [4, 8, 16, 32, 64, 128],
  learningRates: [1e-2, 3e-3],
  lrPenalty: 1.35,
  replicates: 1,
  replicateSpread: 0.05,
  target: 2.6,
  slope: 0.4,
  divergeAt: [],
  censorAt: [],
  microBatch: 4,
  gradSq: 0.5,
  traceSigma: 24,
  stepStride: 4,
  seed: 7,
};

const round = (x: number, digits: number) => Number(x.toPrecision(digits));

/** Evaluation steps as the trainer's schedule takes them: geometric, denser once the loss is near the target, and the last step. */
function evalSteps(maxSteps: number, loss: (step: number) => number, target: number, evaluation: ExperimentConfig['evaluation']): number[] {
  const steps = [1];
  while (steps[steps.length - 1] < maxSteps) {
    const last = steps[steps.length - 1];
    const near = loss(last) <= target * (1 + evaluation.nearMargin);
    steps.push(Math.min(maxSteps, Math.max(last + 1, Math.ceil(last * (near ? evaluation.nearSpacing : evaluation.spacing)))));
  }
  return steps;
}

/**
 * The synthetic sweep's own config: one measurement of a one-layer d 32 model with 32-token
 * sequences on 20k tokens, the target from a reference run at B = 4. Fixed here (not the demo
 * preset, which changes with the science) so that the fixtures and the tests built on them stay put.
 */
export function syntheticConfig(): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'Synthetic sweep (R = a + b/B)',
    preset: null,
    models: [{ name: 'demo', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 0 }],
    dataSizes: [20_000],
    batchSizes: [4, 8, 16, 32, 64, 128],
    learningRates: { values: [1e-2, 3e-3], exponent: 0, baseBatch: 4 },
    target: { kind: 'reference', batchSize: 4, learningRates: [1e-2] },
    analysis: { overhead: 0.2, baselineBatch: null, interpolate: false },
    evaluation: { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 4096, probeTokens: 0 },
  };
}

export function syntheticResults(options: Partial<SyntheticOptions> = {}): ExperimentResults {
  const o = { ...SYNTHETIC_DEFAULTS, ...options };
  const base = o.config ?? syntheticConfig();
  const config: ExperimentConfig = {
    ...base,
    name: base === o.config ? base.name : 'Synthetic sweep (R = a + b/B)',
    batchSizes: [...o.batchSizes],
    learningRates: { ...base.learningRates, values: [...o.learningRates] },
    seeds: Array.from({ length: o.replicates }, (_, r) => base.seeds[r] ?? { init: r + 1, data: r + 1 }),
  };
  const model = { ...config.models[0], vocabSize: config.models[0].vocabSize || 257 };
  const dataSize = config.dataSizes[0];
  const T = model.context;
  const spread = normalSampler(mulberry32(o.seed));
  const rand = mulberry32(o.seed ^ 0x9e37);
  const jitter = (x: number, rel: number) => x * (1 + rel * (2 * rand() - 1));
  const noiseScale = o.traceSigma / o.gradSq;
  const lossStart = Math.log(model.vocabSize);

  const makeSpec = (role: RunSpec['role'], batchSize: number, peakLr: number, replicate: number, maxSteps: number): RunSpec => {
    const spec: Omit<RunSpec, 'id'> = {
      role,
      model,
      dataSize,
      batchSize,
      microBatch: Math.min(batchSize, o.microBatch),
      peakLr,
      beta1: config.optimizer.beta1,
      beta2: 0.99,
      eps: config.optimizer.eps,
      weightDecay: 0,
      warmupSteps: Math.max(1, Math.round(0.25 * (dataSize / (batchSize * T)))),
      clipNorm: 1,
      ewaDecays: [round(1 - 1 / Math.max(1, 0.1 * maxSteps), 6)],
      maxSteps,
      targetLoss: role === 'reference' ? null : o.target,
      stopAtTarget: role === 'reference' ? false : config.stopAtTarget,
      evaluation: config.evaluation,
      replicate,
      seeds: config.seeds[replicate],
      poolTokens: null,
    };
    return { id: runId(spec), ...spec };
  };

  const makeRun = (spec: RunSpec, crossing: number): RunRecord => {
    const loss = (s: number) => Math.min(lossStart, o.target - o.slope * Math.log(s / crossing));
    const diverged = spec.role === 'sweep' && o.divergeAt.includes(spec.batchSize);
    const censored = spec.role === 'sweep' && o.censorAt.includes(spec.batchSize);
    const lastStep = diverged ? Math.max(1, Math.floor(crossing / 2)) : censored ? Math.max(1, Math.floor(crossing / 2)) : spec.maxSteps;
    const evals: EvalPoint[] = [];
    let stepsToTarget: number | null = null;
    for (const s of evalSteps(lastStep, loss, o.target, config.evaluation)) {
      // Exact losses (not rounded): interpolation must recover the crossing exactly.
      const ewaLoss = diverged && s === lastStep ? NaN : loss(s);
      evals.push({ step: s, tokens: s * spec.batchSize * T, validationTokens: config.evaluation.validationTokens, ewaLoss, ewaLosses: [ewaLoss], rawLoss: round(ewaLoss + 0.02 + 0.01 * rand(), 6) });
      if (spec.role === 'sweep' && stepsToTarget === null && ewaLoss <= o.target) {
        stepsToTarget = s;
        if (config.stopAtTarget) break;
      }
    }
    const stepsDone = evals[evals.length - 1].step;
    const stats: StepStats[] = [];
    for (let s = 1; s <= stepsDone; s += o.stepStride) {
      const g = o.gradSq / (1 + s / 20);
      stats.push({
        step: s,
        trainLoss: round(jitter(loss(s) + 0.05, 0.02), 5),
        lr: spec.peakLr,
        gradNorm: round(Math.sqrt(g * (1 + noiseScale / spec.batchSize)), 5),
        microGradSq: round(jitter(g * (1 + noiseScale / spec.microBatch), 0.1), 5),
        batchGradSq: round(jitter(g * (1 + noiseScale / spec.batchSize), 0.1), 5),
        tokensPerSecond: round(jitter(12000, 0.1), 4),
      });
    }
    const status: RunRecord['status'] = diverged ? 'diverged' : censored ? 'censored' : spec.role === 'reference' ? 'finished' : stepsToTarget !== null ? 'reached-target' : 'finished';
    return {
      spec,
      status,
      evals,
      steps: stats,
      stepsToTarget,
      stepsDone,
      tokensDone: stepsDone * spec.batchSize * T,
      failure: diverged ? { step: stepsDone, reason: `the EWA validation loss became NaN` } : censored ? { step: stepsDone, reason: `past the economy bound: R(B) > ${stepsDone}` } : null,
      wallSeconds: round((stepsDone * spec.batchSize * T) / 12000, 4),
      adapter: 'synthetic (no GPU)',
    };
  };

  const runs: RunRecord[] = [];
  const refB = config.target.kind === 'reference' ? config.target.batchSize : null;
  for (let r = 0; r < o.replicates; r++) {
    if (refB !== null) {
      // The reference ends exactly at the target after D tokens.
      const refSteps = Math.max(1, Math.round(dataSize / (refB * T)));
      runs.push(makeRun(makeSpec('reference', refB, o.learningRates[0], r, refSteps), refSteps));
    }
    for (const B of o.batchSizes) {
      const curve = (o.a + o.b / B) * (r === 0 ? 1 : Math.exp(o.replicateSpread * spread()));
      o.learningRates.forEach((lr, i) => {
        const crossing = curve * o.lrPenalty ** i;
        const cap = config.cap.kind === 'steps' ? config.cap.steps : Math.ceil((config.cap.factor * dataSize) / (B * T));
        runs.push(makeRun(makeSpec('sweep', B, lr, r, cap), crossing));
      });
    }
  }
  const group = measurementKey(model, dataSize);
  return {
    version: RESULTS_VERSION,
    config,
    targets: [{ group, loss: o.target, from: runs.filter((x) => x.spec.role === 'reference').map((x) => x.spec.id) }],
    runs,
    startedAt: '2026-11-22T12:00:00.000Z',
    finishedAt: '2026-11-22T12:03:00.000Z',
    adapter: 'synthetic (no GPU)',
  };
}
