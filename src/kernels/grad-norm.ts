// Wrapper for shaders/grad-norm.wgsl: the global gradient norm as two deterministic dispatches,
// leaving Σ g² in stats[slot] and its square root in stats[slot + 1] on the GPU, so that AdamW's
// clipping can read it without a readback and the trainer can read every scalar at once later.
import gradNormCode from '../../shaders/grad-norm.wgsl?raw';
import { UniformLayout, bindAll, flatGrid, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';
import { GRAD_NORM_CHUNK } from './grad-norm.plan';

export const GRAD_NORM_SHADER = { name: 'grad-norm', code: gradNormCode };

const layout = new UniformLayout([
  { name: 'count', type: 'u32' },
  { name: 'slot', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
]);

export interface GradNormArgs {
  /** The flat gradient buffer (or a slice). */
  grads: GpuTensor;
  count: number;
  /** At least gradNormScratchCount(count) floats; may be shared by several GradNorm dispatches run in sequence. */
  scratch: GpuTensor;
  /** f32 stats buffer: receives Σ g² at [slot] and the norm at [slot + 1]. */
  stats: GpuTensor;
  slot: number;
  label?: string;
  maxGroupsPerDim?: number;
}

/** [partial sums, final sum]: encode both, in this order. */
export async function prepareGradNorm(gpu: GpuContext, args: GradNormArgs): Promise<Dispatch[]> {
  const label = args.label ?? `grad norm ${args.count}`;
  const [partial, finalize] = await Promise.all([
    gpu.pipelines.get(GRAD_NORM_SHADER, 'partial'),
    gpu.pipelines.get(GRAD_NORM_SHADER, 'finalize'),
  ]);
  const uniforms = layout.create(gpu, { count: args.count, slot: args.slot, pad0: 0, pad1: 0 }, label);
  return [
    {
      label: `${label}: partials`,
      pipeline: partial,
      bindGroup: bindAll(gpu, partial, [uniforms, args.grads, args.scratch], `${label}: partials`),
      workgroups: flatGrid(args.count, GRAD_NORM_CHUNK, args.maxGroupsPerDim),
    },
    {
      label: `${label}: final`,
      pipeline: finalize,
      bindGroup: bindAll(gpu, finalize, [uniforms, args.scratch, args.stats], `${label}: final`),
      workgroups: [1, 1, 1],
    },
  ];
}
