import { describe, expect, it } from 'vitest';
import { embeddingBackwardFromIndexRef, embeddingBackwardRef, embeddingForwardRef } from './embedding.ref';
import { buildTokenIndex } from './token-index';
import { centralDifferences, dotWith } from './gradcheck';
import { randomInts, randomUniform } from '../util/random';

describe('buildTokenIndex', () => {
  it('groups positions by id, both ascending, on a hand example', () => {
    const index = buildTokenIndex(Uint32Array.from([5, 2, 5, 9, 2, 5]));
    expect(Array.from(index.uniqueIds)).toEqual([2, 5, 9]);
    expect(Array.from(index.offsets)).toEqual([0, 2, 5, 6]);
    expect(Array.from(index.positions)).toEqual([1, 4, 0, 2, 5, 3]);
  });

  it('handles N = 1, one id repeated everywhere, and no tokens', () => {
    const one = buildTokenIndex(Uint32Array.from([7]));
    expect([Array.from(one.uniqueIds), Array.from(one.offsets), Array.from(one.positions)]).toEqual([[7], [0, 1], [0]]);
    const same = buildTokenIndex(new Uint32Array(50).fill(3));
    expect(Array.from(same.uniqueIds)).toEqual([3]);
    expect(Array.from(same.offsets)).toEqual([0, 50]);
    expect(Array.from(same.positions)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const none = buildTokenIndex(new Uint32Array(0));
    expect([none.uniqueIds.length, Array.from(none.offsets), none.positions.length]).toEqual([0, [0], 0]);
  });

  it('is a permutation consistent with the tokens on random input', () => {
    const tokens = randomInts(2000, 50_304, 11);
    const { uniqueIds, offsets, positions } = buildTokenIndex(tokens);
    expect(new Set(positions).size).toBe(tokens.length);
    expect(uniqueIds.length).toBe(new Set(tokens).size);
    for (let u = 0; u < uniqueIds.length; u++) {
      if (u > 0) expect(uniqueIds[u]).toBeGreaterThan(uniqueIds[u - 1]);
      for (let k = offsets[u]; k < offsets[u + 1]; k++) {
        expect(tokens[positions[k]]).toBe(uniqueIds[u]);
        if (k > offsets[u]) expect(positions[k]).toBeGreaterThan(positions[k - 1]);
      }
    }
  });

  it('refuses ids it cannot encode exactly', () => {
    expect(() => buildTokenIndex(Uint32Array.from([0, 2 ** 21]))).toThrow(/too large/);
  });
});

describe('embedding references', () => {
  it('forward looks rows up, on a hand example; an id past the vocabulary reads zeros', () => {
    const table = [1, 2, 3, 4, 5, 6]; // V = 3, C = 2
    expect(Array.from(embeddingForwardRef([2, 0, 2, 3], table, 3, 2))).toEqual([5, 6, 1, 2, 5, 6, 0, 0]);
  });

  it('backward matches central finite differences of the forward, with repeated ids', () => {
    const vocab = 6;
    const cols = 3;
    const tokens = [4, 1, 4, 4, 0, 1, 4]; // id 4 at four positions; ids 2, 3, 5 never
    const table = Float64Array.from(randomUniform(vocab * cols, 1));
    const w = randomUniform(tokens.length * cols, 2); // L = Σ w·x, so dL/dx = w
    const loss = (t: Float64Array) => dotWith(w)(embeddingForwardRef(tokens, t, vocab, cols));
    const fd = centralDifferences(loss, table, table.keys());
    const analytic = embeddingBackwardRef(tokens, w, vocab, cols);
    for (const [i, g] of fd) expect(Math.abs(g - analytic[i])).toBeLessThan(1e-8);
    // The row of id 4 is the sum of four rows of dOut; untouched ids get exactly 0.
    expect(analytic[4 * cols]).toBeCloseTo(w[0] + w[2 * cols] + w[3 * cols] + w[6 * cols], 12);
    expect(analytic[2 * cols]).toBe(0);
  });

  it('the index-driven sum equals the direct sum, and accumulates onto an initial table', () => {
    const vocab = 40;
    const cols = 5;
    const tokens = randomInts(300, vocab, 3);
    const dOut = randomUniform(300 * cols, 4);
    const initial = randomUniform(vocab * cols, 5);
    const direct = embeddingBackwardRef(tokens, dOut, vocab, cols, initial);
    const viaIndex = embeddingBackwardFromIndexRef(buildTokenIndex(tokens), dOut, vocab, cols, initial);
    for (let i = 0; i < direct.length; i++) expect(Math.abs(direct[i] - viaIndex[i])).toBeLessThan(1e-12);
  });
});
