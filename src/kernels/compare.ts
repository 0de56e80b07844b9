// Comparing a kernel's float32 output with a float64 reference, with a stated tolerance:
// |actual - expected| <= atol + rtol * |expected| for every element.

export interface Tolerance {
  atol: number;
  rtol: number;
}

export interface Comparison {
  ok: boolean;
  count: number;
  maxAbsError: number;
  /** The element with the largest excess over its allowed error. */
  worstIndex: number;
  worstActual: number;
  worstExpected: number;
  nonFinite: number;
  tolerance: Tolerance;
}

export function compareArrays(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: Tolerance,
): Comparison {
  if (actual.length !== expected.length) {
    throw new Error(`length mismatch: actual ${actual.length}, expected ${expected.length}`);
  }
  let maxAbsError = 0;
  let worstExcess = -Infinity;
  let worstIndex = -1;
  let nonFinite = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!Number.isFinite(a)) {
      nonFinite++;
      if (worstExcess < Infinity) {
        worstExcess = Infinity;
        worstIndex = i;
      }
      continue;
    }
    const err = Math.abs(a - e);
    maxAbsError = Math.max(maxAbsError, err);
    const excess = err - (tolerance.atol + tolerance.rtol * Math.abs(e));
    if (excess > worstExcess) {
      worstExcess = excess;
      worstIndex = i;
    }
  }
  return {
    ok: nonFinite === 0 && worstExcess <= 0,
    count: actual.length,
    maxAbsError,
    worstIndex,
    worstActual: worstIndex >= 0 ? actual[worstIndex] : NaN,
    worstExpected: worstIndex >= 0 ? expected[worstIndex] : NaN,
    nonFinite,
    tolerance,
  };
}
