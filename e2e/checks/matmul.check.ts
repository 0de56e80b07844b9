import { createStorage, readF32, runDispatches, uploadF32 } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareMatmul } from '../../src/kernels/matmul';
import { matmulRef, matmulStrides, type MatmulShape } from '../../src/kernels/matmul.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';
import type { GpuContext } from '../../src/gpu';

// Inputs in [-1, 1]; K ≤ 200 terms of fp32 products. fp32 rounding grows like sqrt(K)·2^-24,
// far under this bound; a wrong index or a missed edge is off by O(1).
const TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };

function storageCount(s: MatmulShape, which: 'A' | 'B' | 'C'): number {
  const { strideA, strideB, strideC } = matmulStrides(s);
  const batch = s.batch ?? 1;
  const [stride, size] =
    which === 'A' ? [strideA, s.M * s.K] : which === 'B' ? [strideB, s.K * s.N] : [strideC, s.M * s.N];
  return stride * (batch - 1) + size;
}

async function runCase(gpu: GpuContext, shape: MatmulShape, accumulate: boolean, seed: number): Promise<CheckOutcome> {
  const aHost = randomUniform(storageCount(shape, 'A'), seed);
  const bHost = randomUniform(storageCount(shape, 'B'), seed + 1);
  const cHost = randomUniform(storageCount(shape, 'C'), seed + 2);
  const a = uploadF32(gpu, aHost, 'A');
  const b = uploadF32(gpu, bHost, 'B');
  const c = accumulate ? uploadF32(gpu, cHost, 'C') : createStorage(gpu, cHost.length, 'C');
  await runDispatches(gpu, [await prepareMatmul(gpu, { ...shape, a, b, c, accumulate })]);
  const actual = await readF32(gpu, c, cHost.length);
  a.destroy();
  b.destroy();
  c.destroy();
  const expected = matmulRef(aHost, bHost, shape, accumulate ? cHost : undefined);
  const tag = `${shape.batch ?? 1}×[${shape.M}×${shape.K}·${shape.K}×${shape.N}]` +
    `${shape.transA ? ' Aᵀ' : ''}${shape.transB ? ' Bᵀ' : ''}${accumulate ? ' C+=' : ''}`;
  return { label: tag, comparison: compareArrays(actual, expected, TOL) };
}

const ragged: MatmulShape[] = [
  { M: 1, N: 1, K: 1 },
  { M: 7, N: 5, K: 13 },
  { M: 65, N: 33, K: 130 },
  { M: 64, N: 64, K: 16 },
];

export const checks: Record<string, Check> = {
  async 'A·B on ragged shapes'(gpu) {
    const out: CheckOutcome[] = [];
    for (const [i, s] of ragged.entries()) out.push(await runCase(gpu, s, false, 10 * i));
    return out;
  },
  async 'A·Bᵀ and Aᵀ·B'(gpu) {
    const out: CheckOutcome[] = [];
    for (const [i, s] of ragged.entries()) {
      out.push(await runCase(gpu, { ...s, transB: true }, false, 100 + 10 * i));
      out.push(await runCase(gpu, { ...s, transA: true }, false, 200 + 10 * i));
    }
    out.push(await runCase(gpu, { M: 17, N: 9, K: 70, transA: true, transB: true }, false, 300));
    return out;
  },
  async 'batched, broadcast, accumulate and alpha'(gpu) {
    return [
      await runCase(gpu, { M: 9, N: 11, K: 20, batch: 3 }, false, 400),
      // B shared by every batch entry (a weight): stride 0.
      await runCase(gpu, { M: 33, N: 7, K: 65, batch: 2, strideB: 0 }, false, 410),
      await runCase(gpu, { M: 65, N: 33, K: 130, transA: true }, true, 420),
      await runCase(gpu, { M: 5, N: 70, K: 3, transB: true, alpha: -0.5 }, true, 430),
    ];
  },
};
