import { describe, expect, it } from 'vitest';
import { centralDifferences, dotWith } from './gradcheck';
import { erf, erfc, erfcChebyshev, geluBackwardRef, geluRef, normalCdf } from './gelu.ref';
import { randomUniform } from '../util/random';

describe('erf (float64)', () => {
  it('matches known values to 1e-15', () => {
    const known: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [-1, -0.8427007929497149],
      [-1.5, -0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [4.5, 0.9999999998033839],
    ];
    for (const [x, v] of known) expect(Math.abs(erf(x) - v), `erf(${x})`).toBeLessThan(1e-15);
  });
  it('keeps relative precision in the erfc tail', () => {
    // erfc(3) = 2.209049699858544e-5, erfc(5) = 1.5374597944280349e-12, erfc(10) = 2.088487583762545e-45.
    const known: [number, number][] = [
      [3, 2.209049699858544e-5],
      [5, 1.5374597944280349e-12],
      [10, 2.088487583762545e-45],
    ];
    for (const [x, v] of known) expect(Math.abs(erfc(x) / v - 1), `erfc(${x})`).toBeLessThan(1e-13);
    expect(Math.abs(erfc(-2) - (2 - erfc(2)))).toBe(0);
  });
  it('is continuous where the series hands over to the continued fraction', () => {
    // Just below 3 the series, at 3 the continued fraction: they must agree to double precision.
    const below = erf(3 - 1e-12);
    const at = erf(3);
    expect(Math.abs(at - below)).toBeLessThan(1e-15);
  });
  it('shader approximation (NR erfcc) has relative error under 1.2e-7 on [0, 10]', () => {
    let worst = 0;
    for (let z = 0; z <= 10; z += 1 / 512) worst = Math.max(worst, Math.abs(erfcChebyshev(z) / erfc(z) - 1));
    expect(worst).toBeLessThan(1.2e-7);
    expect(worst).toBeGreaterThan(1e-9); // it is an approximation, and this test measures it
  });
});

describe('gelu reference', () => {
  it('matches closed forms', () => {
    expect(geluRef([0])[0]).toBe(0);
    // gelu(1) = Φ(1) = 0.8413447460685429; gelu(−1) = −Φ(−1) = −0.15865525393145707.
    expect(Math.abs(geluRef([1])[0] - 0.8413447460685429)).toBeLessThan(1e-15);
    expect(Math.abs(geluRef([-1])[0] + 0.15865525393145707)).toBeLessThan(1e-15);
    // Far tail: Φ(−10) = 7.619853024160527e-24, relative precision kept.
    expect(Math.abs(normalCdf(-10) / 7.619853024160527e-24 - 1)).toBeLessThan(1e-12);
  });
  it('backward matches central finite differences of L = Σ w·gelu(x)', () => {
    const n = 40;
    const x = Float64Array.from(randomUniform(n, 11, -6, 6));
    const w = randomUniform(n, 12);
    const L = (v: Float64Array) => dotWith(w)(geluRef(v));
    const fd = centralDifferences(L, x, x.keys());
    const analytic = geluBackwardRef(x, w);
    for (const [i, g] of fd) expect(Math.abs(analytic[i] - g), `x=${x[i]}`).toBeLessThan(1e-8);
  });
  it('derivative matches central differences of gelu to 1e-9 at points across both tails', () => {
    const h = 1e-5;
    for (const x of [-5, -2.3, -0.7, 0, 0.3, 1.1, 4.2]) {
      const fd = (geluRef([x + h])[0] - geluRef([x - h])[0]) / (2 * h);
      expect(Math.abs(fd - geluBackwardRef([x], [1])[0]), `x=${x}`).toBeLessThan(1e-9);
    }
  });
});
