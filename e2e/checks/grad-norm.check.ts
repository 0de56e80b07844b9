import { createStorage, readF32, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareGradNorm } from '../../src/kernels/grad-norm';
import { gradNormScratchCount } from '../../src/kernels/grad-norm.plan';
import { gradNormRef } from '../../src/kernels/grad-norm.ref';
import { randomNormal } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

// Σ g² of up to 70k float32 squares, summed in 4096-element chunks and trees: relative error
// ~1e-7 (the Node test bounds this order's error by 1e-6 on 70k elements); a missed chunk
// or lane is off by ≥ 1/4096 relative.
const TOL: Tolerance = { atol: 0, rtol: 2e-6 };
const EXACT: Tolerance = { atol: 0, rtol: 0 };

/** The gradients sit in a flat buffer after 64 leading floats (a 256-byte-aligned slice). */
async function normCase(gpu: GpuContext, count: number, slot: number, label: string, seed: number, maxGroupsPerDim?: number): Promise<CheckOutcome[]> {
  const lead = 64;
  const host = randomNormal(lead + count + 3, seed, 0.01);
  const flat = uploadF32(gpu, host, 'flat grads');
  const grads = { buffer: flat, offset: lead * 4, size: count * 4 };
  const scratch = createStorage(gpu, gradNormScratchCount(count), 'scratch');
  const stats = createStorage(gpu, slot + 3, 'stats');
  const dispatches = await prepareGradNorm(gpu, { grads, count, scratch, stats, slot, maxGroupsPerDim });
  await runDispatches(gpu, dispatches);
  const first = await readF32(gpu, stats, slot + 3);
  await runDispatches(gpu, dispatches);
  const second = await readF32(gpu, stats, slot + 3);
  [flat, scratch, stats].forEach((b) => b.destroy());
  const ref = gradNormRef(host.subarray(lead, lead + count));
  const expected = new Float64Array(slot + 3);
  expected[slot] = ref.sumSquares;
  expected[slot + 1] = ref.norm;
  return [
    { label: `${label}: [Σg², ‖g‖] at slot ${slot}, other slots 0`, comparison: compareArrays(first, expected, TOL) },
    { label: `${label}: repeat is bitwise identical`, comparison: compareArrays(second, first, EXACT) },
  ];
}

export const checks: Record<string, Check> = {
  async 'ragged counts, slices, slots, folded grid'(gpu) {
    return [
      ...(await normCase(gpu, 1, 0, 'count 1', 1)),
      ...(await normCase(gpu, 4095, 2, 'count 4095', 2)),
      ...(await normCase(gpu, 4097, 1, 'count 4097', 3)),
      // 18 chunks on a grid folded at 5 per dimension: 5×4 = 20 workgroups, 2 past the end.
      ...(await normCase(gpu, 70_000, 4, 'count 70000, grid folded', 4, 5)),
    ];
  },
};
