// Planning for shaders/layernorm.wgsl, pure (the shape only, no GPU): the default epsilon, how
// many threads share a row in the forward and dx kernels, and how the weight gradient's two-stage
// sum splits the rows.

/** PyTorch's default epsilon, and the model's (src/model/config.ts re-exports it). */
export const LAYER_NORM_EPS = 1e-5;

/** Threads per workgroup of the row kernels (forward, backward_dx); must match WG in the WGSL. */
export const LAYER_NORM_ROW_WG = 256;
/** The dw reduction uses at most this many row blocks, so scratch is at most 512·C floats. */
const MAX_ROW_BLOCKS = 512;
const MIN_ROWS_PER_BLOCK = 32;
/** Columns each thread of a row segment should hold, about. */
const COLS_PER_THREAD = 4;
/** Rows up to this width get one thread each (the barrier-free *_rows entry points). */
const ROWWISE_MAX_COLS = 128;

/** Rows each dw partial sum covers: 32, or more when N > 32·512 so that blocks stay ≤ 512. */
export function layerNormRowsPerBlock(rows: number): number {
  return Math.max(MIN_ROWS_PER_BLOCK, Math.ceil(rows / MAX_ROW_BLOCKS));
}

/**
 * Floats the backward's scratch buffer must hold: ceil(rows / rowsPerBlock) · cols, i.e.
 * ceil(rows/32)·cols, and never more than 512·cols. (N = 8192, C = 2048: 256·2048 floats = 2 MiB.)
 */
export function layerNormScratchFloats(rows: number, cols: number): number {
  return Math.ceil(rows / layerNormRowsPerBlock(rows)) * cols;
}

/**
 * Threads that share one row in the forward and dx kernels: 1 for C ≤ 128 when barrier-free
 * kernels are preferred (one thread per row, no workgroup memory or barriers), else the power of
 * two at or above C/4, from 4 up to 256 (C = 512: 128 threads, 2 rows a workgroup; C ≥ 1024:
 * 256, one row a workgroup).
 */
export function layerNormThreadsPerRow(cols: number, barrierFree = true): number {
  if (barrierFree && cols <= ROWWISE_MAX_COLS) return 1;
  let t = 4;
  while (t < LAYER_NORM_ROW_WG && t * COLS_PER_THREAD < cols) t *= 2;
  return t;
}
