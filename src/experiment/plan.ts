// Expands an experiment config into the runs a sweep trains: for each measurement (a model and a
// data size) and each seed replicate, one run per (batch size, learning rate), plus the
// reference run that sets the target. Pure and deterministic, so a resumed sweep recognises its
// finished runs. The protocol's reasons are in docs/science.md.
import type { BatchPhase, Beta2Rule, DataSourceSpec, ExperimentConfig, LocalCbsConfig, RunRole, RunSpec, SeedPair } from './schema';
import { chooseMicroBatch, type MemoryLimits, type ModelConfig } from '../model/config';
import { paperRow } from '../optim/paper-tables';
import { warmupSteps } from '../optim/schedule';
import { runTokens, stepsForTokens } from './batch-schedule';
import { formatCount } from '../util/format';

export interface PlanContext {
  /** The tokenizer's vocabulary size (models with vocabSize 0 take it). */
  vocabSize: number;
  /** Sequences per micro-batch for this model and batch size (fits the adapter's memory). */
  microBatchFor: (model: ModelConfig, batchSize: number) => number;
}

/**
 * The plan context the app trains with (the runner and the page's estimate): the tokenizer's
 * vocabulary, and micro-batches that fit the adapter, two per step where the config measures the
 * noise scale (microBatchLimit).
 */
export function planContext(config: ExperimentConfig, vocabSize: number, limits: MemoryLimits): PlanContext {
  return { vocabSize, microBatchFor: (model, batchSize) => chooseMicroBatch(model, batchSize, limits, microBatchLimit(config, batchSize)) };
}

/** A model's full shape: what makes two models the same model, whatever their display names. */
export function modelShapeKey(m: ModelConfig): string {
  return `L${m.layers}d${m.dModel}h${m.heads}T${m.context}V${m.vocabSize}`;
}

/**
 * The key of one measurement: the model's full shape and the exact data size. Runs with the same
 * key share a target and a CBS; the scheduler and the analysis both group by it.
 */
export function measurementKey(model: ModelConfig, dataSize: number): string {
  return `${modelShapeKey(model)}|D${dataSize}`;
}

/** How a measurement is named to a person: "demo · D = 40k" (the page, the run list, import warnings). */
export function measurementLabel(modelName: string, dataSize: number): string {
  return `${modelName} · D = ${formatCount(dataSize)}`;
}

/** The budget's step count at batch size B: the steps that D tokens take, D / (B·T). */
export function budgetSteps(dataSize: number, batchSize: number, context: number): number {
  return dataSize / (batchSize * context);
}

export function beta2For(rule: Beta2Rule, batchSize: number, stepsForBudget: number): number {
  switch (rule.kind) {
    case 'fixed':
      return rule.value;
    case 'paper-table':
      return paperRow(batchSize).beta2;
    case 'horizon':
      // A memory of `fraction` of the budget's steps, at least two steps.
      return round6(1 - 1 / Math.max(2, rule.fraction * stepsForBudget));
  }
}

/** EWA decays whose horizons 1/(1 − τ) are the given fractions of the budget's steps (at least one step). */
export function ewaDecaysFor(horizons: readonly number[], stepsForBudget: number): number[] {
  return horizons.map((h) => round6(1 - 1 / Math.max(1, h * stepsForBudget)));
}

function round6(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * The most sequences one micro-batch may hold at this batch size: the batch itself, or half of
 * it when the noise scale is measured (the first micro-batch's gradient is its small batch).
 * The adapter's memory may lower it further (chooseMicroBatch in src/model/config.ts).
 */
export function microBatchLimit(config: ExperimentConfig, batchSize: number): number {
  return config.measureNoiseScale ? Math.max(1, Math.floor(batchSize / 2)) : batchSize;
}

export function learningRatesFor(config: ExperimentConfig, batchSize: number): number[] {
  const { values, exponent, baseBatch } = config.learningRates;
  const factor = (batchSize / baseBatch) ** exponent;
  return values.map((lr) => round6(lr * factor));
}

/**
 * A cell's learning rates in the order its runs go: from the grid's centre (in log) outwards, ties
 * smallest first. The first run at a batch size to reach the target stops the others there, so the
 * likeliest winner goes first and a loser at the grid's edge costs at most the winner's steps,
 * instead of training to its own (later) crossing or to the censoring bound.
 */
export function centreFirst(rates: readonly number[]): number[] {
  if (rates.length === 0) return [];
  const logs = rates.map(Math.log);
  const centre = (Math.min(...logs) + Math.max(...logs)) / 2;
  return rates
    .map((lr, i) => ({ lr, distance: Math.abs(logs[i] - centre) }))
    .sort((p, q) => (Math.abs(p.distance - q.distance) > 1e-9 ? p.distance - q.distance : p.lr - q.lr))
    .map((r) => r.lr);
}

export function maxStepsFor(config: ExperimentConfig, dataSize: number, batchSize: number, context: number): number {
  const tokensPerStep = batchSize * context;
  if (config.cap.kind === 'steps') return config.cap.steps;
  return Math.max(1, Math.ceil((config.cap.factor * dataSize) / tokensPerStep));
}

/**
 * A reference run's seeds: derived from its replicate's, and different from every sweep run's,
 * so that the sweep's run at the reference batch size does not reach the target at exactly D
 * tokens by construction. Reference runs still draw from the same shuffled pool.
 */
export function referenceSeeds(seeds: SeedPair): SeedPair {
  const offset = 0x51ed_5eed;
  return { init: (seeds.init + offset) >>> 0, data: (seeds.data + offset) >>> 0 };
}

export function runId(spec: Omit<RunSpec, 'id'>): string {
  const parts = [
    `${spec.model.name}:${modelShapeKey(spec.model)}`,
    `D${spec.dataSize}`,
    `B${spec.batchSize}`,
    `lr${spec.peakLr}`,
    `s${spec.seeds.init}.${spec.seeds.data}`,
  ];
  switch (spec.role) {
    case 'reference':
      return [...parts, 'ref'].join('|');
    case 'sweep':
      return [...parts, 'sweep'].join('|');
    case 'branch':
      return [...parts, `branch@${spec.branch?.fromStep}`].join('|');
    case 'schedule':
      return [...parts, `schedule:${(spec.batchSchedule ?? []).map((p) => `${p.fromTokens}>${p.batchSize}`).join(',')}`].join('|');
    default:
      return [...parts, spec.role].join('|');
  }
}

/**
 * Training tokens every run of the experiment draws from, for sources read only as far as a run
 * needs (null: the whole dataset, as for the bundled text). The largest need of any run, so that
 * all runs share one shuffled pool and each reads a prefix of the same order.
 */
export function poolTokensFor(data: DataSourceSpec, runs: readonly Omit<RunSpec, 'id' | 'poolTokens'>[]): number | null {
  if (data.kind === 'bundled') return null;
  return Math.max(...runs.map(runTokens));
}

export function planRuns(config: ExperimentConfig, ctx: PlanContext): RunSpec[] {
  if (config.kind === 'local-cbs') return planLocalCbs(config, ctx);
  const runs: Omit<RunSpec, 'id' | 'poolTokens'>[] = [];
  for (const pair of measurementPairs(config)) {
    const model: ModelConfig = { ...pair.model, vocabSize: pair.model.vocabSize || ctx.vocabSize };
    const dataSize = pair.dataSize;
    const make = (batchSize: number, peakLr: number, role: RunRole, replicate: number): Omit<RunSpec, 'id' | 'poolTokens'> => {
      const stepsForBudget = budgetSteps(dataSize, batchSize, model.context);
      const maxSteps = role === 'reference' ? Math.max(1, Math.round(stepsForBudget)) : maxStepsFor(config, dataSize, batchSize, model.context);
      const seeds = role === 'reference' ? referenceSeeds(config.seeds[replicate]) : { ...config.seeds[replicate] };
      return {
        role,
        model,
        dataSize,
        batchSize,
        microBatch: ctx.microBatchFor(model, batchSize),
        peakLr,
        beta1: config.optimizer.beta1,
        beta2: beta2For(config.optimizer.beta2, batchSize, stepsForBudget),
        eps: config.optimizer.eps,
        weightDecay: config.optimizer.weightDecay,
        warmupSteps: warmupSteps(config.optimizer.warmupRatio, dataSize, batchSize, model.context),
        clipNorm: config.optimizer.clipNorm,
        ewaDecays: ewaDecaysFor(config.ewa.horizons, stepsForBudget),
        maxSteps,
        targetLoss: config.target.kind === 'fixed' ? config.target.loss : null,
        // A reference run trains for exactly D tokens: it never stops at a target.
        stopAtTarget: role === 'reference' ? false : config.stopAtTarget,
        evaluation: config.evaluation,
        replicate,
        seeds,
      };
    };
    config.seeds.forEach((_, replicate) => {
      if (config.target.kind === 'reference') {
        const refB = config.target.batchSize;
        for (const lr of config.target.learningRates ?? learningRatesFor(config, refB)) runs.push(make(refB, lr, 'reference', replicate));
      }
      for (const batchSize of config.batchSizes) {
        for (const lr of centreFirst(learningRatesFor(config, batchSize))) runs.push(make(batchSize, lr, 'sweep', replicate));
      }
    });
  }
  const poolTokens = poolTokensFor(config.data, runs);
  return runs.map((r) => {
    const spec = { ...r, poolTokens };
    return { id: runId(spec), ...spec };
  });
}

/** The (model, D) pairs of an experiment: each is one CBS measurement. */
export function measurementPairs(config: ExperimentConfig): { model: ModelConfig; dataSize: number }[] {
  if (config.pairing === 'paired') {
    const n = Math.min(config.models.length, config.dataSizes.length);
    return Array.from({ length: n }, (_, i) => ({ model: config.models[i], dataSize: config.dataSizes[i] }));
  }
  return config.models.flatMap((m) => config.dataSizes.map((dataSize) => ({ model: m, dataSize })));
}

// ---------- local CBS by branching (Merrill et al. 2025; docs/local-cbs.md) ----------

/** The local-CBS settings of a config, or an error for a config of another kind. */
export function localCbsOf(config: ExperimentConfig): LocalCbsConfig {
  if (config.kind !== 'local-cbs' || !config.localCbs) throw new Error(`"${config.name}" is not a local-CBS experiment`);
  return config.localCbs;
}

/** The step of the base run at which it has read `tokens` tokens (checkpoints are multiples of B·T). */
export function checkpointStep(tokens: number, baseBatch: number, context: number): number {
  return Math.round(tokens / (baseBatch * context));
}

/** The step the base run's warmup ends at (its learning rate is at its peak from there on). */
export function baseWarmupSteps(config: ExperimentConfig): number {
  const { baseBatch } = localCbsOf(config);
  return warmupSteps(config.optimizer.warmupRatio, config.dataSizes[0], baseBatch, config.models[0].context);
}

/** Branch steps at multiplier k: Δ / (k·B·T), Δ a multiple of every branch's tokens per step. */
export function branchSteps(local: Pick<LocalCbsConfig, 'branchTokens' | 'baseBatch'>, multiplier: number, context: number): number {
  return Math.max(1, Math.round(local.branchTokens / (multiplier * local.baseBatch * context)));
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The fewest tokens that are a whole number of steps for every branch: the lcm of the k·B·T. */
export function commonBranchTokens(local: Pick<LocalCbsConfig, 'multipliers' | 'baseBatch'>, context: number): number {
  return local.multipliers.map((k) => Math.round(k * local.baseBatch) * context).reduce((a, b) => (a / gcd(a, b)) * b);
}

/**
 * Where a branch at multiplier k evaluates (steps counted from its checkpoint): after Δ, Δ − s,
 * Δ − 2s, … tokens, `count` of them, s = commonBranchTokens; every branch of a checkpoint is
 * evaluated after the same token counts.
 */
export function branchEvalSteps(local: Pick<LocalCbsConfig, 'multipliers' | 'baseBatch' | 'branchTokens'>, multiplier: number, context: number, count: number): number[] {
  const spacing = commonBranchTokens(local, context);
  const perStep = Math.round(multiplier * local.baseBatch) * context;
  const steps: number[] = [];
  for (let j = count - 1; j >= 0; j--) {
    const tokens = local.branchTokens - j * spacing;
    if (tokens > 0) steps.push(tokens / perStep);
  }
  return steps;
}

/**
 * One base run per seed replicate, trained for exactly D tokens at batch B and keeping a
 * checkpoint at each requested token count; from each checkpoint one branch per multiplier k, at
 * batch k·B and peak learning rate √k·η, for Δ tokens. A branch reads the base run's data stream
 * from the checkpoint's position on (the same seeds), so every branch of a checkpoint reads the
 * same Δ new tokens, grouped into batches of different sizes. Its β2 is the one the config's
 * rule gives at k·B, as a sweep run at that batch would have; warmup and EWA decays are the base
 * run's (a branch starts after the warmup and continues its EWA copies).
 */
export function planLocalCbs(config: ExperimentConfig, ctx: PlanContext): RunSpec[] {
  const local = localCbsOf(config);
  const model: ModelConfig = { ...config.models[0], vocabSize: config.models[0].vocabSize || ctx.vocabSize };
  const dataSize = config.dataSizes[0];
  const B = local.baseBatch;
  const T = model.context;
  const baseBudget = budgetSteps(dataSize, B, T);
  const steps = [...new Set(local.checkpoints.map((t) => checkpointStep(t, B, T)))].sort((a, b) => a - b);
  const runs: Omit<RunSpec, 'id' | 'poolTokens'>[] = [];
  const common = {
    model,
    dataSize,
    beta1: config.optimizer.beta1,
    eps: config.optimizer.eps,
    weightDecay: config.optimizer.weightDecay,
    warmupSteps: warmupSteps(config.optimizer.warmupRatio, dataSize, B, T),
    clipNorm: config.optimizer.clipNorm,
    ewaDecays: ewaDecaysFor(config.ewa.horizons, baseBudget),
    targetLoss: null,
    stopAtTarget: false,
    evaluation: config.evaluation,
  };
  config.seeds.forEach((seeds, replicate) => {
    const base: Omit<RunSpec, 'id' | 'poolTokens'> = {
      ...common,
      role: 'base',
      batchSize: B,
      microBatch: ctx.microBatchFor(model, B),
      peakLr: local.learningRate,
      beta2: beta2For(config.optimizer.beta2, B, baseBudget),
      maxSteps: Math.max(1, Math.round(baseBudget)),
      replicate,
      seeds: { ...seeds },
      checkpointSteps: steps,
    };
    runs.push(base);
    const baseId = runId({ ...base, poolTokens: null });
    for (const fromStep of steps) {
      for (const k of local.multipliers) {
        const batchSize = Math.round(k * B);
        runs.push({
          ...common,
          role: 'branch',
          batchSize,
          microBatch: ctx.microBatchFor(model, batchSize),
          peakLr: round6(Math.sqrt(k) * local.learningRate),
          beta2: beta2For(config.optimizer.beta2, batchSize, budgetSteps(dataSize, batchSize, T)),
          maxSteps: fromStep + branchSteps(local, k, T),
          replicate,
          seeds: { ...seeds },
          branch: {
            baseRunId: baseId,
            fromStep,
            fromTokens: fromStep * B * T,
            multiplier: k,
            evalSteps: local.loss === 'validation' ? branchEvalSteps(local, k, T, local.finalEvaluations).map((s) => fromStep + s) : [],
          },
        });
      }
    }
  });
  // The pool is the base run's: a branch reads on from its checkpoint in the same stream.
  const poolTokens = poolTokensFor(config.data, runs);
  return runs.map((r) => ({ ...r, poolTokens, id: runId({ ...r, poolTokens }) }));
}

/**
 * Batch-size warmup against the constant batch (Merrill et al. 2025, section 4): for one base
 * run, a run at the constant batch B and learning rate η, and a run on `schedule`, both to the
 * same target loss (stopping there) and capped at the same tokens (the config's cap at B). Both
 * take the base run's reference seeds: the same data order for the two, not the base run's, so
 * that neither meets the target at D tokens by construction. β2 and the EWA decays stay the
 * base run's through the schedule, as an optimizer's settings do when the batch grows.
 */
export function planWarmupComparison(config: ExperimentConfig, base: RunSpec, schedule: readonly BatchPhase[], targetLoss: number): RunSpec[] {
  const T = base.model.context;
  const capTokens = maxStepsFor(config, base.dataSize, base.batchSize, T) * base.batchSize * T;
  const { id: _id, poolTokens: _pool, checkpointSteps: _points, branch: _branch, batchSchedule: _schedule, ...rest } = base;
  const common = { ...rest, seeds: referenceSeeds(base.seeds), targetLoss, stopAtTarget: true, evaluation: config.evaluation };
  const runs: Omit<RunSpec, 'id' | 'poolTokens'>[] = [
    { ...common, role: 'constant', maxSteps: capTokens / (base.batchSize * T) },
    { ...common, role: 'schedule', batchSchedule: schedule.map((p) => ({ ...p })), maxSteps: stepsForTokens(schedule, capTokens, T) },
  ];
  const poolTokens = poolTokensFor(config.data, runs);
  return runs.map((r) => ({ ...r, poolTokens, id: runId({ ...r, poolTokens }) }));
}
