// What an experiment will cost before it starts: parameters, runs, tokens, FLOPs and (given a
// calibrated throughput) wall time, and whether its models fit the adapter. Uses src/model's
// parameter, FLOP and memory formulas. Upper bounds: runs that stop at the target cost less.
import type { ExperimentConfig, TokenizerSpec } from './schema';
import { flopsPerToken, maxMicroBatch, modelConfigErrors, parameterCounts, type MemoryLimits } from '../model/config';
import { learningRatesFor, measurementPairs } from './plan';

export function tokenizerVocab(t: TokenizerSpec): number {
  if (t.kind === 'byte') return 256;
  if (t.kind === 'bpe') return t.vocabSize;
  return 50257;
}

export interface MeasurementEstimate {
  model: string;
  dataSize: number;
  nonEmbeddingParams: number;
  totalParams: number;
  runs: number;
  /** Tokens if every run goes to its cap (plus the reference run's D). */
  maxTokens: number;
  maxFlops: number;
}

export interface ExperimentEstimate {
  measurements: MeasurementEstimate[];
  runs: number;
  maxTokens: number;
  maxFlops: number;
  /** Seconds at the calibrated FLOP/s, divided among workers; null without a calibration. */
  maxWallSeconds: number | null;
  /** Reasons the adapter cannot run this experiment (empty when it can, or when limits are unknown). */
  adapterErrors: string[];
}

/** Cheap and total on valid configs; callers validate first. */
export function estimateExperiment(config: ExperimentConfig, limits: MemoryLimits | null, flopsPerSecond: number | null): ExperimentEstimate {
  const vocab = tokenizerVocab(config.tokenizer);
  const lrs = config.learningRates.values.length;
  const replicates = config.seeds.length;
  const adapterErrors: string[] = [];
  const measurements = measurementPairs(config).map(({ model, dataSize }) => {
    const m = { ...model, vocabSize: model.vocabSize || vocab };
    const counts = parameterCounts(m);
    let tokens = 0;
    for (const B of config.batchSizes) {
      const perStep = B * m.context;
      const steps = config.cap.kind === 'steps' ? config.cap.steps : Math.ceil((config.cap.factor * dataSize) / perStep);
      tokens += lrs * steps * perStep * replicates;
    }
    const references = config.target.kind === 'reference' ? (config.target.learningRates ?? learningRatesFor(config, config.target.batchSize)).length * replicates : 0;
    const runs = config.batchSizes.length * lrs * replicates + references;
    tokens += references * dataSize;
    return {
      model: m.name,
      dataSize,
      nonEmbeddingParams: counts.nonEmbedding,
      totalParams: counts.total,
      runs,
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
  const maxWallSeconds = flopsPerSecond && flopsPerSecond > 0 ? maxFlops / flopsPerSecond / Math.max(1, config.workers) : null;
  return { measurements, runs, maxTokens, maxFlops, maxWallSeconds, adapterErrors };
}
