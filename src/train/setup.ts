// Everything a run needs before its first step: the token stream and validation set from the
// data pipeline, and the engine on the device. Shared by the worker and the browser tests, so
// that tests exercise the same path as the app.
import type { GpuContext } from '../gpu';
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
import { runTokens } from '../experiment/batch-schedule';
import type { MicroBatch } from './engine';
import { GpuTrainingEngine } from './gpu-engine';
import type { BatchSource, EvalSet } from './run';
import { evalChunkSequences, probeSequencesFor, validationSequencesFor } from './eval-sets';

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
    trainTokens: runTokens(spec),
    poolTokens: spec.poolTokens,
    validationSequences: validationSequencesFor(spec),
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
  const validation: EvalSet = { batches: [full], tokens: v.sequences * context };
  const probeSequences = probeSequencesFor(spec, v.sequences);
  return {
    source,
    validation,
    // Without a real probe, the very set: trainRun then takes a far reading near the target as the
    // full set's, instead of reading the same set again as its anchor.
    probe: probeSequences !== null ? { batches: [spreadSubset(full, probeSequences, context)], tokens: probeSequences * context } : validation,
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

/** The engine for a run, evaluating in the adapter's chunks (evalChunkSequences in ./eval-sets.ts). */
export function createEngine(gpu: GpuContext, spec: RunSpec): Promise<GpuTrainingEngine> {
  const evalMicroBatch = evalChunkSequences(spec, gpu.adapter);
  return GpuTrainingEngine.create(gpu, { model: spec.model, microBatch: spec.microBatch, initSeed: spec.seeds.init, ewaCount: spec.ewaDecays.length, evalMicroBatch });
}
