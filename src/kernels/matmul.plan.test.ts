import { describe, expect, it } from 'vitest';
import { MATMUL_DIRECT_MAX_MACS, matmulKernelFor } from './matmul.plan';

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
