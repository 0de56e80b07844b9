import { describe, expect, it } from 'vitest';
import { centralDifferences, dotWith } from './gradcheck';
import { ropeTable } from './rope.plan';
import { ropeRef } from './rope.ref';
import { randomUniform } from '../util/random';

const shape = { rows: 6, seqLen: 3, heads: 2, headDim: 4 };
const width = shape.heads * shape.headDim;

describe('rope reference', () => {
  it('leaves position 0 unchanged and rotates pair (i, i + hd/2) by t·base^(−2i/hd)', () => {
    const x = randomUniform(shape.rows * width, 1);
    const y = ropeRef(x, shape);
    for (let c = 0; c < width; c++) expect(y[c]).toBe(x[c]); // row 0: t = 0
    for (let c = 0; c < width; c++) expect(y[3 * width + c]).toBe(x[3 * width + c]); // row 3: t = 3 mod 3 = 0
    // Row 1 (t = 1), head 1, pair i = 1: θ = 10000^(−2/4) = 0.01.
    const at = 1 * width + 4;
    const [x1, x2] = [x[at + 1], x[at + 3]];
    expect(y[at + 1]).toBeCloseTo(x1 * Math.cos(0.01) - x2 * Math.sin(0.01), 14);
    expect(y[at + 3]).toBeCloseTo(x2 * Math.cos(0.01) + x1 * Math.sin(0.01), 14);
    // Pair i = 0 rotates by θ = t: row 2 (t = 2).
    const t = ropeTable(3, 4);
    expect(t[2 * (2 * 2 + 0)]).toBe(Math.cos(2));
    expect(t[2 * (2 * 2 + 0) + 1]).toBe(Math.sin(2));
  });

  it('preserves the norm of every rotated pair', () => {
    const big = { rows: 20, seqLen: 10, heads: 3, headDim: 8 };
    const x = randomUniform(20 * 24, 2);
    const y = ropeRef(x, big);
    for (let r = 0; r < 20; r++) {
      for (let h = 0; h < 3; h++) {
        for (let i = 0; i < 4; i++) {
          const a = r * 24 + h * 8 + i;
          const before = Math.hypot(x[a], x[a + 4]);
          const after = Math.hypot(y[a], y[a + 4]);
          expect(Math.abs(after - before)).toBeLessThan(1e-14);
        }
      }
    }
  });

  it('inverse(forward(x)) = x', () => {
    const big = { rows: 9, seqLen: 4, heads: 2, headDim: 6, base: 500 };
    const x = randomUniform(9 * 12, 3);
    const back = ropeRef(ropeRef(x, big), big, true);
    for (let i = 0; i < x.length; i++) expect(Math.abs(back[i] - x[i])).toBeLessThan(1e-14);
  });

  it('backward (inverse rotation of dy) matches central finite differences', () => {
    const x = Float64Array.from(randomUniform(shape.rows * width, 4));
    const probe = randomUniform(shape.rows * width, 5);
    const fd = centralDifferences((v) => dotWith(probe)(ropeRef(v, shape)), x, x.keys());
    const dx = ropeRef(probe, shape, true);
    for (const [i, g] of fd) expect(Math.abs(dx[i] - g), `dx[${i}]`).toBeLessThan(1e-9);
  });

  it('rejects an odd head dimension', () => {
    expect(() => ropeRef([1, 2, 3], { rows: 1, seqLen: 1, heads: 1, headDim: 3 })).toThrow(/even/);
  });
});
