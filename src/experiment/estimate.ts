// What an experiment will cost before it starts: its runs as the runner plans them (planRuns, with
// the tokenizer's real vocabulary), parameters, tokens and FLOPs at most, and whether its models
// fit the adapter. Uses src/model's parameter, FLOP and memory formulas. Tokens and FLOPs are
// upper bounds (every run to its cap); the predicted wall time, which counts where runs stop, the
// evaluations and data preparation, is src/train/progress.ts's forecast of this plan.
import type { ExperimentConfig, RunSpec, TokenizerSpec } from './schema';
import { BYTE_VOCAB_SIZE, GPT2_VOCAB_SIZE } from '../data/vocab';
import { flopsPerToken, maxMicroBatch, modelConfigErrors, parameterCounts, type MemoryLimits } from '../model/config';
import { maxStepsFor, measurementKey, measurementPairs, planContext, planRuns, type PlanContext } from './plan';
import { trainedTokens } from './batch-schedule';

export function tokenizerVocab(t: TokenizerSpec): number {
  if (t.kind === 'byte') return BYTE_VOCAB_SIZE;
  if (t.kind === 'bpe') return t.vocabSize;
  return GPT2_VOCAB_SIZE;
}

export interface MeasurementEstimate {
  model: string;
  dataSize: number;
  nonEmbeddingParams: number;
  totalParams: number;
  runs: number;
  /** Tokens if every run goes to its cap (a reference trains D tokens, rounded to whole steps). */
  maxTokens: number;
  maxFlops: number;
}

export interface ExperimentEstimate {
  /** The runs the experiment will train, as the runner plans them (the vocabulary from the tokenizer spec). */
  plan: RunSpec[];
  measurements: MeasurementEstimate[];
  runs: number;
  maxTokens: number;
  maxFlops: number;
  /** Reasons the adapter cannot run this experiment (empty when it can, or when limits are unknown). */
  adapterErrors: string[];
}

/**
 * The plan context for an estimate: the adapter's micro-batches where the model fits (a model that
 * does not is reported in adapterErrors, and planned one sequence at a time here).
 */
function estimateContext(config: ExperimentConfig, vocabSize: number, limits: MemoryLimits | null): PlanContext {
  const ctx = limits ? planContext(config, vocabSize, limits) : null;
  return {
    vocabSize,
    microBatchFor: (model, batchSize) => {
      try {
        return ctx ? ctx.microBatchFor(model, batchSize) : 1;
      } catch {
        return 1;
      }
    },
  };
}

/** Cheap and total on valid configs; callers validate first. Wall time: forecastExperiment (src/train/progress.ts) prices this plan. */
export function estimateExperiment(config: ExperimentConfig, limits: MemoryLimits | null): ExperimentEstimate {
  const vocab = tokenizerVocab(config.tokenizer);
  const plan = planRuns(config, estimateContext(config, vocab, limits));
  const adapterErrors: string[] = [];
  const measurements = measurementPairs(config).map(({ model, dataSize }) => {
    const m = { ...model, vocabSize: model.vocabSize || vocab };
    const counts = parameterCounts(m);
    const key = measurementKey(m, dataSize);
    const runs = plan.filter((r) => measurementKey(r.model, r.dataSize) === key);
    const comparison = warmupComparisonCost(config, runs);
    const tokens = runs.reduce((s, r) => s + trainedTokens(r), 0) + comparison.tokens;
    return {
      model: m.name,
      dataSize,
      nonEmbeddingParams: counts.nonEmbedding,
      totalParams: counts.total,
      runs: runs.length + comparison.runs,
      maxTokens: tokens,
      maxFlops: tokens * flopsPerToken(m).total,
    };
  });
  if (limits) {
    for (const model of config.models) {
      const m = { ...model, vocabSize: model.vocabSize || vocab };
      if (modelConfigErrors(m).length > 0) continue;
      if (maxMicroBatch(m, limits) < 1) {
        adapterErrors.push(
          `Model "${m.name}" does not fit this adapter even one sequence at a time (context ${m.context}, vocabulary ${m.vocabSize}, ` +
            `max buffer ${Math.round(Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize) / 2 ** 20)} MiB): choose a smaller model, context or vocabulary.`,
        );
      }
      const paramBytes = parameterCounts(m).total * 4;
      if (paramBytes > Math.min(limits.maxBufferSize, limits.maxStorageBufferBindingSize)) {
        adapterErrors.push(`Model "${m.name}" has ${(paramBytes / 2 ** 20).toFixed(0)} MiB of parameters, more than this adapter's largest buffer.`);
      }
    }
  }
  const runs = measurements.reduce((s, m) => s + m.runs, 0);
  const maxTokens = measurements.reduce((s, m) => s + m.maxTokens, 0);
  const maxFlops = measurements.reduce((s, m) => s + m.maxFlops, 0);
  return { plan, measurements, runs, maxTokens, maxFlops, adapterErrors };
}

/**
 * A local-CBS experiment's batch-size warmup comparison, planned only once its curve is measured
 * (planWarmupComparison): per base run, a constant-batch run and a scheduled run, each at most the
 * cap's tokens at the base batch.
 */
function warmupComparisonCost(config: ExperimentConfig, runs: readonly RunSpec[]): { runs: number; tokens: number } {
  if (config.kind !== 'local-cbs' || !config.localCbs?.compareSchedule) return { runs: 0, tokens: 0 };
  const bases = runs.filter((r) => r.role === 'base');
  const capTokens = (r: RunSpec) => maxStepsFor(config, r.dataSize, r.batchSize, r.model.context) * r.batchSize * r.model.context;
  return { runs: 2 * bases.length, tokens: bases.reduce((s, r) => s + 2 * capTokens(r), 0) };
}
