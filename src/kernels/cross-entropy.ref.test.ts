import { describe, expect, it } from 'vitest';
import { IGNORE_TARGET } from './cross-entropy.plan';
import { countTargets, crossEntropyRef, scaledLossRef } from './cross-entropy.ref';
import { centralDifferences } from './gradcheck';
import { randomUniform } from '../util/random';

describe('crossEntropyRef', () => {
  it('gives log V and (1/V − onehot)·scale for equal logits (closed form)', () => {
    const vocab = 5;
    const { losses, dlogits } = crossEntropyRef(new Float64Array(vocab).fill(0.3), [2], 1, vocab, 0.5);
    expect(losses[0]).toBeCloseTo(Math.log(5), 14);
    expect(Array.from(dlogits)).toEqual([0.1, 0.1, (0.2 - 1) * 0.5, 0.1, 0.1].map((x) => expect.closeTo(x, 14)));
  });

  it('matches a hand-computed two-class case', () => {
    // logits (0, ln 3): softmax (1/4, 3/4); target 1 → loss −ln(3/4).
    const { losses, dlogits } = crossEntropyRef([0, Math.log(3)], [1], 1, 2, 1);
    expect(losses[0]).toBeCloseTo(-Math.log(0.75), 14);
    expect(dlogits[0]).toBeCloseTo(0.25, 14);
    expect(dlogits[1]).toBeCloseTo(-0.25, 14);
  });

  it('is stable for large logits (shift invariance)', () => {
    const base = Float64Array.from(randomUniform(9, 1, -3, 3));
    const shifted = base.map((x) => x + 1000);
    const a = crossEntropyRef(base, [4], 1, 9, 1);
    const b = crossEntropyRef(shifted, [4], 1, 9, 1);
    expect(b.losses[0]).toBeCloseTo(a.losses[0], 10);
    for (let j = 0; j < 9; j++) expect(b.dlogits[j]).toBeCloseTo(a.dlogits[j], 10);
  });

  it('dlogits match central finite differences of scale·Σ loss, with an ignored row', () => {
    const rows = 4;
    const vocab = 7;
    const targets = [3, IGNORE_TARGET, 0, 6];
    const scale = 1 / countTargets(targets, vocab);
    expect(scale).toBeCloseTo(1 / 3, 15);
    const logits = Float64Array.from(randomUniform(rows * vocab, 2, -4, 4));
    const fd = centralDifferences((x) => scaledLossRef(x, targets, rows, vocab, scale), logits, logits.keys());
    const { losses, dlogits } = crossEntropyRef(logits, targets, rows, vocab, scale);
    for (const [i, g] of fd) expect(Math.abs(g - dlogits[i])).toBeLessThan(1e-9);
    // The ignored row: no loss, no gradient. Each kept row's dlogits sum to 0.
    expect(losses[1]).toBe(0);
    for (let j = 0; j < vocab; j++) expect(dlogits[vocab + j]).toBe(0);
    for (const r of [0, 2, 3]) {
      let s = 0;
      for (let j = 0; j < vocab; j++) s += dlogits[r * vocab + j];
      expect(Math.abs(s)).toBeLessThan(1e-15);
    }
  });
});
