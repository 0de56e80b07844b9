// Wrapper for shaders/attention.wgsl: fused causal multi-head self-attention, forward and
// backward. Binds buffers and shape uniforms once and returns the Dispatches to encode.
import attentionCode from '../../shaders/attention.wgsl?raw';
import { UniformLayout, bindAll, flatGrid, prefersBarrierFreeKernels, type Dispatch, type GpuContext, type GpuTensor, type PipelineConstants } from '../gpu';
import {
  ATTENTION_ROWS_MAX_HEAD_DIM, ATTENTION_TILE, assertAttentionShape, attentionKernelFor, attentionScale,
  type AttentionKernel, type AttentionShape,
} from './attention.plan';

export const ATTENTION_SHADER = { name: 'attention', code: attentionCode };
const DELTA_PER_GROUP = 64;
/** Threads per workgroup of the one-thread-per-row entry points; must match ROW_WG in the WGSL. */
const ROW_WG = 64;

const layout = new UniformLayout([
  { name: 'B', type: 'u32' },
  { name: 'T', type: 'u32' },
  { name: 'H', type: 'u32' },
  { name: 'hd', type: 'u32' },
  { name: 'C', type: 'u32' },
  { name: 'scale', type: 'f32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
]);

export interface AttentionForwardArgs {
  q: GpuTensor;
  k: GpuTensor;
  v: GpuTensor;
  /** Output (N, C). */
  o: GpuTensor;
  /** Output: log Σ exp(scores) per (b, h, t) row, B·H·T floats at (b·H + h)·T + t. */
  lse: GpuTensor;
  batch: number;
  seqLen: number;
  heads: number;
  headDim: number;
  /** Defaults to attentionKernelFor(shape); 'rows' needs hd ≤ 64. */
  kernel?: AttentionKernel;
  label?: string;
}

export interface AttentionBackwardArgs extends Omit<AttentionForwardArgs, 'o' | 'lse'> {
  /** The forward's output and lse, read only. */
  o: GpuTensor;
  lse: GpuTensor;
  /** ∂L/∂o (N, C), read only. */
  dO: GpuTensor;
  /** Outputs (N, C), overwritten (not accumulated). */
  dq: GpuTensor;
  dk: GpuTensor;
  dv: GpuTensor;
  /** Scratch of B·H·T floats: D = Σ_d dO·o per row, written by the first dispatch. */
  delta: GpuTensor;
}

function shapeOf(args: AttentionShape): AttentionShape {
  const { batch, seqLen, heads, headDim } = args;
  return { batch, seqLen, heads, headDim };
}

function uniformsFor(gpu: GpuContext, shape: AttentionShape, label: string): GPUBuffer {
  assertAttentionShape(shape);
  return layout.create(
    gpu,
    {
      B: shape.batch,
      T: shape.seqLen,
      H: shape.heads,
      hd: shape.headDim,
      C: shape.heads * shape.headDim,
      scale: attentionScale(shape),
      pad0: 0,
      pad1: 0,
    },
    label,
  );
}

function kernelOf(gpu: GpuContext, shape: AttentionShape, requested: AttentionKernel | undefined): AttentionKernel {
  const kernel = requested ?? attentionKernelFor(shape, prefersBarrierFreeKernels(gpu.adapter));
  if (kernel === 'rows' && shape.headDim > ATTENTION_ROWS_MAX_HEAD_DIM) {
    throw new Error(`attention: the row kernels take headDim ≤ ${ATTENTION_ROWS_MAX_HEAD_DIM}, got ${shape.headDim}`);
  }
  return kernel;
}

/** One thread per (b, h, t) row. */
function rowGrid(shape: AttentionShape): [number, number, number] {
  return flatGrid(shape.batch * shape.heads * shape.seqLen, ROW_WG);
}

function tileGrid(shape: AttentionShape): [number, number, number] {
  return [Math.ceil(shape.seqLen / ATTENTION_TILE), shape.heads, shape.batch];
}

function describe(shape: AttentionShape): string {
  return `B${shape.batch} T${shape.seqLen} H${shape.heads} hd${shape.headDim}`;
}

/** One dispatch: o and lse from q, k, v. */
export async function prepareAttentionForward(gpu: GpuContext, args: AttentionForwardArgs): Promise<Dispatch[]> {
  const shape = shapeOf(args);
  const label = args.label ?? `attention forward ${describe(shape)}`;
  const uniforms = uniformsFor(gpu, shape, label);
  const rows = kernelOf(gpu, shape, args.kernel) === 'rows';
  const pipeline = rows
    ? await gpu.pipelines.get(ATTENTION_SHADER, 'forward_rows', { HEAD_DIM: shape.headDim })
    : await gpu.pipelines.get(ATTENTION_SHADER, 'forward');
  return [
    {
      label,
      pipeline,
      bindGroup: bindAll(gpu, pipeline, [uniforms, args.q, args.k, args.v, args.o, args.lse], label),
      workgroups: rows ? rowGrid(shape) : tileGrid(shape),
    },
  ];
}

/** Three dispatches, in order: delta = Σ dO·o per row; dq; dk and dv. */
export async function prepareAttentionBackward(gpu: GpuContext, args: AttentionBackwardArgs): Promise<Dispatch[]> {
  const shape = shapeOf(args);
  const label = args.label ?? `attention backward ${describe(shape)}`;
  const uniforms = uniformsFor(gpu, shape, label);
  const byRow = kernelOf(gpu, shape, args.kernel) === 'rows';
  const constants: PipelineConstants = byRow ? { HEAD_DIM: shape.headDim } : {};
  const suffix = byRow ? '_rows' : '';
  const [deltaPipeline, dqPipeline, dkdvPipeline] = await Promise.all([
    gpu.pipelines.get(ATTENTION_SHADER, 'backward_delta'),
    gpu.pipelines.get(ATTENTION_SHADER, `backward_dq${suffix}`, constants),
    gpu.pipelines.get(ATTENTION_SHADER, `backward_dkdv${suffix}`, constants),
  ]);
  const grid = byRow ? rowGrid(shape) : tileGrid(shape);
  const shared = [uniforms, args.q, args.k, args.v, args.dO, args.lse, args.delta];
  const rows = shape.batch * shape.heads * shape.seqLen;
  return [
    {
      label: `${label} delta`,
      pipeline: deltaPipeline,
      bindGroup: bindAll(gpu, deltaPipeline, [uniforms, args.o, args.dO, args.delta], `${label} delta`),
      workgroups: flatGrid(rows, DELTA_PER_GROUP),
    },
    {
      label: `${label} dq`,
      pipeline: dqPipeline,
      bindGroup: bindAll(gpu, dqPipeline, [...shared, args.dq], `${label} dq`),
      workgroups: grid,
    },
    {
      label: `${label} dk dv`,
      pipeline: dkdvPipeline,
      bindGroup: bindAll(gpu, dkdvPipeline, [...shared, args.dk, args.dv], `${label} dk dv`),
      workgroups: grid,
    },
  ];
}
