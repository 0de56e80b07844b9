import { describe, expect, it } from 'vitest';
import { MATMUL_DIRECT_MAX_MACS, matmulKernelFor, matmulRef } from './matmul.ref';

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

describe('matmulKernelFor', () => {
  it('sends problems of at most 2^24 multiply-adds (batch included) to the direct kernel', () => {
    expect(MATMUL_DIRECT_MAX_MACS).toBe(2 ** 24);
    expect(matmulKernelFor({ M: 1, N: 1, K: 1 })).toBe('direct');
    expect(matmulKernelFor({ M: 1024, N: 257, K: 32, transB: true })).toBe('direct');
    expect(matmulKernelFor({ M: 4096, N: 64, K: 64 })).toBe('direct'); // exactly 2^24
    expect(matmulKernelFor({ M: 4096, N: 64, K: 65 })).toBe('tiled');
    expect(matmulKernelFor({ M: 64, N: 64, K: 64, batch: 65 })).toBe('tiled');
    expect(matmulKernelFor({ M: 2048, N: 4096, K: 64, transB: true })).toBe('tiled');
  });
});
