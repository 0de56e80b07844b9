// Seeded, deterministic random numbers. Model init, data sampling and tests all draw from
// these so that a seed reproduces a run exactly, on any machine.

/** mulberry32: a tiny 32-bit generator, good enough for init and shuffling. Returns [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller, from a uniform source. */
export function normalSampler(uniform: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    let u = 0;
    while (u <= Number.EPSILON) u = uniform();
    const v = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** `count` uniform values in [lo, hi), as float32. */
export function randomUniform(count: number, seed: number, lo = -1, hi = 1): Float32Array {
  const next = mulberry32(seed);
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = lo + (hi - lo) * next();
  return out;
}

export function randomNormal(count: number, seed: number, std = 1): Float32Array {
  const next = normalSampler(mulberry32(seed));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = std * next();
  return out;
}

/** Integers in [0, n). */
export function randomInts(count: number, n: number, seed: number): Uint32Array {
  const next = mulberry32(seed);
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.floor(next() * n);
  return out;
}
