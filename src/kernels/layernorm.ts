// Wrapper for shaders/layernorm.wgsl: LayerNorm with a scale and no bias (also QK-LayerNorm,
// over the full model width before the split into heads). Shapes are uniforms; variants
// (accumulate dx, accumulate dw) are override constants.
import layerNormCode from '../../shaders/layernorm.wgsl?raw';
import { UniformLayout, createStorage, flatGrid, type Dispatch, type GpuContext, type GpuTensor, bindAt } from '../gpu';
import { LAYERNORM_EPS } from './layernorm.ref';

export const LAYERNORM_SHADER = { name: 'layernorm', code: layerNormCode };
/** Threads per workgroup of the column kernels (dweight_partial, dweight_final). */
const COL_WG = 64;
/** The dw reduction uses at most this many row blocks, so scratch is at most 512·C floats. */
const MAX_ROW_BLOCKS = 512;
const MIN_ROWS_PER_BLOCK = 32;

const layout = new UniformLayout([
  { name: 'rows', type: 'u32' },
  { name: 'cols', type: 'u32' },
  { name: 'eps', type: 'f32' },
  { name: 'rowsPerBlock', type: 'u32' },
]);

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

function assertShape(rows: number, cols: number, what: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`${what}: rows and cols must be positive integers, got ${rows}×${cols}`);
  }
}

function tensorBytes(t: GpuTensor): number {
  if (!('buffer' in t)) return t.size;
  return t.size ?? t.buffer.size - (t.offset ?? 0);
}

export interface LayerNormForwardArgs {
  /** (rows, cols) input. */
  x: GpuTensor;
  /** (cols) scale. */
  weight: GpuTensor;
  /** (rows, cols) output; must not alias x. */
  y: GpuTensor;
  /** (rows) saved for the backward. */
  mean: GpuTensor;
  /** (rows) 1/sqrt(var + eps), saved for the backward. */
  rstd: GpuTensor;
  rows: number;
  cols: number;
  /** Defaults to 1e-5. */
  eps?: number;
  label?: string;
}

/** One dispatch: one workgroup (128 threads) per row. */
export async function prepareLayerNormForward(gpu: GpuContext, args: LayerNormForwardArgs): Promise<Dispatch> {
  assertShape(args.rows, args.cols, 'layerNorm forward');
  const label = args.label ?? `layernorm forward ${args.rows}x${args.cols}`;
  const pipeline = await gpu.pipelines.get(LAYERNORM_SHADER, 'forward');
  const uniforms = layout.create(
    gpu,
    { rows: args.rows, cols: args.cols, eps: args.eps ?? LAYERNORM_EPS, rowsPerBlock: layerNormRowsPerBlock(args.rows) },
    label,
  );
  const bindGroup = bindAt(
    gpu,
    pipeline,
    [[0, uniforms], [1, args.x], [2, args.weight], [3, args.y], [4, args.mean], [5, args.rstd]],
    label,
  );
  return { label, pipeline, bindGroup, workgroups: flatGrid(args.rows, 1) };
}

export interface LayerNormBackwardArgs {
  /** (rows, cols) gradient of the output. */
  dy: GpuTensor;
  /** (rows, cols) the forward's input. */
  x: GpuTensor;
  /** (cols) scale. */
  weight: GpuTensor;
  /** (rows) each, as saved by the forward. */
  mean: GpuTensor;
  rstd: GpuTensor;
  /** (rows, cols) input gradient; must not alias dy or x. */
  dx: GpuTensor;
  /** (cols) weight gradient. */
  dweight: GpuTensor;
  /**
   * At least layerNormScratchFloats(rows, cols) floats for the dw partial sums. When omitted,
   * one is allocated here and lives as long as the returned dispatches.
   */
  scratch?: GpuTensor;
  rows: number;
  cols: number;
  /** dx += … (the residual stream's gradient in a pre-LN block) instead of dx = …. */
  accumulateDx: boolean;
  /** dw += … (default true: sums over micro-batches; zero dw between steps). */
  accumulateDweight?: boolean;
  label?: string;
}

/**
 * Three dispatches, to be encoded in this order: dx (one workgroup per row), then the two
 * fixed-order stages of dw (per row-block partial sums into scratch, then a per-column sum of
 * the blocks). dw is deterministic: no atomics, the same summation order on every run.
 */
export async function prepareLayerNormBackward(gpu: GpuContext, args: LayerNormBackwardArgs): Promise<Dispatch[]> {
  const { rows, cols } = args;
  assertShape(rows, cols, 'layerNorm backward');
  const label = args.label ?? `layernorm backward ${rows}x${cols}`;
  const scratchFloats = layerNormScratchFloats(rows, cols);
  const scratch = args.scratch ?? createStorage(gpu, scratchFloats, `${label} scratch`);
  if (tensorBytes(scratch) < scratchFloats * 4) {
    throw new Error(`${label}: scratch holds ${tensorBytes(scratch) / 4} floats, needs ${scratchFloats}`);
  }
  const accumulateDweight = args.accumulateDweight ?? true;
  const [dxPipeline, partialPipeline, finalPipeline] = await Promise.all([
    gpu.pipelines.get(LAYERNORM_SHADER, 'backward_dx', { ACCUMULATE_DX: args.accumulateDx }),
    gpu.pipelines.get(LAYERNORM_SHADER, 'dweight_partial'),
    gpu.pipelines.get(LAYERNORM_SHADER, 'dweight_final', { ACCUMULATE_DW: accumulateDweight }),
  ]);
  const rowsPerBlock = layerNormRowsPerBlock(rows);
  const uniforms = layout.create(gpu, { rows, cols, eps: LAYERNORM_EPS, rowsPerBlock }, label);
  const colGroups = Math.ceil(cols / COL_WG);
  return [
    {
      label: `${label} dx`,
      pipeline: dxPipeline,
      bindGroup: bindAt(
        gpu,
        dxPipeline,
        [[0, uniforms], [1, args.x], [2, args.weight], [6, args.dy], [7, args.mean], [8, args.rstd], [9, args.dx]],
        `${label} dx`,
      ),
      workgroups: flatGrid(rows, 1),
    },
    {
      label: `${label} dw partial`,
      pipeline: partialPipeline,
      bindGroup: bindAt(
        gpu,
        partialPipeline,
        [[0, uniforms], [1, args.x], [6, args.dy], [7, args.mean], [8, args.rstd], [10, scratch]],
        `${label} dw partial`,
      ),
      workgroups: [colGroups, Math.ceil(rows / rowsPerBlock), 1],
    },
    {
      label: `${label} dw final`,
      pipeline: finalPipeline,
      bindGroup: bindAt(gpu, finalPipeline, [[0, uniforms], [10, scratch], [11, args.dweight]], `${label} dw final`),
      workgroups: [colGroups, 1, 1],
    },
  ];
}
