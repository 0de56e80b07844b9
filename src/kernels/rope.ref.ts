// CPU reference for rotary position embeddings, GPT-NeoX "rotate half" convention, in float64.
// x is (rows, heads·headDim) row-major; row r holds the token at position t = r mod seqLen.
// For pair i in [0, headDim/2): θ = t·base^(−2i/headDim), x1 = x[i], x2 = x[i + headDim/2],
//   out[i] = x1·cos θ − x2·sin θ,  out[i + headDim/2] = x2·cos θ + x1·sin θ.
// The rotation is orthogonal, so the backward is the inverse rotation (θ → −θ) of the gradient.

export interface RopeShape {
  rows: number;
  seqLen: number;
  heads: number;
  headDim: number;
  /** Defaults to 10000. */
  base?: number;
}

export const ROPE_BASE = 10000;

/**
 * cos θ and sin θ for every position and pair, interleaved: table[2·(t·half + i)] = cos,
 * table[2·(t·half + i) + 1] = sin. Computed in float64 so that large angles stay exact
 * (fp32 t·freq at t = 2048 would already be off by ~1e-4 rad).
 */
export function ropeTable(seqLen: number, headDim: number, base = ROPE_BASE): Float64Array {
  const half = headDim / 2;
  const table = new Float64Array(2 * seqLen * half);
  for (let t = 0; t < seqLen; t++) {
    for (let i = 0; i < half; i++) {
      const theta = t * Math.pow(base, (-2 * i) / headDim);
      table[2 * (t * half + i)] = Math.cos(theta);
      table[2 * (t * half + i) + 1] = Math.sin(theta);
    }
  }
  return table;
}

export function assertRopeShape(s: RopeShape): void {
  if (!Number.isInteger(s.headDim) || s.headDim < 2 || s.headDim % 2 !== 0) {
    throw new Error(`rope: headDim must be a positive even integer, got ${s.headDim}`);
  }
  if (!(s.seqLen >= 1) || !(s.heads >= 1) || !(s.rows >= 1)) {
    throw new Error(`rope: rows, seqLen and heads must be at least 1 (got ${s.rows}, ${s.seqLen}, ${s.heads})`);
  }
}

/** Forward rotation, or with `inverse` the rotation by −θ (the backward applied to dy). */
export function ropeRef(x: ArrayLike<number>, shape: RopeShape, inverse = false): Float64Array {
  assertRopeShape(shape);
  const { rows, seqLen, heads, headDim } = shape;
  const half = headDim / 2;
  const table = ropeTable(seqLen, headDim, shape.base ?? ROPE_BASE);
  const width = heads * headDim;
  const out = new Float64Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const t = r % seqLen;
    for (let h = 0; h < heads; h++) {
      const at = r * width + h * headDim;
      for (let i = 0; i < half; i++) {
        const cos = table[2 * (t * half + i)];
        const sin = inverse ? -table[2 * (t * half + i) + 1] : table[2 * (t * half + i) + 1];
        const x1 = x[at + i];
        const x2 = x[at + i + half];
        out[at + i] = x1 * cos - x2 * sin;
        out[at + i + half] = x2 * cos + x1 * sin;
      }
    }
  }
  return out;
}
