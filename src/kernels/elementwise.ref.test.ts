import { describe, expect, it } from 'vitest';
import { addRef, fillRef, scaleRef } from './elementwise.ref';

describe('elementwise references', () => {
  it('add, scale and fill give closed-form values', () => {
    expect(Array.from(addRef([1, 2.5, -3], [4, 0.5, 3]))).toEqual([5, 3, 0]);
    expect(() => addRef([1], [1, 2])).toThrow(/mismatch/);
    expect(Array.from(scaleRef([1, -2, 4], 0.5))).toEqual([0.5, -1, 2]);
    // 0.1 is not an fp32 value: the reference scales by fround(0.1), as the GPU uniform does.
    expect(scaleRef([1], 0.1)[0]).toBe(Math.fround(0.1));
    expect(Array.from(fillRef(3, 0))).toEqual([0, 0, 0]);
  });
});
