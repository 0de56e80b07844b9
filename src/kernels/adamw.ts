// Wrapper for shaders/adamw.wgsl: one fused AdamW dispatch over the flat parameter buffer,
// PyTorch torch.optim.AdamW semantics, with clip_grad_norm_-style clipping whose norm is read
// from the GPU stats buffer written by prepareGradNorm (no readback per step).
//
// Weight decay: global weightDecay, turned off per element by `noDecay` ranges (e.g. LayerNorm
// scales), which become a one-bit-per-element mask uploaded once. The paper uses wd = 0.
import adamwCode from '../../shaders/adamw.wgsl?raw';
import { UniformLayout, bindAll, createStorage, flatGrid, uploadU32, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';

export const ADAMW_SHADER = { name: 'adamw', code: adamwCode };
const WORKGROUP = 256;

const layout = new UniformLayout([
  { name: 'count', type: 'u32' },
  { name: 'normIndex', type: 'u32' },
  { name: 'useMask', type: 'u32' },
  { name: 'pad', type: 'u32' },
  { name: 'beta1', type: 'f32' },
  { name: 'oneMinusBeta1', type: 'f32' },
  { name: 'beta2', type: 'f32' },
  { name: 'oneMinusBeta2', type: 'f32' },
  { name: 'eps', type: 'f32' },
  { name: 'decayMul', type: 'f32' },
  { name: 'stepSize', type: 'f32' },
  { name: 'sqrtBc2', type: 'f32' },
  { name: 'clipNorm', type: 'f32' },
  { name: 'pad1', type: 'f32' },
  { name: 'pad2', type: 'f32' },
  { name: 'pad3', type: 'f32' },
]);

export interface AdamwHyperparams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based count of optimizer steps including this one: bias corrections use β^step. */
  step: number;
  /** Clip the global gradient norm to this (needs `clip`); 0 or absent: no clipping. */
  clipNorm?: number;
}

/** A range of elements of the flat buffer, in floats from the start of `params`. */
export interface ElementRange {
  offset: number;
  length: number;
}

export interface AdamwArgs {
  params: GpuTensor;
  grads: GpuTensor;
  m: GpuTensor;
  v: GpuTensor;
  count: number;
  hyper: AdamwHyperparams;
  /** Where prepareGradNorm left the norm: stats[slot + 1] is read (the same slot given to it). */
  clip?: { stats: GpuTensor; slot: number };
  /** Elements that get no weight decay. */
  noDecay?: ElementRange[];
  /** Clear each gradient after use, ready for the next step's accumulation. */
  zeroGrad?: boolean;
  label?: string;
  maxGroupsPerDim?: number;
}

export interface Adamw {
  dispatch: Dispatch;
  /** Writes this step's hyper-parameters and bias corrections (queue order). */
  update(hyper: AdamwHyperparams): void;
  /** Frees the mask and placeholder buffers this wrapper owns. */
  destroy(): void;
}

/** One bit per element, 1 = decay: all ones except the given ranges. */
export function buildDecayMask(count: number, noDecay: readonly ElementRange[]): Uint32Array {
  const mask = new Uint32Array(Math.max(1, Math.ceil(count / 32))).fill(0xffffffff);
  for (const { offset, length } of noDecay) {
    if (offset < 0 || offset + length > count) throw new Error(`no-decay range ${offset}+${length} is outside 0…${count}`);
    for (let i = offset; i < offset + length; i++) mask[i >>> 5] &= ~(1 << (i & 31));
  }
  return mask;
}

export function adamwUniforms(count: number, normIndex: number, useMask: boolean, h: AdamwHyperparams): Record<string, number> {
  if (!Number.isInteger(h.step) || h.step < 1) throw new Error(`AdamW step must be an integer ≥ 1, got ${h.step}`);
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  return {
    count,
    normIndex,
    useMask: useMask ? 1 : 0,
    pad: 0,
    beta1: h.beta1,
    oneMinusBeta1: 1 - h.beta1,
    beta2: h.beta2,
    oneMinusBeta2: 1 - h.beta2,
    eps: h.eps,
    decayMul: 1 - h.lr * h.weightDecay,
    stepSize: h.lr / bc1,
    sqrtBc2: Math.sqrt(bc2),
    clipNorm: h.clipNorm ?? 0,
    pad1: 0,
    pad2: 0,
    pad3: 0,
  };
}

export async function prepareAdamw(gpu: GpuContext, args: AdamwArgs): Promise<Adamw> {
  const label = args.label ?? `adamw ${args.count}`;
  const pipeline = await gpu.pipelines.get(ADAMW_SHADER, 'main', { ZERO_GRAD: Boolean(args.zeroGrad) });
  const owned: GPUBuffer[] = [];
  const useMask = Boolean(args.noDecay && args.noDecay.length > 0);
  const mask = useMask
    ? uploadU32(gpu, buildDecayMask(args.count, args.noDecay ?? []), `${label}: decay mask`)
    : createStorage(gpu, 1, `${label}: no mask`);
  owned.push(mask);
  let stats: GpuTensor;
  if (args.clip) {
    stats = args.clip.stats;
  } else {
    const placeholder = createStorage(gpu, 1, `${label}: no clipping`);
    owned.push(placeholder);
    stats = placeholder;
  }
  const normIndex = args.clip ? args.clip.slot + 1 : 0;
  const values = (h: AdamwHyperparams) => {
    if ((h.clipNorm ?? 0) > 0 && !args.clip) throw new Error(`${label}: clipNorm needs the clip stats buffer`);
    return adamwUniforms(args.count, normIndex, useMask, h);
  };
  const uniforms = layout.create(gpu, values(args.hyper), label);
  owned.push(uniforms);
  return {
    dispatch: {
      label,
      pipeline,
      bindGroup: bindAll(gpu, pipeline, [uniforms, args.params, args.grads, args.m, args.v, stats, mask], label),
      workgroups: flatGrid(args.count, WORKGROUP, args.maxGroupsPerDim),
    },
    update(hyper) {
      layout.write(gpu, uniforms, values(hyper));
    },
    destroy() {
      owned.forEach((b) => b.destroy());
    },
  };
}
