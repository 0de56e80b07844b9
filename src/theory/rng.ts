// The counter-based random numbers of the theory lab, bit for bit what shaders/theory-rng.wgsl
// computes: every Gaussian is a pure function of (seed, sample index, coordinate), so the GPU
// trainer and the float64 reference draw the same samples without sharing any state, and a run
// at one batch size sees the same data stream as a run at any other (as a fixed data order does
// in the language-model sweeps).
//
// Hash: pcg4d (Jarzynski & Olano, "Hash Functions for GPU Rendering", JCGT 2020), 32-bit integer
// arithmetic modulo 2^32 (Math.imul here, u32 wrap-around in WGSL).
// Uniforms: the top 24 bits of each word, u = (k + 0.5)/2^24 ∈ (0, 1): exact in float32 and never 0.
// Normals: Box–Muller on the pairs (u0, u1), (u2, u3): r = √(−2 ln u0), θ = 2π u1 → r cos θ, r sin θ.
// The GPU takes log, sqrt, cos and sin in float32, so its normals agree with these to float32
// rounding (about 1e-6 relative), not bit for bit; the uniforms are identical.

/** Word 3 of the hash input: which stream a draw belongs to. */
export const FEATURE_STREAM = 0;
export const NOISE_STREAM = 1;

/** pcg4d on four u32 words; returns four u32 words. */
export function pcg4d(x: number, y: number, z: number, w: number): [number, number, number, number] {
  let v0 = (Math.imul(x, 1664525) + 1013904223) >>> 0;
  let v1 = (Math.imul(y, 1664525) + 1013904223) >>> 0;
  let v2 = (Math.imul(z, 1664525) + 1013904223) >>> 0;
  let v3 = (Math.imul(w, 1664525) + 1013904223) >>> 0;
  v0 = (v0 + Math.imul(v1, v3)) >>> 0;
  v1 = (v1 + Math.imul(v2, v0)) >>> 0;
  v2 = (v2 + Math.imul(v0, v1)) >>> 0;
  v3 = (v3 + Math.imul(v1, v2)) >>> 0;
  v0 = (v0 ^ (v0 >>> 16)) >>> 0;
  v1 = (v1 ^ (v1 >>> 16)) >>> 0;
  v2 = (v2 ^ (v2 >>> 16)) >>> 0;
  v3 = (v3 ^ (v3 >>> 16)) >>> 0;
  v0 = (v0 + Math.imul(v1, v3)) >>> 0;
  v1 = (v1 + Math.imul(v2, v0)) >>> 0;
  v2 = (v2 + Math.imul(v0, v1)) >>> 0;
  v3 = (v3 + Math.imul(v1, v2)) >>> 0;
  return [v0, v1, v2, v3];
}

/** A uniform in (0, 1) from the top 24 bits of a u32 word. */
export function uniform24(word: number): number {
  return ((word >>> 8) + 0.5) / 16777216;
}

/**
 * Four standard normals for (seed, sample, quad, stream), in float64. Feature coordinate i of
 * sample n is entry i mod 4 of gaussian4(seed, n, ⌊i/4⌋, FEATURE_STREAM); the label noise of
 * sample n is entry 0 of gaussian4(seed, n, 0, NOISE_STREAM).
 */
export function gaussian4(seed: number, sample: number, quad: number, stream: number, out: Float64Array = new Float64Array(4)): Float64Array {
  const [h0, h1, h2, h3] = pcg4d(seed >>> 0, sample >>> 0, quad >>> 0, stream >>> 0);
  const r1 = Math.sqrt(-2 * Math.log(uniform24(h0)));
  const t1 = 2 * Math.PI * uniform24(h1);
  const r2 = Math.sqrt(-2 * Math.log(uniform24(h2)));
  const t2 = 2 * Math.PI * uniform24(h3);
  out[0] = r1 * Math.cos(t1);
  out[1] = r1 * Math.sin(t1);
  out[2] = r2 * Math.cos(t2);
  out[3] = r2 * Math.sin(t2);
  return out;
}

/** The M standard-normal draws z behind the features of sample n (x_i = √λ_i · z_i). */
export function featureNormals(seed: number, sample: number, dim: number, out: Float64Array = new Float64Array(dim)): Float64Array {
  const quad = new Float64Array(4);
  for (let q = 0; 4 * q < dim; q++) {
    gaussian4(seed, sample, q, FEATURE_STREAM, quad);
    for (let j = 0; j < 4 && 4 * q + j < dim; j++) out[4 * q + j] = quad[j];
  }
  return out;
}

/** The standard-normal draw behind the label noise of sample n. */
export function noiseNormal(seed: number, sample: number): number {
  const [h0, h1] = pcg4d(seed >>> 0, sample >>> 0, 0, NOISE_STREAM);
  return Math.sqrt(-2 * Math.log(uniform24(h0))) * Math.cos(2 * Math.PI * uniform24(h1));
}
