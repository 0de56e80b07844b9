// Expands an experiment config into the runs a sweep trains: one per (model, data size,
// batch size, learning rate), plus the reference run that sets the target where the target
// comes from one. Pure and deterministic, so a resumed sweep recognises its finished runs.
import type { ExperimentConfig, PerBatchRule, RunSpec } from './schema';
import type { ModelConfig } from '../model/config';
import { capEwaDecay, paperRow } from '../optim/paper-tables';
import { warmupSteps } from '../optim/schedule';

export interface PlanContext {
  /** The tokenizer's vocabulary size (models with vocabSize 0 take it). */
  vocabSize: number;
  /** Sequences per micro-batch for this model and batch size (fits the adapter's memory). */
  microBatchFor: (model: ModelConfig, batchSize: number) => number;
}

export function resolvePerBatch(rule: PerBatchRule, batchSize: number, field: 'beta2' | 'ewaDecay'): number {
  return rule.kind === 'fixed' ? rule.value : paperRow(batchSize)[field];
}

export function learningRatesFor(config: ExperimentConfig, batchSize: number): number[] {
  const { values, sqrtScaling, baseBatch } = config.learningRates;
  const factor = sqrtScaling ? Math.sqrt(batchSize / baseBatch) : 1;
  return values.map((lr) => Number((lr * factor).toPrecision(6)));
}

export function maxStepsFor(config: ExperimentConfig, dataSize: number, batchSize: number, context: number): number {
  const tokensPerStep = batchSize * context;
  if (config.cap.kind === 'steps') return config.cap.steps;
  return Math.max(1, Math.ceil((config.cap.factor * dataSize) / tokensPerStep));
}

export function runId(spec: Omit<RunSpec, 'id'>): string {
  const m = spec.model;
  return [
    `${m.name}:L${m.layers}d${m.dModel}h${m.heads}T${m.context}V${m.vocabSize}`,
    `D${spec.dataSize}`,
    `B${spec.batchSize}`,
    `lr${spec.peakLr}`,
    spec.isReference ? 'ref' : 'sweep',
  ].join('|');
}

export function planRuns(config: ExperimentConfig, ctx: PlanContext): RunSpec[] {
  const runs: RunSpec[] = [];
  for (const pair of measurementPairs(config)) {
    const model: ModelConfig = { ...pair.model, vocabSize: pair.model.vocabSize || ctx.vocabSize };
    const dataSize = pair.dataSize;
    const make = (batchSize: number, peakLr: number, isReference: boolean): RunSpec => {
      const maxSteps = isReference
        ? Math.max(1, Math.round(dataSize / (batchSize * model.context)))
        : maxStepsFor(config, dataSize, batchSize, model.context);
      const tau = capEwaDecay(
        resolvePerBatch(config.ewa.decay, batchSize, 'ewaDecay'),
        maxSteps,
        config.ewa.horizonFraction,
      );
      const spec: Omit<RunSpec, 'id'> = {
        model,
        dataSize,
        batchSize,
        microBatch: ctx.microBatchFor(model, batchSize),
        peakLr,
        beta1: config.optimizer.beta1,
        beta2: resolvePerBatch(config.optimizer.beta2, batchSize, 'beta2'),
        eps: config.optimizer.eps,
        weightDecay: config.optimizer.weightDecay,
        warmupSteps: warmupSteps(config.optimizer.warmupRatio, dataSize, batchSize, model.context),
        clipNorm: config.optimizer.clipNorm,
        ewaDecay: tau,
        maxSteps,
        targetLoss: config.target.kind === 'fixed' ? config.target.loss : null,
        // The reference run must train for exactly D tokens: it never stops at a target.
        stopAtTarget: isReference ? false : config.stopAtTarget,
        evaluation: config.evaluation,
        seeds: config.seeds,
        isReference,
      };
      return { id: runId(spec), ...spec };
    };
    if (config.target.kind === 'reference') {
      const refB = config.target.batchSize;
      const lrs = learningRatesFor(config, refB);
      // The middle of the grid: the reference is one run, the grid's centre its best guess.
      runs.push(make(refB, lrs[Math.floor(lrs.length / 2)], true));
    }
    for (const batchSize of config.batchSizes) {
      for (const lr of learningRatesFor(config, batchSize)) runs.push(make(batchSize, lr, false));
    }
  }
  return runs;
}

/** The (model, D) pairs of an experiment: each is one CBS measurement. */
export function measurementPairs(config: ExperimentConfig): { model: ModelConfig; dataSize: number }[] {
  if (config.pairing === 'paired') {
    const n = Math.min(config.models.length, config.dataSizes.length);
    return Array.from({ length: n }, (_, i) => ({ model: config.models[i], dataSize: config.dataSizes[i] }));
  }
  return config.models.flatMap((m) => config.dataSizes.map((dataSize) => ({ model: m, dataSize })));
}
