import { describe, expect, it } from 'vitest';
import { attentionFlops, attentionKernelFor } from './attention.plan';

describe('attentionFlops', () => {
  it('counts causal pairs only', () => {
    // B=2, H=3, T=4: pairs = 2·3·(4·5/2) = 60; hd = 8.
    expect(attentionFlops({ batch: 2, seqLen: 4, heads: 3, headDim: 8 })).toEqual({
      forward: 4 * 8 * 60,
      backward: 10 * 8 * 60,
    });
  });
});

describe('attentionKernelFor', () => {
  it('runs T ≤ 64 and hd ≤ 64 on the row kernels when barrier-free kernels are preferred, the rest tiled', () => {
    expect(attentionKernelFor({ batch: 1, seqLen: 64, heads: 1, headDim: 64 })).toBe('rows');
    expect(attentionKernelFor({ batch: 1, seqLen: 65, heads: 1, headDim: 64 })).toBe('tiled');
    expect(attentionKernelFor({ batch: 1, seqLen: 64, heads: 1, headDim: 65 })).toBe('tiled');
    expect(attentionKernelFor({ batch: 1, seqLen: 8, heads: 1, headDim: 8 }, false)).toBe('tiled');
  });
});
