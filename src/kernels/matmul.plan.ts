// Planning for shaders/matmul.wgsl, pure (shape and adapter limits only, no GPU): the shape and
// its batch strides, the kernel choice, the tile constants and the split-K plan. The wrapper
// (./matmul.ts), tests, benchmarks and memory estimates share it, so a given shape on a given
// adapter always runs the same kernel and sums in the same order (deterministic results).

/** C (M×N) = alpha·op(A)·op(B) with op(A) M×K and op(B) K×N, `batch` times over strided matrices. */
export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  batch?: number;
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  /** Elements between consecutive batch matrices; 0 broadcasts. Defaults to the matrix size. */
  strideA?: number;
  strideB?: number;
  strideC?: number;
}

/** The batch strides, each defaulting to its matrix's size (matrices packed back to back). */
export function matmulStrides(s: MatmulShape): { strideA: number; strideB: number; strideC: number } {
  return {
    strideA: s.strideA ?? s.M * s.K,
    strideB: s.strideB ?? s.K * s.N,
    strideC: s.strideC ?? s.M * s.N,
  };
}

// ---- Kernel choice (the shape alone) ----

/**
 * 'tiled': shaders/matmul.wgsl `main`, 64×64 tiles staged through workgroup memory with barriers
 * (the fast one on GPUs at real sizes). 'direct': `direct`, 32×32 blocks of 4×4-per-thread
 * register blocks read straight from global memory, no workgroup memory or barriers (for small
 * problems, which are launch-bound on GPUs, and where barriers dominate on software adapters).
 */
export type MatmulKernel = 'tiled' | 'direct';
/** The output block one `direct` workgroup covers (8×8 threads × 4×4 each). */
export const MATMUL_DIRECT_TILE = 32;
/** Problems of at most this many multiply-adds (M·N·K·batch) take the direct kernel. */
export const MATMUL_DIRECT_MAX_MACS = 2 ** 24;

export function matmulKernelFor(shape: MatmulShape, barrierFree = true): MatmulKernel {
  return barrierFree && shape.M * shape.N * Math.max(1, shape.K) * (shape.batch ?? 1) <= MATMUL_DIRECT_MAX_MACS ? 'direct' : 'tiled';
}

// ---- Split-K plan (the shape and the adapter's limits) ----

/** The 64×64 output tile of shaders/matmul.wgsl, and its K slab. */
export const MATMUL_TILE = 64;
export const MATMUL_BK = 16;
/** Split when the output has fewer tiles than this (about 2× a nominal 128 cores' worth). */
export const SPLIT_K_TARGET_WORKGROUPS = 256;
/** Each split slice sums at least this many K terms (8 slabs), so a slice's work outweighs its partial-sum traffic. */
export const SPLIT_K_MIN_K = 128;
/**
 * Long-K rule: below this many tiles, a K of at least SPLIT_K_LONG_K per slice still splits, into
 * up to SPLIT_K_LONG_TILES / tiles slices (measured on an H100: 256–512-tile outputs with
 * K = 2048–4096 ran 5–15% faster in 2–4 slices, while K ≤ 1024 ran slower split).
 */
export const SPLIT_K_LONG_TILES = 1024;
export const SPLIT_K_LONG_K = 1024;

/**
 * Floats of the one split-K scratch buffer a device shares (16 MiB). The automatic plan never
 * asks for more: planSplitK caps the slices so that S·batch·M·N fits.
 */
export const SPLIT_K_SHARED_SCRATCH_FLOATS = 4 * SPLIT_K_TARGET_WORKGROUPS * MATMUL_TILE * MATMUL_TILE;

/** The adapter limits the split depends on (GpuLimits has them). */
export interface SplitKLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
}

export interface SplitKPlan {
  /** S: 1 means one pass, no scratch. */
  splits: number;
  /** K terms per slice, a multiple of MATMUL_BK; slices cover [s·kPerSplit, min(K, (s+1)·kPerSplit)). */
  kPerSplit: number;
  /** Floats of scratch the partial sums need: S·batch·M·N (0 when unsplit). */
  scratchFloats: number;
}

function planFor(shape: MatmulShape, splits: number): SplitKPlan {
  const K = Math.max(1, shape.K);
  const kPerSplit = Math.ceil(Math.ceil(K / splits) / MATMUL_BK) * MATMUL_BK;
  const s = Math.ceil(K / kPerSplit); // rounding kPerSplit up may leave fewer, all non-empty, slices
  return s <= 1
    ? { splits: 1, kPerSplit: K, scratchFloats: 0 }
    : { splits: s, kPerSplit, scratchFloats: s * (shape.batch ?? 1) * shape.M * shape.N };
}

/**
 * How many K slices to split a matmul into. Depends only on the shape and the adapter's limits,
 * so a given adapter always sums in the same order (deterministic results). Two rules, the larger
 * wins: an output of fewer than SPLIT_K_TARGET_WORKGROUPS tiles gets enough slices of at least
 * SPLIT_K_MIN_K terms to reach about that many workgroups; an output of fewer than
 * SPLIT_K_LONG_TILES tiles with a long K gets up to SPLIT_K_LONG_TILES / tiles slices of at least
 * SPLIT_K_LONG_K terms. The scratch must fit the device's shared one. `forceSplits` (tests,
 * benchmarks) overrides the choice, still within the adapter's limits.
 */
export function planSplitK(shape: MatmulShape, limits: SplitKLimits, forceSplits?: number): SplitKPlan {
  const batch = shape.batch ?? 1;
  const tiles = Math.ceil(shape.M / MATMUL_TILE) * Math.ceil(shape.N / MATMUL_TILE) * batch;
  let want = forceSplits ?? 1;
  if (forceSplits === undefined) {
    const fewTiles = Math.min(Math.floor(shape.K / SPLIT_K_MIN_K), Math.ceil(SPLIT_K_TARGET_WORKGROUPS / tiles));
    const longK = Math.min(Math.floor(shape.K / SPLIT_K_LONG_K), Math.ceil(SPLIT_K_LONG_TILES / tiles));
    want = Math.max(1, fewTiles, longK);
    want = Math.min(want, Math.floor(SPLIT_K_SHARED_SCRATCH_FLOATS / (batch * shape.M * shape.N)));
  }
  const maxBytes = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  want = Math.min(want, Math.floor(limits.maxComputeWorkgroupsPerDimension / batch), Math.floor(maxBytes / (4 * batch * shape.M * shape.N)));
  return planFor(shape, Math.max(1, Math.floor(want)));
}

/** Useful floating-point operations of one matmul, a multiply-add counted as 2. */
export function matmulFlops(shape: MatmulShape): number {
  return 2 * shape.M * shape.N * shape.K * (shape.batch ?? 1);
}
