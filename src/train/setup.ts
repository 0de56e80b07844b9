// Everything a run needs before its first step: the token stream and validation set from the
// data pipeline, and the engine on the device. Shared by the worker and the browser tests, so
// that tests exercise the same path as the app.
import type { GpuContext } from '../gpu';
import { maxMicroBatch } from '../model/config';
import {
  prepareData,
  type DatasetSpec,
  type PreparedData,
  type ProgressCallback,
  type TextTokenizer,
  type TokenCache,
  type TokenStreamState,
} from '../data';
import type { RunSpec } from '../experiment/schema';
import { runTokens } from '../experiment/batch-schedule';
import type { MicroBatch } from './engine';
import { GpuTrainingEngine } from './gpu-engine';
import type { BatchSource } from './run';

export interface RunData {
  source: BatchSource;
  validation: MicroBatch[];
  warnings: string[];
  trainCorpusTokens: number;
}

export async function prepareRunData(
  spec: RunSpec,
  dataset: DatasetSpec,
  tokenizer: TextTokenizer,
  options: { cache?: TokenCache | null; onWarning?: (message: string) => void; onProgress?: ProgressCallback } = {},
): Promise<RunData> {
  if (tokenizer.vocabSize !== spec.model.vocabSize) {
    throw new Error(`the tokenizer has ${tokenizer.vocabSize} ids but the model expects ${spec.model.vocabSize}`);
  }
  const context = spec.model.context;
  const prepared: PreparedData = await prepareData(dataset, tokenizer, {
    context,
    dataSeed: spec.seeds.data,
    trainTokens: runTokens(spec),
    poolTokens: spec.poolTokens,
    validationSequences: Math.max(1, Math.ceil(spec.evaluation.validationTokens / context)),
    cache: options.cache ?? null,
    onWarning: options.onWarning,
    onProgress: options.onProgress,
  });
  const stream = prepared.stream;
  const source: BatchSource = {
    next(sequences) {
      return { ...stream.nextBatch(sequences), sequences };
    },
    position: () => stream.position(),
    restore: (position) => stream.restore(position as TokenStreamState),
  };
  const v = prepared.validation;
  return {
    source,
    validation: [{ inputs: v.inputs, targets: v.targets, sequences: v.sequences }],
    warnings: prepared.warnings,
    trainCorpusTokens: prepared.trainCorpusTokens,
  };
}

/**
 * The engine for a run. Evaluation takes the whole validation set in one chunk when it fits the
 * adapter, else the largest chunk that does (at least the training micro-batch).
 */
export function createEngine(gpu: GpuContext, spec: RunSpec): Promise<GpuTrainingEngine> {
  const validationSequences = Math.max(1, Math.ceil(spec.evaluation.validationTokens / spec.model.context));
  const fits = maxMicroBatch(spec.model, gpu.adapter.limits);
  const evalMicroBatch = Math.max(spec.microBatch, Math.min(validationSequences, fits));
  return GpuTrainingEngine.create(gpu, { model: spec.model, microBatch: spec.microBatch, initSeed: spec.seeds.init, ewaCount: spec.ewaDecays.length, evalMicroBatch });
}
