import { describe, expect, it } from 'vitest';
import { adamwStepRef, zeroState, type AdamwHyper } from './adamw.ref';
import { randomNormal, randomUniform } from '../util/random';

/**
 * A straightforward transcription of the published rule (Loshchilov & Hutter, Algorithm 2, in
 * the form of PyTorch's AdamW documentation), written independently of adamwStepRef:
 *   θ ← θ − γλθ;  m ← β1 m + (1−β1) g;  v ← β2 v + (1−β2) g²;
 *   m̂ = m / (1−β1^t);  v̂ = v / (1−β2^t);  θ ← θ − γ m̂ / (√v̂ + ε)
 * with clip_grad_norm_ applied to g first.
 */
function publishedAdamw(theta: number[], m: number[], v: number[], g: number[], h: AdamwHyper): void {
  const norm = Math.hypot(...g);
  const coef = h.clipNorm ? Math.min(1, h.clipNorm / (norm + 1e-6)) : 1;
  for (let i = 0; i < theta.length; i++) {
    const gi = g[i] * coef;
    theta[i] = theta[i] - h.lr * h.weightDecay * theta[i];
    m[i] = h.beta1 * m[i] + (1 - h.beta1) * gi;
    v[i] = h.beta2 * v[i] + (1 - h.beta2) * gi * gi;
    const mHat = m[i] / (1 - Math.pow(h.beta1, h.step));
    const vHat = v[i] / (1 - Math.pow(h.beta2, h.step));
    theta[i] = theta[i] - (h.lr * mHat) / (Math.sqrt(vHat) + h.eps);
  }
}

describe('adamwStepRef', () => {
  it('step 1 matches hand-computed numbers', () => {
    // t = 1: m̂ = g, v̂ = g², so θ1 = θ0(1 − lr·wd) − lr·g/(|g| + eps).
    const state = zeroState(2, [1, -2]);
    adamwStepRef(state, [0.5, -0.25], { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 });
    // 1·0.999 − 0.1·0.5/0.50000001 = 0.999 − 0.099999998 = 0.899000002
    expect(state.params[0]).toBeCloseTo(0.899000002, 12);
    // −2·0.999 + 0.1·0.25/0.25000001 = −1.998 + 0.099999996 = −1.898000004
    expect(state.params[1]).toBeCloseTo(-1.898000004, 12);
    expect(state.m[0]).toBeCloseTo(0.05, 15); // (1 − 0.9)·0.5
    expect(state.v[0]).toBeCloseTo(0.00025, 15); // (1 − 0.999)·0.25
  });

  it('step 1 with clipping active: g scaled by clipNorm/(norm + 1e-6)', () => {
    // g = (3, 4), norm 5, clipNorm 1 → clipped g = (0.6, 0.8)/(1 + 2e-7); m1 = 0.1·that.
    const state = zeroState(2, [0, 0]);
    adamwStepRef(state, [3, 4], { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 0, weightDecay: 0, step: 1, clipNorm: 1 });
    expect(state.m[0]).toBeCloseTo((0.1 * 0.6) / (1 + 2e-7), 15);
    expect(state.m[1]).toBeCloseTo((0.1 * 0.8) / (1 + 2e-7), 15);
    expect(state.params[0]).toBeCloseTo(-0.01, 15); // eps 0: the step is exactly −lr·sign(g)
  });

  it('agrees with the published rule over 6 steps, with changing lr, clipping on and off', () => {
    const n = 37;
    const init = randomUniform(n, 1);
    const state = zeroState(n, init);
    const theta = Array.from(init);
    const m = new Array<number>(n).fill(0);
    const v = new Array<number>(n).fill(0);
    for (let t = 1; t <= 6; t++) {
      const g = Array.from(randomNormal(n, 10 + t, t % 2 ? 0.05 : 2)); // odd steps unclipped, even clipped
      const h: AdamwHyper = { lr: 1e-2 * t, beta1: 0.95, beta2: 0.995, eps: 1e-8, weightDecay: 0.1, step: t, clipNorm: 1 };
      adamwStepRef(state, g, h);
      publishedAdamw(theta, m, v, g, h);
      for (let i = 0; i < n; i++) {
        expect(Math.abs(state.params[i] - theta[i])).toBeLessThan(1e-13);
        expect(Math.abs(state.m[i] - m[i])).toBeLessThan(1e-15);
        expect(Math.abs(state.v[i] - v[i])).toBeLessThan(1e-15);
      }
    }
  });

  it('a decay mask turns decay off only where it is false', () => {
    const h: AdamwHyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.5, step: 1 };
    const a = zeroState(2, [1, 1]);
    adamwStepRef(a, [0, 0], h, [true, false]); // zero gradient: only decay moves θ
    expect(a.params[0]).toBeCloseTo(0.95, 15);
    expect(a.params[1]).toBe(1);
  });
});
