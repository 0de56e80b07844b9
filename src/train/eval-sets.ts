// How big a run's validation sets are and how evaluation cuts them into chunks: setup.ts builds
// the sets and the engine with these, the worker's calibration times chunks of this size, and the
// cost model (src/train/cost-model.ts) prices evaluation passes with them. Pure.
import type { RunSpec } from '../experiment/schema';
import { maxMicroBatch, type MemoryLimits } from '../model/config';

/** Sequences of the full validation set a run asks for. */
export function validationSequencesFor(spec: RunSpec): number {
  return Math.max(1, Math.ceil(spec.evaluation.validationTokens / spec.model.context));
}

/**
 * Sequences of the probe, an evenly spread subset of a full set of `fullSequences`; null when
 * there is no real probe (probeTokens 0, or not smaller than the full set): far evaluations then
 * read the full set.
 */
export function probeSequencesFor(spec: RunSpec, fullSequences: number): number | null {
  const probe = Math.min(fullSequences, Math.ceil(spec.evaluation.probeTokens / spec.model.context));
  return probe > 0 && probe < fullSequences ? probe : null;
}

/** Tokens per evaluation chunk on a CPU emulator: small chunks run fastest there (docs/science.md). */
export const FALLBACK_EVAL_CHUNK_TOKENS = 128;

/** What decides an adapter's evaluation chunks. */
export interface EvalAdapter {
  limits: MemoryLimits;
  isFallbackAdapter: boolean;
}

/**
 * Sequences per evaluation chunk. On a GPU, the whole validation set in one chunk when it fits
 * the adapter, else the largest chunk that does (at least the training micro-batch). On the CPU
 * emulator (a fallback adapter), chunks of about FALLBACK_EVAL_CHUNK_TOKENS tokens, which measured
 * 5–12 times faster there than one big chunk.
 */
export function evalChunkSequences(spec: RunSpec, adapter: EvalAdapter): number {
  const fits = maxMicroBatch(spec.model, adapter.limits);
  if (adapter.isFallbackAdapter) return Math.max(1, Math.min(fits, Math.floor(FALLBACK_EVAL_CHUNK_TOKENS / spec.model.context)));
  return Math.max(spec.microBatch, Math.min(validationSequencesFor(spec), fits));
}

/**
 * Sequences one evaluation pass over `sequences` computes: the engine pads the last chunk to the
 * chunk's size, so a pass costs whole chunks (a probe smaller than one chunk costs a full chunk).
 */
export function paddedSequences(sequences: number, chunkSequences: number): number {
  return Math.ceil(sequences / chunkSequences) * chunkSequences;
}
