// Everything a run needs before its first step: the token stream and validation set from the
// data pipeline, and the engine on the device. Shared by the worker and the browser tests, so
// that tests exercise the same path as the app.
import type { GpuContext } from '../gpu';
import { maxMicroBatch } from '../model/config';
import {
  prepareData,
  type DatasetSpec,
  type PreparedData,
  type PrepareDataOptions,
  type TextTokenizer,
  type TokenCache,
  type TokenStreamState,
} from '../data';
import type { RunSpec } from '../experiment/schema';
import type { MicroBatch } from './engine';
import { GpuTrainingEngine } from './gpu-engine';
import type { BatchSource, EvalSet } from './run';

export interface RunData {
  source: BatchSource;
  /** The full validation set (it decides the crossing) and the probe that tracks progress far from it. */
  validation: EvalSet;
  probe: EvalSet;
  warnings: string[];
  trainCorpusTokens: number;
}

export async function prepareRunData(
  spec: RunSpec,
  dataset: DatasetSpec,
  tokenizer: TextTokenizer,
  options: Pick<PrepareDataOptions, 'onWarning' | 'onProgress' | 'onShard'> & { cache?: TokenCache | null } = {},
): Promise<RunData> {
  if (tokenizer.vocabSize !== spec.model.vocabSize) {
    throw new Error(`the tokenizer has ${tokenizer.vocabSize} ids but the model expects ${spec.model.vocabSize}`);
  }
  const context = spec.model.context;
  const prepared: PreparedData = await prepareData(dataset, tokenizer, {
    context,
    dataSeed: spec.seeds.data,
    trainTokens: spec.maxSteps * spec.batchSize * context,
    poolTokens: spec.poolTokens,
    validationSequences: Math.max(1, Math.ceil(spec.evaluation.validationTokens / context)),
    cache: options.cache ?? null,
    onWarning: options.onWarning,
    onProgress: options.onProgress,
    onShard: options.onShard,
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
  const full: MicroBatch = { inputs: v.inputs, targets: v.targets, sequences: v.sequences };
  const probeSequences = Math.min(v.sequences, Math.ceil(spec.evaluation.probeTokens / context));
  return {
    source,
    validation: { batches: [full], tokens: v.sequences * context },
    probe: probeSequences > 0 && probeSequences < v.sequences ? { batches: [spreadSubset(full, probeSequences, context)], tokens: probeSequences * context } : { batches: [full], tokens: v.sequences * context },
    warnings: prepared.warnings,
    trainCorpusTokens: prepared.trainCorpusTokens,
  };
}

/** `count` sequences evenly spaced over a batch (every k-th), so a small set samples all of it. */
export function spreadSubset(batch: MicroBatch, count: number, context: number): MicroBatch {
  const stride = Math.floor(batch.sequences / count);
  const inputs = new Uint32Array(count * context);
  const targets = new Uint32Array(count * context);
  for (let i = 0; i < count; i++) {
    const from = i * stride * context;
    inputs.set(batch.inputs.subarray(from, from + context), i * context);
    targets.set(batch.targets.subarray(from, from + context), i * context);
  }
  return { inputs, targets, sequences: count };
}

/** Tokens per evaluation chunk on a CPU emulator: small chunks run fastest there (docs/science.md). */
export const FALLBACK_EVAL_CHUNK_TOKENS = 128;

/**
 * The engine for a run. On a GPU, evaluation takes the whole validation set in one chunk when it
 * fits the adapter, else the largest chunk that does (at least the training micro-batch). On the
 * CPU emulator (a fallback adapter), chunks of about FALLBACK_EVAL_CHUNK_TOKENS tokens, which
 * measured 5–12 times faster there than one big chunk.
 */
export function createEngine(gpu: GpuContext, spec: RunSpec): Promise<GpuTrainingEngine> {
  const validationSequences = Math.max(1, Math.ceil(spec.evaluation.validationTokens / spec.model.context));
  const fits = maxMicroBatch(spec.model, gpu.adapter.limits);
  const evalMicroBatch = gpu.adapter.isFallbackAdapter
    ? Math.max(1, Math.min(fits, Math.floor(FALLBACK_EVAL_CHUNK_TOKENS / spec.model.context)))
    : Math.max(spec.microBatch, Math.min(validationSequences, fits));
  return GpuTrainingEngine.create(gpu, { model: spec.model, microBatch: spec.microBatch, initSeed: spec.seeds.init, ewaCount: spec.ewaDecays.length, evalMicroBatch });
}
