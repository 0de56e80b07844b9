// Wrapper for shaders/layernorm.wgsl: LayerNorm with a scale and no bias (also QK-LayerNorm,
// over the full model width before the split into heads). Shapes are uniforms; variants
// (accumulate dx, accumulate dw) are override constants.
import layerNormCode from '../../shaders/layernorm.wgsl?raw';
import {
  UniformLayout,
  bindAt,
  createStorage,
  flatGrid,
  prefersBarrierFreeKernels,
  tensorBytes,
  type Dispatch,
  type GpuContext,
  type GpuTensor,
  type PipelineConstants,
} from '../gpu';
import { LAYER_NORM_EPS, LAYER_NORM_ROW_WG, layerNormRowsPerBlock, layerNormScratchFloats, layerNormThreadsPerRow } from './layernorm.plan';

export const LAYERNORM_SHADER = { name: 'layernorm', code: layerNormCode };
/** Threads per workgroup of the column kernels (dweight_partial, dweight_final). */
const COL_WG = 64;
/** Workgroup size of the one-thread-per-row entry points; must match the WGSL. */
const ROWWISE_WG = 64;

const layout = new UniformLayout([
  { name: 'rows', type: 'u32' },
  { name: 'cols', type: 'u32' },
  { name: 'eps', type: 'f32' },
  { name: 'rowsPerBlock', type: 'u32' },
]);

function threadsPerRowOf(gpu: GpuContext, cols: number, requested: number | undefined, what: string): number {
  const t = requested ?? layerNormThreadsPerRow(cols, prefersBarrierFreeKernels(gpu.adapter));
  if (!Number.isInteger(t) || t < 1 || t > LAYER_NORM_ROW_WG || (t & (t - 1)) !== 0) {
    throw new Error(`${what}: threadsPerRow must be a power of two in 1…${LAYER_NORM_ROW_WG}, got ${t}`);
  }
  return t;
}

/** The row kernels' entry point and grid: 256 / threadsPerRow rows per workgroup, or one row a thread. */
function rowKernel(
  entry: 'forward' | 'backward_dx',
  rows: number,
  threadsPerRow: number,
): { entry: string; grid: [number, number, number]; constants: PipelineConstants } {
  if (threadsPerRow === 1) return { entry: `${entry}_rows`, grid: flatGrid(rows, ROWWISE_WG), constants: {} };
  return { entry, grid: flatGrid(rows, LAYER_NORM_ROW_WG / threadsPerRow), constants: { THREADS_PER_ROW: threadsPerRow } };
}

function assertShape(rows: number, cols: number, what: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new Error(`${what}: rows and cols must be positive integers, got ${rows}×${cols}`);
  }
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
  /** Defaults to LAYER_NORM_EPS (1e-5). */
  eps?: number;
  /** Threads per row (power of two ≤ 256); defaults to layerNormThreadsPerRow(cols). */
  threadsPerRow?: number;
  label?: string;
}

/** One dispatch: 256-thread workgroups, threadsPerRow threads on each row. */
export async function prepareLayerNormForward(gpu: GpuContext, args: LayerNormForwardArgs): Promise<Dispatch> {
  assertShape(args.rows, args.cols, 'layerNorm forward');
  const label = args.label ?? `layernorm forward ${args.rows}x${args.cols}`;
  const threadsPerRow = threadsPerRowOf(gpu, args.cols, args.threadsPerRow, label);
  const kernel = rowKernel('forward', args.rows, threadsPerRow);
  const pipeline = await gpu.pipelines.get(LAYERNORM_SHADER, kernel.entry, kernel.constants);
  const uniforms = layout.create(
    gpu,
    { rows: args.rows, cols: args.cols, eps: args.eps ?? LAYER_NORM_EPS, rowsPerBlock: layerNormRowsPerBlock(args.rows) },
    label,
  );
  const bindGroup = bindAt(
    gpu,
    pipeline,
    [[0, uniforms], [1, args.x], [2, args.weight], [3, args.y], [4, args.mean], [5, args.rstd]],
    label,
  );
  return { label, pipeline, bindGroup, workgroups: kernel.grid };
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
  /** Threads per row of the dx kernel (power of two ≤ 256); defaults to layerNormThreadsPerRow(cols). */
  threadsPerRow?: number;
  label?: string;
}

/**
 * Three dispatches, to be encoded in this order: dx (threadsPerRow threads a row), then the two
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
  const threadsPerRow = threadsPerRowOf(gpu, cols, args.threadsPerRow, label);
  const dxKernel = rowKernel('backward_dx', rows, threadsPerRow);
  const [dxPipeline, partialPipeline, finalPipeline] = await Promise.all([
    gpu.pipelines.get(LAYERNORM_SHADER, dxKernel.entry, { ACCUMULATE_DX: args.accumulateDx, ...dxKernel.constants }),
    gpu.pipelines.get(LAYERNORM_SHADER, 'dweight_partial'),
    gpu.pipelines.get(LAYERNORM_SHADER, 'dweight_final', { ACCUMULATE_DW: accumulateDweight }),
  ]);
  const rowsPerBlock = layerNormRowsPerBlock(rows);
  const uniforms = layout.create(gpu, { rows, cols, eps: LAYER_NORM_EPS, rowsPerBlock }, label);
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
      workgroups: dxKernel.grid,
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
