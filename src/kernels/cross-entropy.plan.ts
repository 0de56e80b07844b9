// Planning for shaders/cross-entropy.wgsl, pure (the vocabulary only, no GPU): the id that marks
// padding, and how many threads share one row of logits.

/**
 * A target of 0xFFFFFFFF marks padding: no loss, no gradient (the kernel ignores any id ≥ vocab).
 * The model's too (src/model/config.ts re-exports it).
 */
export const IGNORE_TARGET = 0xffffffff;

/** Threads per workgroup of the main kernel; must match WG in the WGSL. */
export const CROSS_ENTROPY_WG = 256;
/** Columns each thread of a row segment should hold, about. */
const COLS_PER_THREAD = 8;
/** Vocabularies up to this size get one thread per row (the barrier-free main_rows). */
const ROWWISE_MAX_VOCAB = 512;

/**
 * Threads that share one row: 1 for V ≤ 512 when barrier-free kernels are preferred (one thread
 * per row, no workgroup memory or barriers), else the power of two at or above V/8, from 4 up to
 * 256 (V = 1024: 128 threads, 2 rows a workgroup; V ≥ 2048: 256 threads, one row a workgroup).
 */
export function crossEntropyThreadsPerRow(vocab: number, barrierFree = true): number {
  if (barrierFree && vocab <= ROWWISE_MAX_VOCAB) return 1;
  let t = 4;
  while (t < CROSS_ENTROPY_WG && t * COLS_PER_THREAD < vocab) t *= 2;
  return t;
}
