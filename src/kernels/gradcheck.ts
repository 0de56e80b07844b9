// Central finite differences in float64: ties every backward reference to the math of its
// forward reference, not only to a second implementation.

/**
 * d f / d x[i] ≈ (f(x + h e_i) − f(x − h e_i)) / 2h for each i in `indices`.
 * `f` must not keep references to `x`; x is restored after each probe.
 */
export function centralDifferences(
  f: (x: Float64Array) => number,
  x: Float64Array,
  indices: Iterable<number>,
  h = 1e-5,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const i of indices) {
    const saved = x[i];
    x[i] = saved + h;
    const plus = f(x);
    x[i] = saved - h;
    const minus = f(x);
    x[i] = saved;
    out.set(i, (plus - minus) / (2 * h));
  }
  return out;
}

/** A linear functional L(y) = Σ w_i y_i with fixed random weights: its gradient wrt y is w. */
export function dotWith(weights: ArrayLike<number>): (y: ArrayLike<number>) => number {
  return (y) => {
    let s = 0;
    for (let i = 0; i < y.length; i++) s += weights[i] * y[i];
    return s;
  };
}

/** Every index when n is small; otherwise `count` indices spread by a fixed stride. */
export function sampleIndices(n: number, count: number, seed = 1): number[] {
  if (n <= count) return Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  let state = seed >>> 0;
  for (let k = 0; k < count; k++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out.push(state % n);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}
