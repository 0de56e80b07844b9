import { createStorage, readF32, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareRope } from '../../src/kernels/rope';
import type { RopeShape } from '../../src/kernels/rope.plan';
import { ropeRef } from '../../src/kernels/rope.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

// x in [-1, 1]; each output is two fp32 products and a sum with cos/sin tables rounded to fp32
// (|error| ≲ 3·2^-24). A wrong pair, head or position is off by O(0.1).
const TOL: Tolerance = { atol: 1e-6, rtol: 1e-6 };

type Mode = 'out of place' | 'in place';

async function runCase(gpu: GpuContext, shape: RopeShape, inverse: boolean, mode: Mode, seed: number): Promise<CheckOutcome> {
  const n = shape.rows * shape.heads * shape.headDim;
  const host = randomUniform(n, seed);
  const x = uploadF32(gpu, host, 'x');
  const y = mode === 'in place' ? x : createStorage(gpu, n, 'y');
  await runDispatches(gpu, [await prepareRope(gpu, { ...shape, x, y, inverse })]);
  const actual = await readF32(gpu, y, n);
  x.destroy();
  y.destroy();
  const tag =
    `${inverse ? 'inverse ' : ''}${mode}: rows ${shape.rows}, T ${shape.seqLen}, H ${shape.heads}, hd ${shape.headDim}` +
    `${shape.base ? `, base ${shape.base}` : ''}`;
  return { label: tag, comparison: compareArrays(actual, ropeRef(host, shape, inverse), TOL) };
}

export const checks: Record<string, Check> = {
  async 'forward and inverse, in and out of place'(gpu) {
    const shape = { rows: 3 * 17, seqLen: 17, heads: 3, headDim: 8 }; // three sequences
    return [
      await runCase(gpu, shape, false, 'out of place', 1),
      await runCase(gpu, shape, true, 'out of place', 2),
      await runCase(gpu, shape, false, 'in place', 3),
      await runCase(gpu, shape, true, 'in place', 4),
    ];
  },
  async 'edge shapes: T = 1, hd = 2, one row, long sequence, other base'(gpu) {
    return [
      // T = 1: every row is position 0, so rope is the identity.
      await runCase(gpu, { rows: 5, seqLen: 1, heads: 2, headDim: 6 }, false, 'out of place', 10),
      await runCase(gpu, { rows: 7, seqLen: 7, heads: 5, headDim: 2 }, false, 'out of place', 11),
      await runCase(gpu, { rows: 1, seqLen: 4, heads: 1, headDim: 64 }, true, 'out of place', 12),
      // Positions up to 2047 (angles up to 2047 rad): the float64 table keeps them exact.
      await runCase(gpu, { rows: 2048, seqLen: 2048, heads: 1, headDim: 4 }, false, 'in place', 13),
      await runCase(gpu, { rows: 12, seqLen: 6, heads: 2, headDim: 10, base: 500 }, false, 'out of place', 14),
    ];
  },
  async 'inverse(forward(x)) = x on the GPU'(gpu) {
    const shape = { rows: 40, seqLen: 20, heads: 4, headDim: 16 };
    const n = 40 * 64;
    const host = randomUniform(n, 20);
    const x = uploadF32(gpu, host, 'x');
    const y = createStorage(gpu, n, 'y');
    await runDispatches(gpu, [
      await prepareRope(gpu, { ...shape, x, y }),
      await prepareRope(gpu, { ...shape, x: y, inverse: true }),
    ]);
    const back = await readF32(gpu, y, n);
    x.destroy();
    y.destroy();
    return [{ label: 'round trip 40×4×16', comparison: compareArrays(back, host, { atol: 2e-6, rtol: 2e-6 }) }];
  },
};
