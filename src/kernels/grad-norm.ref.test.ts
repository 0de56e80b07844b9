import { describe, expect, it } from 'vitest';
import { clipScaleRef, gradNormRef } from './grad-norm.ref';
import { randomNormal } from '../util/random';

/** The kernel's order of summation (4096-element chunks of 256 strided lanes, then trees), in float32. */
function float32PartitionedSum(g: Float32Array): number {
  const f = Math.fround;
  const tree = (lanes: number[]) => {
    for (let stride = lanes.length / 2; stride >= 1; stride /= 2) {
      for (let l = 0; l < stride; l++) lanes[l] = f(lanes[l] + lanes[l + stride]);
    }
    return lanes[0];
  };
  const partials: number[] = [];
  for (let base = 0; base < g.length; base += 4096) {
    const lanes = new Array<number>(256).fill(0);
    for (let k = 0; k < 16; k++) {
      for (let l = 0; l < 256; l++) {
        const i = base + k * 256 + l;
        if (i < g.length) lanes[l] = f(lanes[l] + f(g[i] * g[i]));
      }
    }
    partials.push(tree(lanes));
  }
  const lanes = new Array<number>(256).fill(0);
  partials.forEach((p, i) => (lanes[i % 256] = f(lanes[i % 256] + p)));
  return tree(lanes);
}

describe('gradNormRef', () => {
  it('matches closed forms', () => {
    expect(gradNormRef([3, 4])).toEqual({ sumSquares: 25, norm: 5 });
    expect(gradNormRef(new Float64Array(100).fill(-0.5)).norm).toBeCloseTo(5, 14);
    expect(gradNormRef([]).norm).toBe(0);
  });

  it('the kernel’s float32 summation order stays within 1e-6 relative of the float64 sum', () => {
    const g = randomNormal(70_001, 3, 1e-2);
    const exact = gradNormRef(g).sumSquares;
    const f32 = float32PartitionedSum(g);
    expect(Math.abs(f32 - exact) / exact).toBeLessThan(1e-6);
  });

  it('clip scale follows clip_grad_norm_', () => {
    expect(clipScaleRef(0.5, 1)).toBe(1);
    expect(clipScaleRef(4, 1)).toBeCloseTo(1 / (4 + 1e-6), 15);
    expect(clipScaleRef(1e9, 0)).toBe(1);
  });
});
