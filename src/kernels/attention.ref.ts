// CPU reference for fused causal multi-head self-attention, accumulating in float64.
// Layout as in docs/kernels.md: q, k, v, o are (N, C) row-major, N = batch·seqLen,
// C = heads·headDim, head h in columns h·headDim … h·headDim+headDim−1.
// o[t] = Σ_{u ≤ t} softmax_u(q[t]·k[u]·scale) v[u] within each sequence, scale = 1/sqrt(headDim).
import { attentionRowCount, attentionScale, attentionTensorSize, type AttentionShape } from './attention.plan';

interface Heads {
  /** Index of (b, t, h, d) in an (N, C) tensor. */
  at(b: number, t: number, h: number, d: number): number;
}

function indexer(shape: AttentionShape): Heads {
  const { seqLen: T, heads: H, headDim: hd } = shape;
  const C = H * hd;
  return { at: (b, t, h, d) => (b * T + t) * C + h * hd + d };
}

function checkLengths(shape: AttentionShape, arrays: Record<string, ArrayLike<number>>): void {
  const n = attentionTensorSize(shape);
  for (const [name, a] of Object.entries(arrays)) {
    if (a.length !== n) throw new Error(`${name} has ${a.length} elements, expected ${n}`);
  }
}

/** Scaled, causally masked scores of one (b, h): s[t][u] for u ≤ t; the rest is never read. */
function scoresOf(q: ArrayLike<number>, k: ArrayLike<number>, shape: AttentionShape, b: number, h: number): Float64Array[] {
  const { seqLen: T, headDim: hd } = shape;
  const { at } = indexer(shape);
  const scale = attentionScale(shape);
  const s: Float64Array[] = [];
  for (let t = 0; t < T; t++) {
    const row = new Float64Array(t + 1);
    for (let u = 0; u <= t; u++) {
      let dot = 0;
      for (let d = 0; d < hd; d++) dot += q[at(b, t, h, d)] * k[at(b, u, h, d)];
      row[u] = dot * scale;
    }
    s.push(row);
  }
  return s;
}

/** Softmax of each causal row in place (max-subtracted); returns each row's log-sum-exp. */
function softmaxRows(s: Float64Array[]): Float64Array {
  const lse = new Float64Array(s.length);
  s.forEach((row, t) => {
    let max = -Infinity;
    for (const x of row) max = Math.max(max, x);
    let sum = 0;
    for (let u = 0; u < row.length; u++) {
      row[u] = Math.exp(row[u] - max);
      sum += row[u];
    }
    for (let u = 0; u < row.length; u++) row[u] /= sum;
    lse[t] = max + Math.log(sum);
  });
  return lse;
}

export function attentionForwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  shape: AttentionShape,
): { o: Float64Array; lse: Float64Array } {
  checkLengths(shape, { q, k, v });
  const { batch: B, seqLen: T, heads: H, headDim: hd } = shape;
  const { at } = indexer(shape);
  const o = new Float64Array(attentionTensorSize(shape));
  const lse = new Float64Array(attentionRowCount(shape));
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const prob = scoresOf(q, k, shape, b, h);
      lse.set(softmaxRows(prob), (b * H + h) * T);
      for (let t = 0; t < T; t++) {
        for (let d = 0; d < hd; d++) {
          let sum = 0;
          for (let u = 0; u <= t; u++) sum += prob[t][u] * v[at(b, u, h, d)];
          o[at(b, t, h, d)] = sum;
        }
      }
    }
  }
  return { o, lse };
}

/**
 * Gradients of a loss L through o = attention(q, k, v), given dO = ∂L/∂o:
 *   dv[u] = Σ_t p[t][u] dO[t];   dp[t][u] = dO[t]·v[u];   D[t] = Σ_u p[t][u] dp[t][u] = dO[t]·o[t]
 *   dS[t][u] = p[t][u] (dp[t][u] − D[t]);  dq[t] = scale Σ_u dS[t][u] k[u];  dk[u] = scale Σ_t dS[t][u] q[t]
 */
export function attentionBackwardRef(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  dO: ArrayLike<number>,
  shape: AttentionShape,
): { dq: Float64Array; dk: Float64Array; dv: Float64Array } {
  checkLengths(shape, { q, k, v, dO });
  const { batch: B, seqLen: T, heads: H, headDim: hd } = shape;
  const { at } = indexer(shape);
  const scale = attentionScale(shape);
  const n = attentionTensorSize(shape);
  const dq = new Float64Array(n);
  const dk = new Float64Array(n);
  const dv = new Float64Array(n);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const prob = scoresOf(q, k, shape, b, h);
      softmaxRows(prob);
      for (let t = 0; t < T; t++) {
        const dp = new Float64Array(t + 1);
        let D = 0;
        for (let u = 0; u <= t; u++) {
          let dot = 0;
          for (let d = 0; d < hd; d++) dot += dO[at(b, t, h, d)] * v[at(b, u, h, d)];
          dp[u] = dot;
          D += prob[t][u] * dot;
        }
        for (let u = 0; u <= t; u++) {
          const pv = prob[t][u];
          const ds = pv * (dp[u] - D);
          for (let d = 0; d < hd; d++) {
            dv[at(b, u, h, d)] += pv * dO[at(b, t, h, d)];
            dq[at(b, t, h, d)] += scale * ds * k[at(b, u, h, d)];
            dk[at(b, u, h, d)] += scale * ds * q[at(b, t, h, d)];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
