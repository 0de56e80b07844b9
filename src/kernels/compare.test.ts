import { describe, expect, it } from 'vitest';
import { compareArrays } from './compare';
import { centralDifferences } from './gradcheck';

describe('compareArrays', () => {
  it('accepts errors inside atol + rtol·|expected| and rejects one outside', () => {
    const tol = { atol: 1e-3, rtol: 1e-2 };
    expect(compareArrays([1.01, 0.0005], [1, 0], tol).ok).toBe(true);
    const bad = compareArrays([1.02, 0], [1, 0], tol);
    expect(bad.ok).toBe(false);
    expect(bad.worstIndex).toBe(0);
    expect(bad.maxAbsError).toBeCloseTo(0.02, 10);
  });
  it('never accepts NaN or Infinity', () => {
    const r = compareArrays([NaN, 1], [0, 1], { atol: 1, rtol: 1 });
    expect(r.ok).toBe(false);
    expect(r.nonFinite).toBe(1);
  });
});

describe('centralDifferences', () => {
  it('recovers the gradient of a cubic to 1e-8', () => {
    const x = new Float64Array([0.3, -1.2]);
    const g = centralDifferences((v) => v[0] ** 3 + 2 * v[0] * v[1], x, [0, 1]);
    expect(g.get(0)).toBeCloseTo(3 * 0.09 + 2 * -1.2, 8);
    expect(g.get(1)).toBeCloseTo(0.6, 8);
  });
});
