import { describe, expect, it } from 'vitest';
import { matmulRef } from './matmul.ref';

describe('matmulRef', () => {
  it('matches a hand-computed product, and its transposed forms', () => {
    const a = [1, 2, 3, 4, 5, 6]; // 2×3
    const b = [7, 8, 9, 10, 11, 12]; // 3×2
    expect(Array.from(matmulRef(a, b, { M: 2, N: 2, K: 3 }))).toEqual([58, 64, 139, 154]);
    const aT = [1, 4, 2, 5, 3, 6]; // A stored 3×2
    const bT = [7, 9, 11, 8, 10, 12]; // B stored 2×3
    expect(Array.from(matmulRef(aT, bT, { M: 2, N: 2, K: 3, transA: true, transB: true }))).toEqual([58, 64, 139, 154]);
  });
  it('accumulates into C with alpha, and broadcasts with stride 0', () => {
    const out = matmulRef([1, 2], [3, 4], { M: 1, N: 1, K: 2, alpha: 2 }, [1]);
    expect(out[0]).toBe(1 + 2 * 11);
    const batched = matmulRef([1, 1, 2, 2], [1, 1], { M: 1, N: 1, K: 2, batch: 2, strideB: 0 });
    expect(Array.from(batched)).toEqual([2, 4]);
  });
});
