import { createStorage, readF32, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareGeluBackward, prepareGeluForward } from '../../src/kernels/gelu';
import { geluBackwardRef, geluRef } from '../../src/kernels/gelu.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

// The erfc fit has relative error < 1.2e-7, so Φ is within 6e-8 absolute; fp32 rounding of
// x·Φ(x) adds half an ulp of |y| (4.8e-7 at |x| = 10) and exp's own error a little more.
// A tanh-form GELU would be off by up to ~5e-4 and fail; so would 1 + erf cancelling on the
// negative tail only where |y| < 3e-7, which the relative checks below catch.
const TOL_FORWARD: Tolerance = { atol: 3e-7, rtol: 1e-6 };
const TOL_BACKWARD: Tolerance = { atol: 5e-7, rtol: 2e-6 };

const SPECIAL = [-20, -10, -8, -5, -3, -2, -1, -0.5, -1e-3, 0, 1e-3, 0.5, 1, 2, 3, 5, 8, 10, 20];

async function runCase(gpu: GpuContext, xh: Float32Array, tag: string, seed: number, inPlaceBackward = false): Promise<CheckOutcome[]> {
  const n = xh.length;
  const dyh = randomUniform(n, seed);
  const x = uploadF32(gpu, xh, 'x');
  const y = createStorage(gpu, n, 'y');
  const dy = uploadF32(gpu, dyh, 'dy');
  const dx = inPlaceBackward ? dy : createStorage(gpu, n, 'dx');
  await runDispatches(gpu, [
    await prepareGeluForward(gpu, { x, y, count: n }),
    await prepareGeluBackward(gpu, { x, dy, dx, count: n }),
  ]);
  const [yG, dxG] = [await readF32(gpu, y, n), await readF32(gpu, dx, n)];
  [x, y, dy, dx].forEach((b) => b.destroy());
  return [
    { label: `${tag}: gelu(x)`, comparison: compareArrays(yG, geluRef(xh), TOL_FORWARD) },
    { label: `${tag}: dx${inPlaceBackward ? ' (in place over dy)' : ''}`, comparison: compareArrays(dxG, geluBackwardRef(xh, dyh), TOL_BACKWARD) },
  ];
}

/** Relative accuracy on the negative tail, where gelu(x) is tiny: |err| ≤ 1e-5·|gelu(x)|. */
async function tailCase(gpu: GpuContext): Promise<CheckOutcome> {
  const xh = Float32Array.from([-3, -4, -5, -6, -7, -8, -9, -10]);
  const x = uploadF32(gpu, xh, 'x');
  const y = createStorage(gpu, xh.length, 'y');
  await runDispatches(gpu, [await prepareGeluForward(gpu, { x, y, count: xh.length })]);
  const yG = await readF32(gpu, y, xh.length);
  x.destroy();
  y.destroy();
  return { label: 'x in [-10, -3]: relative error', comparison: compareArrays(yG, geluRef(xh), { atol: 0, rtol: 1e-5 }) };
}

export const checks: Record<string, Check> = {
  async 'special values, one element, ragged counts'(gpu) {
    return [
      ...(await runCase(gpu, Float32Array.from(SPECIAL), 'special values', 1)),
      ...(await runCase(gpu, Float32Array.from([0.7]), 'count 1', 2)),
      ...(await runCase(gpu, randomUniform(1025, 3, -4, 4), '1025 in [-4, 4]', 4, true)),
      await tailCase(gpu),
    ];
  },
  async 'large values: |x| up to 10'(gpu) {
    return [...(await runCase(gpu, randomUniform(4099, 5, -10, 10), '4099 in [-10, 10]', 6))];
  },
};
