import { createStorage, readF32, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { clearTensor, prepareAdd, prepareAddInPlace, prepareCopy, prepareFill, prepareScale } from '../../src/kernels/elementwise';
import { addRef, fillRef, scaleRef } from '../../src/kernels/elementwise.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

// One correctly rounded fp32 operation per element: within half an ulp, 2^-24 relative.
const ONE_ROUNDING: Tolerance = { atol: 0, rtol: 2 ** -24 };
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const RAGGED = [1, 255, 257, 4099];

async function addCases(gpu: GpuContext, count: number, seed: number): Promise<CheckOutcome[]> {
  const [ah, bh] = [randomUniform(count, seed, -100, 100), randomUniform(count, seed + 1, -1, 1)];
  const [a, b, out] = [uploadF32(gpu, ah, 'a'), uploadF32(gpu, bh, 'b'), createStorage(gpu, count, 'out')];
  await runDispatches(gpu, [await prepareAdd(gpu, { a, b, out, count })]);
  const sum = await readF32(gpu, out, count);
  await runDispatches(gpu, [await prepareAddInPlace(gpu, { x: a, y: b, count })]);
  const inPlace = await readF32(gpu, a, count);
  [a, b, out].forEach((t) => t.destroy());
  const expected = addRef(ah, bh);
  return [
    { label: `out = a + b, ${count}`, comparison: compareArrays(sum, expected, ONE_ROUNDING) },
    { label: `a += b, ${count}`, comparison: compareArrays(inPlace, expected, ONE_ROUNDING) },
  ];
}

/** Tensors as slices of one buffer at 256-byte offsets, as parameters and gradients live. */
async function sliceCase(gpu: GpuContext): Promise<CheckOutcome[]> {
  const count = 100; // slice of 100 floats at float 64, inside a 256-float buffer
  const host = randomUniform(256, 50);
  const buffer = uploadF32(gpu, host, 'flat');
  const otherHost = randomUniform(count, 51);
  const other = uploadF32(gpu, otherHost, 'other');
  const slice = { buffer, offset: 64 * 4, size: count * 4 };
  await runDispatches(gpu, [await prepareAddInPlace(gpu, { x: slice, y: other, count })]);
  const afterAdd = await readF32(gpu, buffer, 256);
  const encoder = gpu.device.createCommandEncoder();
  clearTensor(encoder, { buffer, offset: 192 * 4, size: 64 * 4 });
  gpu.device.queue.submit([encoder.finish()]);
  const afterClear = await readF32(gpu, buffer, 256);
  buffer.destroy();
  other.destroy();
  const expectedAdd = Float64Array.from(host);
  const sums = addRef(host.subarray(64, 164), otherHost);
  expectedAdd.set(sums, 64);
  // Outside the cleared range every float must keep exactly the value it had after the add.
  const expectedClear = Float64Array.from(afterAdd);
  expectedClear.fill(0, 192, 256);
  return [
    { label: 'x += y on a slice at float 64 (outside untouched)', comparison: compareArrays(afterAdd, expectedAdd, ONE_ROUNDING) },
    { label: 'clearTensor on a slice at float 192 (outside untouched)', comparison: compareArrays(afterClear, expectedClear, EXACT) },
  ];
}

export const checks: Record<string, Check> = {
  async 'add and add in place on ragged counts, and slices'(gpu) {
    const out: CheckOutcome[] = [];
    for (const [i, n] of RAGGED.entries()) out.push(...(await addCases(gpu, n, 10 * i)));
    out.push(...(await sliceCase(gpu)));
    return out;
  },
  async 'scale with update, copy, fill'(gpu) {
    const out: CheckOutcome[] = [];
    for (const [i, n] of RAGGED.entries()) {
      const host = randomUniform(n, 100 + i, -10, 10);
      const x = uploadF32(gpu, host, 'x');
      const copy = createStorage(gpu, n, 'copy');
      const scale = await prepareScale(gpu, { x, count: n, scale: 0.1 });
      await runDispatches(gpu, [await prepareCopy(gpu, { src: x, dst: copy, count: n }), scale]);
      const scaled = await readF32(gpu, x, n);
      scale.update(-3);
      await runDispatches(gpu, [scale]);
      const rescaled = await readF32(gpu, x, n);
      out.push({ label: `copy ${n}`, comparison: compareArrays(await readF32(gpu, copy, n), host, EXACT) });
      out.push({ label: `x *= 0.1, ${n}`, comparison: compareArrays(scaled, scaleRef(host, 0.1), ONE_ROUNDING) });
      out.push({ label: `update(-3): x *= -3, ${n}`, comparison: compareArrays(rescaled, scaleRef(scaled, -3), ONE_ROUNDING) });
      await runDispatches(gpu, [await prepareFill(gpu, { x, count: n, value: 0.25 })]);
      out.push({ label: `fill 0.25, ${n}`, comparison: compareArrays(await readF32(gpu, x, n), fillRef(n, 0.25), EXACT) });
      await runDispatches(gpu, [await prepareFill(gpu, { x, count: n })]);
      out.push({ label: `fill 0, ${n}`, comparison: compareArrays(await readF32(gpu, x, n), fillRef(n, 0), EXACT) });
      x.destroy();
      copy.destroy();
    }
    return out;
  },
  async 'count past 65535·256: the grid folds into y'(gpu) {
    // 65540 workgroups: the dispatch is 32770 × 2, so the second half of the array is only
    // reached through wid.y. x = i mod 1000, y = 1: x += y must give i mod 1000 + 1 everywhere.
    const count = 65535 * 256 + 1000;
    const xh = new Float32Array(count);
    for (let i = 0; i < count; i++) xh[i] = i % 1000;
    const x = uploadF32(gpu, xh, 'x');
    const y = uploadF32(gpu, new Float32Array(count).fill(1), 'y');
    await runDispatches(gpu, [await prepareAddInPlace(gpu, { x, y, count })]);
    const actual = await readF32(gpu, x, count);
    x.destroy();
    y.destroy();
    const expected = new Float64Array(count);
    for (let i = 0; i < count; i++) expected[i] = (i % 1000) + 1;
    return [{ label: `x += 1 over ${count} elements`, comparison: compareArrays(actual, expected, EXACT) }];
  },
};
