// CPU references for the elementwise ops (float64; the GPU rounds each result to fp32 once).

export function addRef(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new Error(`add: length mismatch ${a.length} vs ${b.length}`);
  const out = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i] + b[i];
  return out;
}

/** x·s with s rounded to fp32 first, as the uniform that carries it is. */
export function scaleRef(x: ArrayLike<number>, s: number): Float64Array {
  const sf = Math.fround(s);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * sf;
  return out;
}

export function fillRef(count: number, value: number): Float64Array {
  return new Float64Array(count).fill(Math.fround(value));
}
