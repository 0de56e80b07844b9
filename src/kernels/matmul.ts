// Wrapper for shaders/matmul.wgsl: binds buffers and shape uniforms once, returns Dispatches.
//   prepareMatmul       — one dispatch, never split (the simple form; callers that want one Dispatch).
//   prepareMatmulSteps  — one dispatch, or split-K (partial sums into a scratch buffer, then a
//                         deterministic reduction) when the output has too few tiles for the GPU.
// Both pick the kernel from the shape (matmulKernelFor in ./matmul.plan.ts): the barrier-free
// `direct` entry point for small problems, the 64×64 tiled `main` otherwise; `kernel` forces one
// (tests, benchmarks).
import matmulCode from '../../shaders/matmul.wgsl?raw';
import {
  UniformLayout, bindAll, bindAt, createStorage, flatGrid, prefersBarrierFreeKernels, tensorBytes,
  type Dispatch, type GpuContext, type GpuTensor,
} from '../gpu';
import {
  MATMUL_DIRECT_TILE, MATMUL_TILE, SPLIT_K_SHARED_SCRATCH_FLOATS, matmulKernelFor, matmulStrides, planSplitK,
  type MatmulKernel, type MatmulShape, type SplitKPlan,
} from './matmul.plan';

export const MATMUL_SHADER = { name: 'matmul', code: matmulCode };

const layout = new UniformLayout([
  { name: 'M', type: 'u32' },
  { name: 'N', type: 'u32' },
  { name: 'K', type: 'u32' },
  { name: 'strideA', type: 'u32' },
  { name: 'strideB', type: 'u32' },
  { name: 'strideC', type: 'u32' },
  { name: 'alpha', type: 'f32' },
  { name: 'kSplit', type: 'u32' },
  { name: 'splits', type: 'u32' },
  { name: 'batch', type: 'u32' },
]);

/** Allocates a split-K scratch buffer of `floats` floats; the caller owns (and counts) it. */
export type ScratchAllocator = (floats: number, label: string) => GpuTensor;

export interface MatmulArgs extends MatmulShape {
  a: GpuTensor;
  b: GpuTensor;
  c: GpuTensor;
  /** C += alpha·op(A)·op(B) instead of C = … (gradient accumulation across micro-batches). */
  accumulate?: boolean;
  /** Defaults to matmulKernelFor(shape); forcing one is for tests and benchmarks. */
  kernel?: MatmulKernel;
  label?: string;
}

/** Entry point and workgroup grid of a kernel for an output of M×N, `z` deep. */
function kernelLaunch(kernel: MatmulKernel, shape: MatmulShape, z: number): { entry: string; workgroups: [number, number, number] } {
  const tile = kernel === 'direct' ? MATMUL_DIRECT_TILE : MATMUL_TILE;
  return { entry: kernel === 'direct' ? 'direct' : 'main', workgroups: [Math.ceil(shape.N / tile), Math.ceil(shape.M / tile), z] };
}

export interface MatmulStepsArgs extends MatmulArgs {
  /**
   * Where split-K partial sums go when the shape is split: a tensor of at least
   * `plan.scratchFloats` floats (matmuls that run one after another may share one), or a function
   * that allocates it. Default: the device's shared scratch (SPLIT_K_SHARED_SCRATCH_FLOATS,
   * enough for every automatic plan), or for a larger forced split a buffer allocated here.
   */
  scratch?: GpuTensor | ScratchAllocator;
  /** Forces the number of K slices (tests, benchmarks); default: planSplitK's choice. */
  splits?: number;
}

/**
 * One split-K scratch buffer per device, shared by every split matmul on it. Safe because a
 * split's partial pass and its reduction run back to back and WebGPU never overlaps dispatches
 * that write the same buffer; the scratch holds nothing between the two. Created at the first
 * split prepare, lives as long as the device.
 */
const sharedScratch = new WeakMap<GPUDevice, GPUBuffer>();

function deviceScratch(gpu: GpuContext): GPUBuffer {
  let buffer = sharedScratch.get(gpu.device);
  if (!buffer) {
    buffer = createStorage(gpu, SPLIT_K_SHARED_SCRATCH_FLOATS, 'matmul split-K scratch (shared)');
    sharedScratch.set(gpu.device, buffer);
  }
  return buffer;
}

export async function prepareMatmul(gpu: GpuContext, args: MatmulArgs): Promise<Dispatch> {
  const batch = args.batch ?? 1;
  const label = args.label ?? `matmul ${args.M}x${args.K}x${args.N}`;
  const launch = kernelLaunch(args.kernel ?? matmulKernelFor(args, prefersBarrierFreeKernels(gpu.adapter)), args, batch);
  const pipeline = await gpu.pipelines.get(MATMUL_SHADER, launch.entry, {
    TRANS_A: Boolean(args.transA),
    TRANS_B: Boolean(args.transB),
    ACCUMULATE: Boolean(args.accumulate),
  });
  const values = { M: args.M, N: args.N, K: args.K, ...matmulStrides(args), alpha: args.alpha ?? 1, kSplit: Math.max(1, args.K), splits: 1, batch };
  const uniforms = layout.create(gpu, values, label);
  return {
    label,
    pipeline,
    bindGroup: bindAll(gpu, pipeline, [uniforms, args.a, args.b, args.c], label),
    workgroups: launch.workgroups,
  };
}

/** The split-K plan prepareMatmulSteps uses for this shape on this device. */
export function matmulSplitPlan(gpu: GpuContext, shape: MatmulShape, forceSplits?: number): SplitKPlan {
  return planSplitK(shape, gpu.adapter.limits, forceSplits);
}

/**
 * C (+)= alpha·op(A)·op(B) as one dispatch, or as two when split-K pays (see planSplitK):
 * S partial products over K slices into scratch [batch][S][M][N], then a reduction that adds the
 * slices in order (deterministic) and writes or accumulates into C. Everything, the scratch
 * included, is built here once; encoding the returned dispatches allocates nothing.
 */
export async function prepareMatmulSteps(gpu: GpuContext, args: MatmulStepsArgs): Promise<Dispatch[]> {
  const plan = matmulSplitPlan(gpu, args, args.splits);
  if (plan.splits === 1) return [await prepareMatmul(gpu, args)];

  const batch = args.batch ?? 1;
  const label = args.label ?? `matmul ${args.M}x${args.K}x${args.N}`;
  let scratch: GpuTensor;
  if (typeof args.scratch === 'function') scratch = args.scratch(plan.scratchFloats, `${label} split-K scratch`);
  else if (args.scratch) scratch = args.scratch;
  else if (plan.scratchFloats <= SPLIT_K_SHARED_SCRATCH_FLOATS) scratch = deviceScratch(gpu);
  else scratch = createStorage(gpu, plan.scratchFloats, `${label} split-K scratch`);
  if (tensorBytes(scratch) < plan.scratchFloats * 4) {
    throw new Error(`${label}: split-K scratch holds ${tensorBytes(scratch)} bytes, ${plan.scratchFloats * 4} needed.`);
  }

  const launch = kernelLaunch(args.kernel ?? matmulKernelFor(args, prefersBarrierFreeKernels(gpu.adapter)), args, batch * plan.splits);
  const [partialPipeline, reducePipeline] = await Promise.all([
    gpu.pipelines.get(MATMUL_SHADER, launch.entry, { TRANS_A: Boolean(args.transA), TRANS_B: Boolean(args.transB), ACCUMULATE: false }),
    gpu.pipelines.get(MATMUL_SHADER, 'reduce_splits', { ACCUMULATE: Boolean(args.accumulate) }),
  ]);
  const { strideA, strideB, strideC } = matmulStrides(args);
  const common = { M: args.M, N: args.N, K: args.K, strideA, strideB, kSplit: plan.kPerSplit, splits: plan.splits, batch };
  const partialUniforms = layout.create(gpu, { ...common, strideC: args.M * args.N, alpha: 1 }, `${label} split-K partial`);
  const reduceUniforms = layout.create(gpu, { ...common, strideC, alpha: args.alpha ?? 1 }, `${label} split-K reduce`);
  return [
    {
      label: `${label} (split-K ${plan.splits}×${plan.kPerSplit}${launch.entry === 'direct' ? ', direct' : ''})`,
      pipeline: partialPipeline,
      bindGroup: bindAll(gpu, partialPipeline, [partialUniforms, args.a, args.b, scratch], `${label} split-K partial`),
      workgroups: launch.workgroups,
    },
    {
      label: `${label} split-K reduce`,
      pipeline: reducePipeline,
      bindGroup: bindAt(gpu, reducePipeline, [[0, reduceUniforms], [1, scratch], [3, args.c]], `${label} split-K reduce`),
      workgroups: flatGrid(batch * args.M * args.N, 256, gpu.adapter.limits.maxComputeWorkgroupsPerDimension),
    },
  ];
}
