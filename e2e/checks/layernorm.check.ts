import { createStorage, readF32, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareLayerNormBackward, prepareLayerNormForward } from '../../src/kernels/layernorm';
import { layerNormScratchFloats } from '../../src/kernels/layernorm.plan';
import { layerNormBackwardRef, layerNormForwardRef } from '../../src/kernels/layernorm.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

// x in [-1, 1] (plus an optional common offset), w in [0.5, 1.5], dy in [-1, 1]. Each output is
// a handful of fp32 operations on O(1) values after a C-term reduction, so errors are ~1e-6;
// a wrong index, a missed ragged tail or a bad reduction is off by O(0.1) or more.
const TOL_Y: Tolerance = { atol: 1e-5, rtol: 1e-5 };
const TOL_STATS: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const TOL_DX: Tolerance = { atol: 5e-5, rtol: 1e-4 };
// dw sums `rows` terms of O(1): allow for that.
const tolDw = (rows: number): Tolerance => ({ atol: 2e-6 * rows + 1e-5, rtol: 1e-5 });
// A common offset of 50 costs fp32 about 50·2^-24·sqrt(C) in the mean: looser, still far below O(0.1).
const TOL_OFFSET: Tolerance = { atol: 1e-4, rtol: 1e-4 };

interface Inputs {
  rows: number;
  cols: number;
  x: Float32Array;
  w: Float32Array;
}

function inputs(rows: number, cols: number, seed: number, offset = 0): Inputs {
  const x = randomUniform(rows * cols, seed);
  if (offset) for (let i = 0; i < x.length; i++) x[i] += offset;
  return { rows, cols, x, w: randomUniform(cols, seed + 1, 0.5, 1.5) };
}

async function forwardCase(
  gpu: GpuContext,
  inp: Inputs,
  tag: string,
  tol = TOL_Y,
  eps?: number,
  threadsPerRow?: number,
): Promise<CheckOutcome[]> {
  const { rows, cols } = inp;
  const x = uploadF32(gpu, inp.x, 'x');
  const w = uploadF32(gpu, inp.w, 'w');
  const y = createStorage(gpu, rows * cols, 'y');
  const mean = createStorage(gpu, rows, 'mean');
  const rstd = createStorage(gpu, rows, 'rstd');
  await runDispatches(gpu, [await prepareLayerNormForward(gpu, { x, weight: w, y, mean, rstd, rows, cols, eps, threadsPerRow })]);
  const [yG, meanG, rstdG] = [await readF32(gpu, y, rows * cols), await readF32(gpu, mean, rows), await readF32(gpu, rstd, rows)];
  [x, w, y, mean, rstd].forEach((b) => b.destroy());
  const ref = layerNormForwardRef(inp.x, inp.w, { rows, cols, eps });
  return [
    { label: `${tag} y`, comparison: compareArrays(yG, ref.y, tol) },
    { label: `${tag} mean`, comparison: compareArrays(meanG, ref.mean, tol === TOL_Y ? TOL_STATS : tol) },
    { label: `${tag} rstd`, comparison: compareArrays(rstdG, ref.rstd, TOL_STATS) },
  ];
}

/**
 * Forward on the GPU (its saved mean/rstd feed the backward, as in training), then the
 * backward for `microBatches` micro-batches into one dw buffer that starts non-zero.
 * dx starts non-zero too, so the accumulate variant is checked against init + dx.
 */
async function backwardCase(
  gpu: GpuContext,
  rows: number,
  cols: number,
  accumulateDx: boolean,
  microBatches: number,
  seed: number,
  threadsPerRow?: number,
): Promise<CheckOutcome[]> {
  const n = rows * cols;
  const tpr = threadsPerRow === undefined ? '' : ` (${threadsPerRow} threads a row)`;
  const tag = `${rows}×${cols}${accumulateDx ? ' dx+=' : ''} dw+= over ${microBatches}${tpr}`;
  const w = randomUniform(cols, seed, 0.5, 1.5);
  const dwInit = randomUniform(cols, seed + 1);
  const wBuf = uploadF32(gpu, w, 'w');
  const dwBuf = uploadF32(gpu, dwInit, 'dw');
  const scratch = createStorage(gpu, layerNormScratchFloats(rows, cols), 'scratch');
  const out: CheckOutcome[] = [];
  let dwExpected: Float64Array = Float64Array.from(dwInit);
  const owned: GPUBuffer[] = [wBuf, dwBuf, scratch];
  for (let m = 0; m < microBatches; m++) {
    const xh = randomUniform(n, seed + 10 + m);
    const dyh = randomUniform(n, seed + 20 + m);
    const dxInit = randomUniform(n, seed + 30 + m);
    const x = uploadF32(gpu, xh, 'x');
    const dy = uploadF32(gpu, dyh, 'dy');
    const dx = uploadF32(gpu, dxInit, 'dx');
    const y = createStorage(gpu, n, 'y');
    const mean = createStorage(gpu, rows, 'mean');
    const rstd = createStorage(gpu, rows, 'rstd');
    owned.push(x, dy, dx, y, mean, rstd);
    const forward = await prepareLayerNormForward(gpu, { x, weight: wBuf, y, mean, rstd, rows, cols, threadsPerRow });
    const backward = await prepareLayerNormBackward(gpu, {
      dy, x, weight: wBuf, mean, rstd, dx, dweight: dwBuf, scratch, rows, cols, accumulateDx, threadsPerRow,
    });
    await runDispatches(gpu, [forward, ...backward]);
    const ref = layerNormBackwardRef(dyh, xh, w, { rows, cols }, accumulateDx ? dxInit : undefined, dwExpected);
    dwExpected = ref.dweight;
    out.push({ label: `${tag}: dx (micro-batch ${m + 1})`, comparison: compareArrays(await readF32(gpu, dx, n), ref.dx, TOL_DX) });
  }
  out.push({ label: `${tag}: dw`, comparison: compareArrays(await readF32(gpu, dwBuf, cols), dwExpected, tolDw(rows * microBatches)) });
  owned.forEach((b) => b.destroy());
  return out;
}

/** y, dx and dw from the same inputs, twice: the fixed-order reductions must give identical bits. */
async function determinismCase(gpu: GpuContext, rows: number, cols: number, seed: number, threadsPerRow?: number): Promise<CheckOutcome[]> {
  const n = rows * cols;
  const x = uploadF32(gpu, randomUniform(n, seed), 'x');
  const dy = uploadF32(gpu, randomUniform(n, seed + 1), 'dy');
  const w = uploadF32(gpu, randomUniform(cols, seed + 2, 0.5, 1.5), 'w');
  const [y, dx] = [createStorage(gpu, n, 'y'), createStorage(gpu, n, 'dx')];
  const [mean, rstd] = [createStorage(gpu, rows, 'mean'), createStorage(gpu, rows, 'rstd')];
  const dw = createStorage(gpu, cols, 'dw');
  const forward = await prepareLayerNormForward(gpu, { x, weight: w, y, mean, rstd, rows, cols, threadsPerRow });
  const backward = await prepareLayerNormBackward(gpu, {
    dy, x, weight: w, mean, rstd, dx, dweight: dw, rows, cols, accumulateDx: false, accumulateDweight: false, threadsPerRow,
  });
  const outputs: Float32Array[][] = [];
  for (let run = 0; run < 2; run++) {
    await runDispatches(gpu, [forward, ...backward]);
    outputs.push([await readF32(gpu, y, n), await readF32(gpu, dx, n), await readF32(gpu, dw, cols)]);
  }
  [x, dy, w, y, dx, mean, rstd, dw].forEach((b) => b.destroy());
  const tag = `${rows}×${cols}${threadsPerRow === undefined ? '' : ` (${threadsPerRow} threads a row)`}`;
  return ['y', 'dx', 'dw'].map((name, i) => ({
    label: `${tag} ${name} bitwise identical on a rerun`,
    comparison: compareArrays(outputs[1][i], outputs[0][i], { atol: 0, rtol: 0 }),
  }));
}

export const checks: Record<string, Check> = {
  async 'forward on ragged shapes'(gpu) {
    return [
      ...(await forwardCase(gpu, inputs(1, 1, 1), '1×1 (C = 1: y = 0, rstd = 1/sqrt(eps))')),
      ...(await forwardCase(gpu, inputs(1, 7, 2), '1×7')),
      ...(await forwardCase(gpu, inputs(5, 33, 3), '5×33')),
      ...(await forwardCase(gpu, inputs(3, 129, 4), '3×129 (eps 1e-3)', TOL_Y, 1e-3)),
      ...(await forwardCase(gpu, inputs(4, 130, 5, 50), '4×130, x = 50 + U(-1, 1)', TOL_OFFSET)),
    ];
  },
  async 'QK-LayerNorm width: C = 2048 and 2047'(gpu) {
    return [
      ...(await forwardCase(gpu, inputs(3, 2048, 6), '3×2048')),
      ...(await forwardCase(gpu, inputs(2, 2047, 7), '2×2047')),
      ...(await backwardCase(gpu, 3, 2048, true, 1, 8)),
      ...(await backwardCase(gpu, 2, 2047, false, 1, 9)),
    ];
  },
  async 'backward: dx overwrite and accumulate, dw accumulates across micro-batches'(gpu) {
    return [
      ...(await backwardCase(gpu, 1, 1, false, 1, 100)),
      ...(await backwardCase(gpu, 1, 7, true, 1, 110)),
      ...(await backwardCase(gpu, 5, 33, false, 2, 120)),
      // 70 rows: three dw row blocks (32 + 32 + 6), so the ragged last block is covered.
      ...(await backwardCase(gpu, 70, 13, true, 2, 130)),
      ...(await determinismCase(gpu, 70, 130, 140)),
    ];
  },
  // The wrapper picks one thread per row for C ≤ 128 and 256/threadsPerRow rows a workgroup
  // above; every segment width is checked here on ragged shapes (a part-filled last workgroup,
  // rows past one workgroup, C not a multiple of the segment), forward and backward.
  async 'rows per workgroup: every threadsPerRow, and the default plan'(gpu) {
    const out: CheckOutcome[] = [];
    for (const [i, t] of [1, 2, 4, 8, 16, 32, 64, 128, 256].entries()) {
      out.push(...(await forwardCase(gpu, inputs(37, 45, 200 + i), `37×45, ${t} threads a row`, TOL_Y, undefined, t)));
      out.push(...(await backwardCase(gpu, 37, 45, i % 2 === 0, 1, 220 + i, t)));
    }
    // 130 rows of 128 (one thread a row, three 64-row workgroups) and of 129 (64 threads a row).
    out.push(...(await forwardCase(gpu, inputs(130, 128, 240), '130×128 (default: one thread a row)')));
    out.push(...(await forwardCase(gpu, inputs(130, 129, 241, 50), '130×129, x = 50 + U(-1, 1) (default: 64 threads a row)', TOL_OFFSET)));
    out.push(...(await backwardCase(gpu, 130, 128, true, 1, 242)));
    out.push(...(await backwardCase(gpu, 9, 129, false, 1, 243)));
    out.push(...(await determinismCase(gpu, 70, 32, 244)));
    out.push(...(await determinismCase(gpu, 70, 45, 245, 8)));
    return out;
  },
};
