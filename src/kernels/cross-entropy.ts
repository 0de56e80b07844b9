// Wrappers for shaders/cross-entropy.wgsl: fused softmax cross-entropy (per-row losses, dlogits
// written in place over the logits) and a fixed-order sum of the per-row losses.
import crossEntropyCode from '../../shaders/cross-entropy.wgsl?raw';
import { UniformLayout, bindAll, flatGrid, prefersBarrierFreeKernels, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';
import { CROSS_ENTROPY_WG, crossEntropyThreadsPerRow } from './cross-entropy.plan';

export const CROSS_ENTROPY_SHADER = { name: 'cross-entropy', code: crossEntropyCode };
/** Workgroup size of main_rows; must match the WGSL. */
const ROWWISE_WG = 64;

const layout = new UniformLayout([
  { name: 'rows', type: 'u32' },
  { name: 'vocab', type: 'u32' },
  { name: 'scale', type: 'f32' },
  { name: 'pad', type: 'u32' },
]);

const sumLayout = new UniformLayout([
  { name: 'count', type: 'u32' },
  { name: 'slot', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
]);

export interface CrossEntropyArgs {
  /** (rows, vocab) f32 logits; overwritten with dlogits. */
  logits: GpuTensor;
  /** rows u32 targets; 0xFFFFFFFF (or any id ≥ vocab) marks padding. */
  targets: GpuTensor;
  /** rows f32: −log softmax at the target, 0 for ignored rows. */
  losses: GpuTensor;
  rows: number;
  vocab: number;
  /** dlogits = (softmax − onehot)·scale; the trainer passes 1 / (non-ignored targets in the whole step). */
  scale: number;
  label?: string;
  maxGroupsPerDim?: number;
  /** Threads per row (power of two ≤ 256); defaults to crossEntropyThreadsPerRow(vocab). */
  threadsPerRow?: number;
}

export interface CrossEntropy {
  dispatch: Dispatch;
  /** Sets the gradient scale for the next dispatch (queue order). */
  update(scale: number): void;
}

export async function prepareCrossEntropy(gpu: GpuContext, args: CrossEntropyArgs): Promise<CrossEntropy> {
  const label = args.label ?? `cross-entropy ${args.rows}x${args.vocab}`;
  if (args.rows * args.vocab > 2 ** 32 - 1) throw new Error(`${label}: rows·vocab must fit in u32`);
  const threadsPerRow = args.threadsPerRow ?? crossEntropyThreadsPerRow(args.vocab, prefersBarrierFreeKernels(gpu.adapter));
  if (!Number.isInteger(threadsPerRow) || threadsPerRow < 1 || threadsPerRow > CROSS_ENTROPY_WG || (threadsPerRow & (threadsPerRow - 1)) !== 0) {
    throw new Error(`${label}: threadsPerRow must be a power of two in 1…${CROSS_ENTROPY_WG}, got ${threadsPerRow}`);
  }
  const rowwise = threadsPerRow === 1;
  const pipeline = rowwise
    ? await gpu.pipelines.get(CROSS_ENTROPY_SHADER, 'main_rows')
    : await gpu.pipelines.get(CROSS_ENTROPY_SHADER, 'main', { THREADS_PER_ROW: threadsPerRow });
  const values = (scale: number) => ({ rows: args.rows, vocab: args.vocab, scale, pad: 0 });
  const uniforms = layout.create(gpu, values(args.scale), label);
  return {
    dispatch: {
      label,
      pipeline,
      bindGroup: bindAll(gpu, pipeline, [uniforms, args.logits, args.targets, args.losses], label),
      // One row per thread, or 256 / threadsPerRow rows per workgroup.
      workgroups: flatGrid(args.rows, rowwise ? ROWWISE_WG : CROSS_ENTROPY_WG / threadsPerRow, args.maxGroupsPerDim),
    },
    update(scale) {
      layout.write(gpu, uniforms, values(scale));
    },
  };
}

export interface LossSumArgs {
  /** count f32 per-row losses. */
  losses: GpuTensor;
  count: number;
  /** f32 output buffer (e.g. the step's stats buffer). */
  out: GpuTensor;
  /** Float index in `out` that receives the sum. */
  slot: number;
  /** out[slot] += sum (to sum over micro-batches) instead of out[slot] = sum. */
  accumulate?: boolean;
  label?: string;
}

/** Σ losses in a fixed order (one workgroup), written to out[slot]. */
export async function prepareLossSum(gpu: GpuContext, args: LossSumArgs): Promise<Dispatch> {
  const label = args.label ?? `loss sum ${args.count}`;
  const pipeline = await gpu.pipelines.get(CROSS_ENTROPY_SHADER, 'sumLosses', { ACCUMULATE: Boolean(args.accumulate) });
  const uniforms = sumLayout.create(gpu, { count: args.count, slot: args.slot, pad0: 0, pad1: 0 }, label);
  return {
    label,
    pipeline,
    bindGroup: bindAll(gpu, pipeline, [uniforms, args.losses, args.out], label),
    workgroups: [1, 1, 1],
  };
}
