// Planning for shaders/attention.wgsl, pure (the shape only, no GPU): the shape and its sizes,
// the FLOP count, the limits the kernels hold and the choice between the row and the tiled
// kernels. Layout as in docs/kernels.md: q, k, v, o are (N, C) row-major, N = batch·seqLen,
// C = heads·headDim, head h in columns h·headDim … h·headDim+headDim−1.

export interface AttentionShape {
  batch: number;
  seqLen: number;
  heads: number;
  headDim: number;
}

/** The softmax temperature: scores are q·k / √headDim. */
export function attentionScale(shape: AttentionShape): number {
  return 1 / Math.sqrt(shape.headDim);
}

/** Floats in one (N, C) tensor. */
export function attentionTensorSize(shape: AttentionShape): number {
  return shape.batch * shape.seqLen * shape.heads * shape.headDim;
}

/** Floats in one per-row statistic (lse, delta): batch·heads·seqLen, indexed (b·H + h)·T + t. */
export function attentionRowCount(shape: AttentionShape): number {
  return shape.batch * shape.heads * shape.seqLen;
}

/** Causal (query, key) pairs per head and sequence: T(T+1)/2. */
function causalPairs(shape: AttentionShape): number {
  return (shape.batch * shape.heads * shape.seqLen * (shape.seqLen + 1)) / 2;
}

/**
 * Useful floating-point operations, counting each multiply-add as 2 over the causal pairs only
 * (not the tile padding the kernels compute and discard). Forward: q·kᵀ and p·v (4·hd per pair).
 * Backward, FlashAttention-2 convention: recomputed q·kᵀ, dO·vᵀ, pᵀ·dO, dS·k and dSᵀ·q
 * (10·hd per pair, 2.5× the forward). Softmax exponentials are not counted.
 */
export function attentionFlops(shape: AttentionShape): { forward: number; backward: number } {
  const pairs = causalPairs(shape);
  return { forward: 4 * shape.headDim * pairs, backward: 10 * shape.headDim * pairs };
}
/** Useful FLOPs of one forward and one backward (see attentionFlops), for benchmarks. */
export function attentionForwardFlops(shape: AttentionShape): number {
  return attentionFlops(shape).forward;
}
export function attentionBackwardFlops(shape: AttentionShape): number {
  return attentionFlops(shape).backward;
}

/** The largest head dimension the kernels hold accumulators for (4 slabs of 32). */
export const ATTENTION_MAX_HEAD_DIM = 128;
/** Query rows (forward, dq) or key rows (dk, dv) per workgroup of the tiled kernels; must match BQ/BK in the WGSL. */
export const ATTENTION_TILE = 32;
/** The row kernels serve T up to this (each thread loops over up to T keys or queries) … */
const ROWS_MAX_SEQ = 64;
/** … and head dims up to this (ROW_MAX4 vec4 accumulators per thread in the WGSL). */
export const ATTENTION_ROWS_MAX_HEAD_DIM = 64;

/**
 * Which kernels run a shape: 'rows' (one thread per (b, h, row), no workgroup memory, for
 * T ≤ 64 and hd ≤ 64, where a 32×32 tile would be mostly padding) or 'tiled' (the
 * FlashAttention-style 32-row tiles, for everything longer). `barrierFree` false (real GPUs)
 * keeps the tiled kernels at every shape.
 */
export type AttentionKernel = 'rows' | 'tiled';

export function attentionKernelFor(shape: AttentionShape, barrierFree = true): AttentionKernel {
  return barrierFree && shape.seqLen <= ROWS_MAX_SEQ && shape.headDim <= ATTENTION_ROWS_MAX_HEAD_DIM ? 'rows' : 'tiled';
}

/** Throws on a shape the kernels cannot run: sizes below 1, hd above the maximum, a grid too tall. */
export function assertAttentionShape(shape: AttentionShape): void {
  for (const [name, value] of Object.entries(shape)) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`attention: ${name} must be a positive integer, got ${value}`);
  }
  if (shape.headDim > ATTENTION_MAX_HEAD_DIM) {
    throw new Error(`attention: headDim ${shape.headDim} exceeds the supported ${ATTENTION_MAX_HEAD_DIM}`);
  }
  if (shape.heads > 65535 || shape.batch > 65535) {
    throw new Error('attention: heads and batch must each be at most 65535 (workgroup grid y and z)');
  }
}
