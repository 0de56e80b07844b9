import { describe, expect, it } from 'vitest';
import { ropeTable } from './rope.plan';

describe('ropeTable', () => {
  it('θ(t, i) = t·10000^(−2i/hd), cos and sin interleaved', () => {
    // hd = 4: pairs i = 0, 1 with frequencies 1 and 10000^(−1/2) = 0.01; entry (t, i) at 2·(2t + i).
    const table = ropeTable(3, 4);
    expect(table[0]).toBe(1);
    expect(table[2 * (1 * 2 + 0) + 1]).toBeCloseTo(Math.sin(1), 15);
    expect(table[2 * (2 * 2 + 1) + 1]).toBeCloseTo(Math.sin(0.02), 15);
  });
});
