import { describe, expect, it } from 'vitest';
import { attentionTensorSize, type AttentionShape } from './attention.plan';
import { attentionBackwardRef, attentionForwardRef } from './attention.ref';
import { centralDifferences, dotWith } from './gradcheck';
import { randomNormal, randomUniform } from '../util/random';

/** softmax(q·kᵀ/sqrt(hd) + mask)·v written out literally: the full T×T matrix, −∞ above the diagonal. */
function naiveAttention(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, shape: AttentionShape) {
  const { batch: B, seqLen: T, heads: H, headDim: hd } = shape;
  const C = H * hd;
  const o = new Float64Array(B * T * C);
  const lse = new Float64Array(B * H * T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const weights: number[] = [];
        for (let u = 0; u < T; u++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += q[(b * T + t) * C + h * hd + d] * k[(b * T + u) * C + h * hd + d];
          weights.push(u <= t ? Math.exp(dot / Math.sqrt(hd)) : Math.exp(-Infinity));
        }
        const z = weights.reduce((a, x) => a + x, 0);
        lse[(b * H + h) * T + t] = Math.log(z);
        for (let d = 0; d < hd; d++) {
          let sum = 0;
          for (let u = 0; u < T; u++) sum += (weights[u] / z) * v[(b * T + u) * C + h * hd + d];
          o[(b * T + t) * C + h * hd + d] = sum;
        }
      }
    }
  }
  return { o, lse };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function inputs(shape: AttentionShape, seed: number) {
  const n = attentionTensorSize(shape);
  return {
    q: Float64Array.from(randomNormal(n, seed)),
    k: Float64Array.from(randomNormal(n, seed + 1)),
    v: Float64Array.from(randomNormal(n, seed + 2)),
  };
}

describe('attentionForwardRef', () => {
  it('matches the naive explicit-softmax formula, o and lse', () => {
    for (const shape of [
      { batch: 2, seqLen: 5, heads: 3, headDim: 4 },
      { batch: 1, seqLen: 9, heads: 1, headDim: 16 },
    ]) {
      const { q, k, v } = inputs(shape, 3);
      const ref = attentionForwardRef(q, k, v, shape);
      const naive = naiveAttention(q, k, v, shape);
      expect(maxAbsDiff(ref.o, naive.o)).toBeLessThan(1e-12);
      expect(maxAbsDiff(ref.lse, naive.lse)).toBeLessThan(1e-12);
    }
  });

  it('gives o = v and lse = q·k·scale at T = 1 (a single key)', () => {
    const shape = { batch: 3, seqLen: 1, heads: 2, headDim: 4 };
    const { q, k, v } = inputs(shape, 11);
    const { o, lse } = attentionForwardRef(q, k, v, shape);
    expect(maxAbsDiff(o, v)).toBeLessThan(1e-15);
    const b = 1, h = 1; // row (b, t = 0, h)
    let dot = 0;
    for (let d = 0; d < 4; d++) dot += q[b * 8 + h * 4 + d] * k[b * 8 + h * 4 + d];
    expect(lse[b * 2 + h]).toBeCloseTo(dot / 2, 14);
  });

  it('is stable for large scores (max-subtracted) and keeps sequences apart', () => {
    const shape = { batch: 2, seqLen: 6, heads: 2, headDim: 8 };
    const { q, k, v } = inputs(shape, 21);
    const big = q.map((x) => 200 * x);
    const { o, lse } = attentionForwardRef(big, k, v, shape);
    expect(o.every(Number.isFinite) && lse.every(Number.isFinite)).toBe(true);
    // Changing sequence 1 leaves sequence 0's outputs bit-identical.
    const half = attentionTensorSize(shape) / 2;
    const k2 = k.slice();
    const v2 = v.slice();
    for (let i = half; i < 2 * half; i++) { k2[i] += 1; v2[i] -= 2; }
    const changed = attentionForwardRef(big, k2, v2, shape);
    expect(Array.from(changed.o.subarray(0, half))).toEqual(Array.from(o.subarray(0, half)));
    expect(maxAbsDiff(changed.o.subarray(half), o.subarray(half))).toBeGreaterThan(0.1);
  });
});

describe('attentionBackwardRef', () => {
  it('matches central finite differences of L = Σ w⊙o for every coordinate of q, k and v', () => {
    const shape = { batch: 2, seqLen: 4, heads: 2, headDim: 3 };
    const { q, k, v } = inputs(shape, 31);
    const w = Float64Array.from(randomUniform(attentionTensorSize(shape), 34));
    const loss = dotWith(w);
    const grads = attentionBackwardRef(q, k, v, w, shape);
    const all = Array.from({ length: q.length }, (_, i) => i);
    const cases: [string, Float64Array, Float64Array, (x: Float64Array) => number][] = [
      ['q', q, grads.dq, (x) => loss(attentionForwardRef(x, k, v, shape).o)],
      ['k', k, grads.dk, (x) => loss(attentionForwardRef(q, x, v, shape).o)],
      ['v', v, grads.dv, (x) => loss(attentionForwardRef(q, k, x, shape).o)],
    ];
    for (const [name, x, analytic, f] of cases) {
      const numeric = centralDifferences(f, x, all, 1e-5);
      let worst = 0;
      let largest = 0;
      for (const [i, g] of numeric) {
        worst = Math.max(worst, Math.abs(g - analytic[i]));
        largest = Math.max(largest, Math.abs(g));
      }
      // Central differences with h = 1e-5: truncation O(h²) ≈ 1e-10, rounding ≈ 1e-16/h = 1e-11.
      expect(worst, `${name}: worst |numeric − analytic|`).toBeLessThan(1e-8);
      expect(largest, `${name}: gradient is not trivially zero`).toBeGreaterThan(0.05);
    }
  });

  it('gives dq = dk = 0 and dv = dO at T = 1 (a one-key softmax is constant)', () => {
    const shape = { batch: 2, seqLen: 1, heads: 3, headDim: 2 };
    const { q, k, v } = inputs(shape, 41);
    const dO = Float64Array.from(randomNormal(attentionTensorSize(shape), 44));
    const g = attentionBackwardRef(q, k, v, dO, shape);
    expect(maxAbsDiff(g.dq, new Float64Array(g.dq.length))).toBeLessThan(1e-15);
    expect(maxAbsDiff(g.dk, new Float64Array(g.dk.length))).toBeLessThan(1e-15);
    expect(maxAbsDiff(g.dv, dO)).toBeLessThan(1e-15);
  });
});
