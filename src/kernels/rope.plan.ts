// Planning for shaders/rope.wgsl, pure (no GPU): the shape, its checks, and the cos/sin table
// that the wrapper uploads and the float64 reference (./rope.ref.ts) reads, so both rotate by the
// same angles. θ(t, i) = t·base^(−2i/headDim) for position t and pair i < headDim/2.

export interface RopeShape {
  rows: number;
  seqLen: number;
  heads: number;
  headDim: number;
  /** Defaults to ROPE_BASE. */
  base?: number;
}

/** RoPE's usual base frequency, and the model's (src/model/config.ts re-exports it). */
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
