// CPU reference for AdamW with global-norm clipping, in float64. Follows PyTorch's
// torch.optim.AdamW (decoupled weight decay, Loshchilov & Hutter) and clip_grad_norm_.
import { clipScaleRef, gradNormRef } from './grad-norm.ref';

export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count t, for the bias corrections 1 − β^t. */
  step: number;
  /** Clip the gradient's global norm to this; 0 or absent: no clipping. */
  clipNorm?: number;
}

export interface AdamwState {
  params: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** One step, in place. decay[i] false turns weight decay off for element i (LayerNorm scales). */
export function adamwStepRef(state: AdamwState, grads: ArrayLike<number>, h: AdamwHyper, decay?: ArrayLike<boolean>): void {
  const clip = clipScaleRef(gradNormRef(grads).norm, h.clipNorm ?? 0);
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  const { params, m, v } = state;
  for (let i = 0; i < params.length; i++) {
    const g = grads[i] * clip;
    if (!decay || decay[i]) params[i] *= 1 - h.lr * h.weightDecay;
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * g;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * g * g;
    const denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + h.eps;
    params[i] -= (h.lr / bc1) * (m[i] / denom);
  }
}

export function zeroState(count: number, params?: ArrayLike<number>): AdamwState {
  const p = new Float64Array(count);
  if (params) p.set(Array.from(params));
  return { params: p, m: new Float64Array(count), v: new Float64Array(count) };
}
