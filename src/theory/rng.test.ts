import { describe, expect, it } from 'vitest';
import { FEATURE_STREAM, NOISE_STREAM, featureNormals, gaussian4, noiseNormal, pcg4d, uniform24 } from './rng';

// pcg4d and the Box–Muller normals computed independently (Python, numpy uint64 arithmetic masked to 32 bits).
const KNOWN: { input: [number, number, number, number]; hash: number[]; normals: number[] }[] = [
  { input: [0, 0, 0, 0], hash: [251852841, 760645481, 850445371, 3542436074], normals: [1.0531738083629991, 2.1362426765473757, 0.8149011318549338, -1.604622717853808] },
  { input: [1, 2, 3, 4], hash: [908250390, 4044648920, 3775961919, 45698095], normals: [1.6458919751434025, -0.6311874615784772, 0.5063872515144833, 0.03390387257169845] },
  { input: [4000000000, 123456789, 17, 1], hash: [122974647, 3484132667, 1483735206, 123746193], normals: [1.0002030473721752, -2.471039614024548, 1.4341738591024469, 0.2625031097219037] },
  { input: [7, 123, 3, 0], hash: [2455233804, 4155625683, 157296138, 727828193], normals: [1.035668523900646, -0.21408995992108645, 1.246602086113651, 2.2494709739289576] },
];

describe('theory RNG', () => {
  it('pcg4d and its normals equal an independent implementation', () => {
    for (const k of KNOWN) {
      expect(pcg4d(...k.input)).toEqual(k.hash);
      const g = gaussian4(...k.input);
      k.normals.forEach((v, j) => expect(g[j]).toBeCloseTo(v, 13));
    }
  });

  it('uniforms are the top 24 bits, centred: never 0 or 1', () => {
    expect(uniform24(0)).toBe(0.5 / 2 ** 24);
    expect(uniform24(0xffffffff)).toBe(1 - 0.5 / 2 ** 24);
    expect(uniform24(0x000000ff)).toBe(uniform24(0)); // the low 8 bits are dropped
  });

  it('feature coordinate i of sample n is entry i mod 4 of quad ⌊i/4⌋; the noise is entry 0 of the noise stream', () => {
    const z = featureNormals(5, 77, 10);
    for (let i = 0; i < 10; i++) expect(z[i]).toBe(gaussian4(5, 77, Math.floor(i / 4), FEATURE_STREAM)[i % 4]);
    expect(noiseNormal(5, 77)).toBeCloseTo(gaussian4(5, 77, 0, NOISE_STREAM)[0], 15);
  });

  it('draws look standard normal and independent: moments and correlations within 4.5 standard errors', () => {
    const n = 40000;
    const dim = 6;
    const xs: Float64Array[] = [];
    const noise = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      xs.push(featureNormals(3, s, dim));
      noise[s] = noiseNormal(3, s);
    }
    const columns = [...Array.from({ length: dim }, (_, i) => xs.map((x) => x[i])), Array.from(noise)];
    const se = 1 / Math.sqrt(n);
    for (const c of columns) {
      const mean = c.reduce((a, v) => a + v, 0) / n;
      const m2 = c.reduce((a, v) => a + (v - mean) ** 2, 0) / n;
      const m4 = c.reduce((a, v) => a + (v - mean) ** 4, 0) / n;
      expect(Math.abs(mean)).toBeLessThan(4.5 * se);
      expect(Math.abs(m2 - 1)).toBeLessThan(4.5 * Math.SQRT2 * se); // var(z²) = 2
      expect(Math.abs(m4 / (m2 * m2) - 3)).toBeLessThan(4.5 * Math.sqrt(96) * se); // var(z⁴) = 96
    }
    const corr = (p: number[], q: number[]) => p.reduce((a, v, i) => a + v * q[i], 0) / n;
    // Across coordinates of one sample (within and across quads), features against the noise, and consecutive samples.
    for (const [p, q] of [[0, 1], [1, 2], [3, 4], [0, 5], [2, dim]]) expect(Math.abs(corr(columns[p], columns[q]))).toBeLessThan(4.5 * se);
    const shifted = columns[0].slice(1).concat([0]);
    expect(Math.abs(corr(columns[0], shifted))).toBeLessThan(4.5 * se);
    // Another seed gives other draws.
    const other = featureNormals(4, 0, dim);
    expect(other[0]).not.toBe(xs[0][0]);
  });
});
