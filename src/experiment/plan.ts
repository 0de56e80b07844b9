// Expands an experiment config into the runs a sweep trains: for each measurement (a model and a
// data size) and each seed replicate, one run per (batch size, learning rate), plus the
// reference run that sets the target. Pure and deterministic, so a resumed sweep recognises its
// finished runs. The protocol's reasons are in docs/science.md.
import type { Beta2Rule, DataSourceSpec, ExperimentConfig, RunRole, RunSpec, SeedPair } from './schema';
import type { ModelConfig } from '../model/config';
import { paperRow } from '../optim/paper-tables';
import { warmupSteps } from '../optim/schedule';

export interface PlanContext {
  /** The tokenizer's vocabulary size (models with vocabSize 0 take it). */
  vocabSize: number;
  /** Sequences per micro-batch for this model and batch size (fits the adapter's memory). */
  microBatchFor: (model: ModelConfig, batchSize: number) => number;
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
  return [
    `${spec.model.name}:${modelShapeKey(spec.model)}`,
    `D${spec.dataSize}`,
    `B${spec.batchSize}`,
    `lr${spec.peakLr}`,
    `s${spec.seeds.init}.${spec.seeds.data}`,
    spec.role === 'reference' ? 'ref' : 'sweep',
  ].join('|');
}

/**
 * Training tokens every run of the experiment draws from, for sources read only as far as a run
 * needs (null: the whole dataset, as for the bundled text). The largest need of any run, so that
 * all runs share one shuffled pool and each reads a prefix of the same order.
 */
export function poolTokensFor(data: DataSourceSpec, runs: readonly Omit<RunSpec, 'id' | 'poolTokens'>[]): number | null {
  if (data.kind === 'bundled') return null;
  return Math.max(...runs.map((r) => r.maxSteps * r.batchSize * r.model.context));
}

export function planRuns(config: ExperimentConfig, ctx: PlanContext): RunSpec[] {
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
        for (const lr of learningRatesFor(config, batchSize)) runs.push(make(batchSize, lr, 'sweep', replicate));
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
