import { describe, expect, it } from 'vitest';
import { centralDifferences, dotWith } from './gradcheck';
import { layerNormBackwardRef, layerNormForwardRef } from './layernorm.ref';
import { randomUniform } from '../util/random';

describe('layerNorm reference', () => {
  it('normalises each row to mean 0 and variance var/(var+eps), scaled by w', () => {
    const shape = { rows: 3, cols: 7 };
    const x = randomUniform(21, 1, -2, 2);
    const ones = new Float64Array(7).fill(1);
    const { y, mean, rstd } = layerNormForwardRef(x, ones, shape);
    for (let r = 0; r < 3; r++) {
      let s = 0;
      let v = 0;
      for (let c = 0; c < 7; c++) s += y[r * 7 + c];
      for (let c = 0; c < 7; c++) v += y[r * 7 + c] ** 2;
      expect(Math.abs(s / 7)).toBeLessThan(1e-12);
      const variance = 1 / rstd[r] ** 2 - 1e-5;
      expect(Math.abs(v / 7 - variance / (variance + 1e-5))).toBeLessThan(1e-12);
      expect(Math.abs(mean[r] - Array.from(x.slice(r * 7, r * 7 + 7)).reduce((a, b) => a + b) / 7)).toBeLessThan(1e-12);
    }
  });

  for (const shape of [
    { rows: 3, cols: 5 },
    { rows: 1, cols: 9, eps: 1e-3 },
    { rows: 2, cols: 1 },
  ]) {
    it(`backward matches central finite differences (${shape.rows}×${shape.cols})`, () => {
      const n = shape.rows * shape.cols;
      const x = Float64Array.from(randomUniform(n, 3, -2, 2));
      const w = Float64Array.from(randomUniform(shape.cols, 4, 0.5, 1.5));
      const probe = randomUniform(n, 5); // L = Σ probe ⊙ y, so dy = probe
      const L = dotWith(probe);
      const { dx, dweight } = layerNormBackwardRef(probe, x, w, shape);
      const fdx = centralDifferences((v) => L(layerNormForwardRef(v, w, shape).y), x, x.keys());
      const fdw = centralDifferences((v) => L(layerNormForwardRef(x, v, shape).y), w, w.keys());
      for (const [i, g] of fdx) expect(Math.abs(dx[i] - g), `dx[${i}]`).toBeLessThan(1e-7);
      for (const [i, g] of fdw) expect(Math.abs(dweight[i] - g), `dw[${i}]`).toBeLessThan(1e-7);
    });
  }

  it('accumulates into initial dx and dw', () => {
    const shape = { rows: 2, cols: 3 };
    const x = randomUniform(6, 6);
    const w = randomUniform(3, 7);
    const dy = randomUniform(6, 8);
    const base = layerNormBackwardRef(dy, x, w, shape);
    const acc = layerNormBackwardRef(dy, x, w, shape, [1, 2, 3, 4, 5, 6], [10, 20, 30]);
    for (let i = 0; i < 6; i++) expect(acc.dx[i]).toBeCloseTo(base.dx[i] + i + 1, 12);
    for (let i = 0; i < 3; i++) expect(acc.dweight[i]).toBeCloseTo(base.dweight[i] + 10 * (i + 1), 12);
  });
});
