// CPU reference for rotary position embeddings, GPT-NeoX "rotate half" convention, in float64.
// x is (rows, heads·headDim) row-major; row r holds the token at position t = r mod seqLen.
// For pair i in [0, headDim/2): θ = t·base^(−2i/headDim), x1 = x[i], x2 = x[i + headDim/2],
//   out[i] = x1·cos θ − x2·sin θ,  out[i + headDim/2] = x2·cos θ + x1·sin θ.
// The rotation is orthogonal, so the backward is the inverse rotation (θ → −θ) of the gradient.
import { ROPE_BASE, assertRopeShape, ropeTable, type RopeShape } from './rope.plan';

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
