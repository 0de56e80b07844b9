import { createStorage, readF32, runDispatches, uploadF32 } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { matmulSplitPlan, prepareMatmul, prepareMatmulSteps } from '../../src/kernels/matmul';
import { matmulKernelFor, matmulStrides, type MatmulKernel, type MatmulShape } from '../../src/kernels/matmul.plan';
import { matmulRef } from '../../src/kernels/matmul.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';
import type { GpuContext } from '../../src/gpu';

// Inputs in [-1, 1]; K ≤ 700 terms of fp32 products. fp32 rounding grows like sqrt(K)·2^-24,
// far under this bound; a wrong index or a missed edge is off by O(1). Both kernels (the tiled
// `main` and the barrier-free `direct`) run every case, forced, under the same bound.
const TOL: Tolerance = { atol: 1e-4, rtol: 1e-4 };
const KERNELS: MatmulKernel[] = ['tiled', 'direct'];

function storageCount(s: MatmulShape, which: 'A' | 'B' | 'C'): number {
  const { strideA, strideB, strideC } = matmulStrides(s);
  const batch = s.batch ?? 1;
  const [stride, size] =
    which === 'A' ? [strideA, s.M * s.K] : which === 'B' ? [strideB, s.K * s.N] : [strideC, s.M * s.N];
  return stride * (batch - 1) + size;
}

async function runCase(gpu: GpuContext, shape: MatmulShape, accumulate: boolean, seed: number, kernel?: MatmulKernel): Promise<CheckOutcome> {
  const aHost = randomUniform(storageCount(shape, 'A'), seed);
  const bHost = randomUniform(storageCount(shape, 'B'), seed + 1);
  const cHost = randomUniform(storageCount(shape, 'C'), seed + 2);
  const a = uploadF32(gpu, aHost, 'A');
  const b = uploadF32(gpu, bHost, 'B');
  const c = accumulate ? uploadF32(gpu, cHost, 'C') : createStorage(gpu, cHost.length, 'C');
  await runDispatches(gpu, [await prepareMatmul(gpu, { ...shape, a, b, c, accumulate, kernel })]);
  const actual = await readF32(gpu, c, cHost.length);
  a.destroy();
  b.destroy();
  c.destroy();
  const expected = matmulRef(aHost, bHost, shape, accumulate ? cHost : undefined);
  const tag = `${kernel ?? `auto (${matmulKernelFor(shape)})`} ${shape.batch ?? 1}×[${shape.M}×${shape.K}·${shape.K}×${shape.N}]` +
    `${shape.transA ? ' Aᵀ' : ''}${shape.transB ? ' Bᵀ' : ''}${accumulate ? ' C+=' : ''}${shape.alpha !== undefined ? ` α=${shape.alpha}` : ''}` +
    `${shape.strideA === 0 ? ' A broadcast' : ''}${shape.strideB === 0 ? ' B broadcast' : ''}`;
  return { label: tag, comparison: compareArrays(actual, expected, TOL) };
}

interface SplitCase {
  shape: MatmulShape;
  accumulate: boolean;
  /** Forced K slices; undefined: the automatic plan (which must split). */
  splits?: number;
  /** Scratch as a slice at this float offset of a larger buffer, instead of the device's shared one. */
  scratchOffsetFloats?: number;
  /** Scratch from an allocator function the caller passes (and owns). */
  allocator?: boolean;
  /** Default 'tiled'. */
  kernel?: MatmulKernel;
}

/** prepareMatmulSteps with split-K against the reference; also checks the plan really split. */
async function runSplitCase(gpu: GpuContext, sc: SplitCase, seed: number): Promise<CheckOutcome[]> {
  const { shape, accumulate } = sc;
  const plan = matmulSplitPlan(gpu, shape, sc.splits);
  const aHost = randomUniform(storageCount(shape, 'A'), seed);
  const bHost = randomUniform(storageCount(shape, 'B'), seed + 1);
  const cHost = randomUniform(storageCount(shape, 'C'), seed + 2);
  const a = uploadF32(gpu, aHost, 'A');
  const b = uploadF32(gpu, bHost, 'B');
  const c = accumulate ? uploadF32(gpu, cHost, 'C') : createStorage(gpu, cHost.length, 'C');
  const offset = sc.scratchOffsetFloats ?? 0;
  const shared = createStorage(gpu, offset + plan.scratchFloats + 64, 'shared scratch');
  const allocated: number[] = [];
  const scratch = sc.allocator
    ? (floats: number) => (allocated.push(floats), shared)
    : sc.scratchOffsetFloats === undefined ? undefined : { buffer: shared, offset: offset * 4, size: plan.scratchFloats * 4 };
  const kernel = sc.kernel ?? 'tiled';
  const steps = await prepareMatmulSteps(gpu, { ...shape, a, b, c, accumulate, splits: sc.splits, scratch, kernel });
  await runDispatches(gpu, steps);
  const actual = await readF32(gpu, c, cHost.length);
  for (const buffer of [a, b, c, shared]) buffer.destroy();
  const expected = matmulRef(aHost, bHost, shape, accumulate ? cHost : undefined);
  const tag = `${kernel} split-K ${plan.splits}×${plan.kPerSplit}${sc.splits === undefined ? ' (auto)' : ''} ` +
    `${shape.batch ?? 1}×[${shape.M}×${shape.K}·${shape.K}×${shape.N}]` +
    `${shape.transA ? ' Aᵀ' : ''}${shape.transB ? ' Bᵀ' : ''}${accumulate ? ' C+=' : ''}${shape.alpha !== undefined ? ` α=${shape.alpha}` : ''}` +
    `${sc.allocator ? ' scratch from an allocator' : sc.scratchOffsetFloats !== undefined ? ` scratch@${offset}` : ''}`;
  const outcomes: CheckOutcome[] = [];
  if (sc.allocator) {
    outcomes.push({ label: `${tag}: allocator asked once for the plan's floats`, comparison: compareArrays(allocated, [plan.scratchFloats], { atol: 0, rtol: 0 }) });
  }
  return [
    ...outcomes,
    // Two dispatches (partials, reduction) and more than one slice, or the case proves nothing.
    { label: `${tag}: dispatches`, comparison: compareArrays([steps.length, plan.splits > 1 ? 1 : 0], [2, 1], { atol: 0, rtol: 0 }) },
    { label: tag, comparison: compareArrays(actual, expected, TOL) },
  ];
}

const ragged: MatmulShape[] = [
  { M: 1, N: 1, K: 1 },
  { M: 7, N: 5, K: 13 },
  { M: 65, N: 33, K: 130 },
  { M: 64, N: 64, K: 16 },
  // Direct-kernel edges: one partial 32×32 block in each direction, a single column, K = 2.
  { M: 33, N: 1, K: 2 },
];

export const checks: Record<string, Check> = {
  async 'A·B on ragged shapes'(gpu) {
    const out: CheckOutcome[] = [];
    for (const kernel of KERNELS) for (const [i, s] of ragged.entries()) out.push(await runCase(gpu, s, false, 10 * i, kernel));
    return out;
  },
  async 'A·Bᵀ and Aᵀ·B'(gpu) {
    const out: CheckOutcome[] = [];
    for (const kernel of KERNELS) {
      for (const [i, s] of ragged.entries()) {
        out.push(await runCase(gpu, { ...s, transB: true }, false, 100 + 10 * i, kernel));
        out.push(await runCase(gpu, { ...s, transA: true }, false, 200 + 10 * i, kernel));
      }
      out.push(await runCase(gpu, { M: 17, N: 9, K: 70, transA: true, transB: true }, false, 300, kernel));
    }
    return out;
  },
  async 'batched, broadcast, accumulate and alpha'(gpu) {
    const out: CheckOutcome[] = [];
    for (const kernel of KERNELS) {
      out.push(await runCase(gpu, { M: 9, N: 11, K: 20, batch: 3 }, false, 400, kernel));
      // B shared by every batch entry (a weight): stride 0.
      out.push(await runCase(gpu, { M: 33, N: 7, K: 65, batch: 2, strideB: 0 }, false, 410, kernel));
      out.push(await runCase(gpu, { M: 65, N: 33, K: 130, transA: true }, true, 420, kernel));
      out.push(await runCase(gpu, { M: 5, N: 70, K: 3, transB: true, alpha: -0.5 }, true, 430, kernel));
    }
    return out;
  },
  async 'direct kernel: every variant with accumulate and alpha, batched and broadcast'(gpu) {
    const variants: Pick<MatmulShape, 'transA' | 'transB'>[] = [{}, { transA: true }, { transB: true }, { transA: true, transB: true }];
    const shapes: MatmulShape[] = [{ M: 1, N: 1, K: 1 }, { M: 7, N: 5, K: 13 }, { M: 65, N: 33, K: 130 }];
    const out: CheckOutcome[] = [];
    for (const [v, variant] of variants.entries()) {
      for (const [i, s] of shapes.entries()) {
        out.push(await runCase(gpu, { ...s, ...variant, alpha: 1.5 - v }, true, 1000 + 100 * v + 10 * i, 'direct'));
      }
      // Batched (own strides), A broadcast, B broadcast: ragged and with accumulate and alpha.
      out.push(await runCase(gpu, { M: 7, N: 13, K: 5, batch: 3, ...variant, alpha: 0.75 }, true, 1050 + 100 * v, 'direct'));
      out.push(await runCase(gpu, { M: 33, N: 9, K: 17, batch: 2, strideA: 0, ...variant }, false, 1060 + 100 * v, 'direct'));
      out.push(await runCase(gpu, { M: 9, N: 35, K: 21, batch: 3, strideB: 0, ...variant, alpha: -2 }, true, 1070 + 100 * v, 'direct'));
    }
    // Padded batch strides (the batch's matrices not packed): C every M·N + 3 floats.
    out.push(await runCase(gpu, { M: 5, N: 6, K: 7, batch: 2, strideA: 40, strideB: 50, strideC: 33, transB: true }, true, 1500, 'direct'));
    // The automatic choice on a small shape (direct) gives the same result.
    out.push(await runCase(gpu, { M: 65, N: 33, K: 130, transB: true, alpha: 0.5 }, true, 1510));
    return out;
  },
  async 'split-K on ragged shapes: every variant, accumulate and alpha'(gpu) {
    const cases: SplitCase[] = [
      // K = 130 in 3 slices of 48, 48, 34: the last slice is ragged, and so are M and N.
      { shape: { M: 65, N: 33, K: 130, transA: true }, accumulate: true, splits: 3 },
      { shape: { M: 7, N: 5, K: 77 }, accumulate: false, splits: 4 },
      { shape: { M: 9, N: 70, K: 100, transB: true, alpha: -0.5 }, accumulate: true, splits: 2 },
      { shape: { M: 17, N: 9, K: 70, transA: true, transB: true, alpha: 2 }, accumulate: false, splits: 5 },
      // More slices asked than K has slabs for: fewer, non-empty slices.
      { shape: { M: 3, N: 4, K: 40, transA: true }, accumulate: true, splits: 8 },
      // The automatic plan: one output tile, long K (the weight-gradient shape dYᵀ·X).
      { shape: { M: 6, N: 5, K: 700, transA: true, alpha: 0.25 }, accumulate: true },
      // The same slices through the direct kernel.
      { shape: { M: 65, N: 33, K: 130, transA: true }, accumulate: true, splits: 3, kernel: 'direct' },
      { shape: { M: 7, N: 5, K: 77 }, accumulate: false, splits: 4, kernel: 'direct' },
      { shape: { M: 9, N: 70, K: 100, transB: true, alpha: -0.5 }, accumulate: true, splits: 2, kernel: 'direct' },
      { shape: { M: 17, N: 9, K: 70, transA: true, transB: true, alpha: 2 }, accumulate: false, splits: 5, kernel: 'direct' },
      { shape: { M: 6, N: 5, K: 700, transA: true, alpha: 0.25 }, accumulate: true, kernel: 'direct' },
    ];
    const out: CheckOutcome[] = [];
    for (const [i, sc] of cases.entries()) out.push(...(await runSplitCase(gpu, sc, 500 + 10 * i)));
    return out;
  },
  async 'split-K batched and broadcast; scratch as a slice or from an allocator'(gpu) {
    const cases: SplitCase[] = [
      { shape: { M: 9, N: 11, K: 90, batch: 3 }, accumulate: false, splits: 3 },
      { shape: { M: 33, N: 7, K: 65, batch: 2, strideB: 0, transA: true, alpha: -1.5 }, accumulate: true, splits: 2 },
      // Scratch as a slice of a shared buffer at a 256-byte-aligned offset.
      { shape: { M: 20, N: 12, K: 96, batch: 2, transB: true }, accumulate: true, splits: 3, scratchOffsetFloats: 128 },
      { shape: { M: 13, N: 21, K: 50, batch: 2, transA: true, alpha: 0.5 }, accumulate: false, splits: 2, allocator: true },
      { shape: { M: 9, N: 11, K: 90, batch: 3, transB: true }, accumulate: true, splits: 3, kernel: 'direct' },
      { shape: { M: 33, N: 7, K: 65, batch: 2, strideA: 0, transA: true, alpha: -1.5 }, accumulate: true, splits: 2, kernel: 'direct' },
      { shape: { M: 20, N: 12, K: 96, batch: 2, strideB: 0 }, accumulate: false, splits: 3, scratchOffsetFloats: 128, kernel: 'direct' },
    ];
    const out: CheckOutcome[] = [];
    for (const [i, sc] of cases.entries()) out.push(...(await runSplitCase(gpu, sc, 700 + 10 * i)));
    return out;
  },
  async 'split-K is deterministic: two runs agree bit for bit'(gpu) {
    const shape: MatmulShape = { M: 10, N: 6, K: 300, transA: true };
    const aHost = randomUniform(shape.M * shape.K, 900);
    const bHost = randomUniform(shape.K * shape.N, 901);
    const a = uploadF32(gpu, aHost, 'A');
    const b = uploadF32(gpu, bHost, 'B');
    const out: CheckOutcome[] = [];
    for (const kernel of KERNELS) {
      const runs: Float32Array[] = [];
      for (let r = 0; r < 2; r++) {
        const c = createStorage(gpu, shape.M * shape.N, 'C');
        await runDispatches(gpu, await prepareMatmulSteps(gpu, { ...shape, a, b, c, splits: 4, kernel }));
        runs.push(await readF32(gpu, c, shape.M * shape.N));
        c.destroy();
      }
      out.push({ label: `${kernel} run 1 vs run 2, 4 slices`, comparison: compareArrays(runs[1], runs[0], { atol: 0, rtol: 0 }) });
      out.push({ label: `${kernel} run 1 vs reference`, comparison: compareArrays(runs[0], matmulRef(aHost, bHost, shape), TOL) });
    }
    a.destroy();
    b.destroy();
    return out;
  },
};
