// Wrappers for shaders/ewa.wgsl: the exponentially weighted average of the weights, updated after
// each optimizer step, and its debiased copy for evaluation.
//
// τ is ewaDecay, the run spec's name for it.
//
// Debiasing assumes τ fixed over the run (as the paper does): the weights of the average then sum
// to 1 − τ^t, and evaluation uses wbar / (1 − τ^t). Were τ to change, the sum is 1 − Π_s τ_s;
// setWeightSum(that) gives it directly.
import ewaCode from '../../shaders/ewa.wgsl?raw';
import { UniformLayout, bindAll, flatGrid, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';

export const EWA_SHADER = { name: 'ewa', code: ewaCode };
const WORKGROUP = 256;

const layout = new UniformLayout([
  { name: 'count', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
  { name: 'pad2', type: 'u32' },
  { name: 'ewaDecay', type: 'f32' },
  { name: 'oneMinusEwaDecay', type: 'f32' },
  { name: 'invBias', type: 'f32' },
  { name: 'pad3', type: 'f32' },
]);

/** 1 / (1 − τ^t), τ as the kernel holds it (float32): removes the zero start's bias after t steps at a fixed τ. */
export function ewaDebiasFactor(ewaDecay: number, step: number): number {
  if (!Number.isInteger(step) || step < 1) throw new Error(`EWA debias needs a step ≥ 1, got ${step}`);
  if (!(ewaDecay >= 0 && ewaDecay < 1)) throw new Error(`EWA decay must be in [0, 1), got ${ewaDecay}`);
  return 1 / (1 - Math.fround(ewaDecay) ** step);
}

/**
 * τ is rounded to float32 once, and 1 − τ and the debias factor are taken from that same value
 * (1 − τ is then exact in float32), so the average's weights sum to exactly 1 − τ^t and a
 * constant θ debiases to itself.
 */
function values(count: number, ewaDecay: number, invBias: number): Record<string, number> {
  const ewaDecay32 = Math.fround(ewaDecay);
  return { count, pad0: 0, pad1: 0, pad2: 0, ewaDecay: ewaDecay32, oneMinusEwaDecay: 1 - ewaDecay32, invBias, pad3: 0 };
}

export interface EwaArgs {
  /** θ: the flat parameter buffer. */
  params: GpuTensor;
  /** wbar: same size, zero-initialised by the caller (new buffers are zero). */
  ewa: GpuTensor;
  count: number;
  ewaDecay: number;
  label?: string;
  maxGroupsPerDim?: number;
}

export interface Ewa {
  /** wbar ← τ·wbar + (1 − τ)·θ. */
  dispatch: Dispatch;
  update(args: { ewaDecay: number }): void;
}

export async function prepareEwa(gpu: GpuContext, args: EwaArgs): Promise<Ewa> {
  const label = args.label ?? `ewa ${args.count}`;
  const pipeline = await gpu.pipelines.get(EWA_SHADER, 'update');
  const uniforms = layout.create(gpu, values(args.count, args.ewaDecay, 1), label);
  return {
    dispatch: {
      label,
      pipeline,
      bindGroup: bindAll(gpu, pipeline, [uniforms, args.params, args.ewa], label),
      workgroups: flatGrid(args.count, WORKGROUP, args.maxGroupsPerDim),
    },
    update({ ewaDecay }) {
      layout.write(gpu, uniforms, values(args.count, ewaDecay, 1));
    },
  };
}

export interface EwaDebiasArgs {
  /** wbar. Read only. */
  ewa: GpuTensor;
  /** The evaluation copy: out = wbar / (1 − τ^t). */
  out: GpuTensor;
  count: number;
  ewaDecay: number;
  /** Optimizer steps taken so far (≥ 1); defaults to 1 and is normally set by update before use. */
  step?: number;
  label?: string;
  maxGroupsPerDim?: number;
}

export interface EwaDebias {
  dispatch: Dispatch;
  update(args: { ewaDecay: number; step: number }): void;
  /** For a τ that varied: pass 1 − Π τ_s, the total weight the average holds. */
  setWeightSum(weightSum: number): void;
}

export async function prepareEwaDebias(gpu: GpuContext, args: EwaDebiasArgs): Promise<EwaDebias> {
  const label = args.label ?? `ewa debias ${args.count}`;
  const pipeline = await gpu.pipelines.get(EWA_SHADER, 'debias');
  const uniforms = layout.create(gpu, values(args.count, args.ewaDecay, ewaDebiasFactor(args.ewaDecay, args.step ?? 1)), label);
  return {
    dispatch: {
      label,
      pipeline,
      bindGroup: bindAll(gpu, pipeline, [uniforms, args.ewa, args.out], label),
      workgroups: flatGrid(args.count, WORKGROUP, args.maxGroupsPerDim),
    },
    update({ ewaDecay, step }) {
      layout.write(gpu, uniforms, values(args.count, ewaDecay, ewaDebiasFactor(ewaDecay, step)));
    },
    setWeightSum(weightSum) {
      if (!(weightSum > 0 && weightSum <= 1)) throw new Error(`EWA weight sum must be in (0, 1], got ${weightSum}`);
      layout.write(gpu, uniforms, values(args.count, 0, 1 / weightSum));
    },
  };
}
