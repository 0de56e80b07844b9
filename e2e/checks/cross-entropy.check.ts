import { createStorage, readF32, runDispatches, uploadF32, uploadU32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareCrossEntropy, prepareLossSum } from '../../src/kernels/cross-entropy';
import { IGNORE_TARGET } from '../../src/kernels/cross-entropy.plan';
import { countTargets, crossEntropyRef, sumRef } from '../../src/kernels/cross-entropy.ref';
import { randomInts, randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

/** queue.writeBuffer of a whole typed array (any ArrayBufferLike). */
function put(gpu: GpuContext, buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
  gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
}

// Logits in [-8, 8]. The per-row loss is log Σ exp(x − M) + M − x_t (|loss| ≲ 20): float32
// exp/log and a sum of ≤ 50304 terms err by a few 1e-6 absolute. dlogits are probabilities
// (≤ 1) times a scale ≤ 1; WGSL's exp may err by 3 + 2|x| ulp (x ≥ −16 here), so 1e-4 relative,
// plus 2e-7 absolute for the −1 of the target. The mean |dlogit| of a row is ≥ scale/V ≈ 1e-5
// even at V = 50304, so a wrong column, a missed onehot or a stale logit shows far above this.
const LOSS_TOL: Tolerance = { atol: 2e-5, rtol: 1e-5 };
const GRAD_TOL: Tolerance = { atol: 2e-7, rtol: 1e-4 };
const SUM_TOL: Tolerance = { atol: 1e-5, rtol: 2e-6 };

async function ceCase(
  gpu: GpuContext,
  rows: number,
  vocab: number,
  targetsHost: Uint32Array,
  label: string,
  seed: number,
  maxGroupsPerDim?: number,
  threadsPerRow?: number,
): Promise<CheckOutcome[]> {
  const logitsHost = randomUniform(rows * vocab, seed, -8, 8);
  const count = countTargets(targetsHost, vocab);
  const scale = count > 0 ? 1 / count : 1;
  const logits = uploadF32(gpu, logitsHost, 'logits');
  const targets = uploadU32(gpu, targetsHost, 'targets');
  const losses = createStorage(gpu, rows, 'losses');
  const stats = createStorage(gpu, 4, 'stats');
  const ce = await prepareCrossEntropy(gpu, { logits, targets, losses, rows, vocab, scale, maxGroupsPerDim, threadsPerRow });
  const sum = await prepareLossSum(gpu, { losses, count: rows, out: stats, slot: 2 });
  await runDispatches(gpu, [ce.dispatch, sum]);
  const [dl, ls, st] = [await readF32(gpu, logits, rows * vocab), await readF32(gpu, losses, rows), await readF32(gpu, stats, 4)];
  [logits, targets, losses, stats].forEach((b) => b.destroy());
  const ref = crossEntropyRef(logitsHost, targetsHost, rows, vocab, scale);
  return [
    { label: `${label}: losses`, comparison: compareArrays(ls, ref.losses, LOSS_TOL) },
    { label: `${label}: dlogits in place (scale 1/${count})`, comparison: compareArrays(dl, ref.dlogits, GRAD_TOL) },
    { label: `${label}: loss sum at slot 2, others untouched`, comparison: compareArrays(st, [0, 0, sumRef(ref.losses), 0], SUM_TOL) },
  ];
}

/** dlogits and losses from the same logits, twice: identical bits. */
async function determinismCase(gpu: GpuContext, rows: number, vocab: number, seed: number, threadsPerRow?: number): Promise<CheckOutcome[]> {
  const logitsHost = randomUniform(rows * vocab, seed, -8, 8);
  const targetsHost = randomInts(rows, vocab, seed + 1);
  const logits = createStorage(gpu, rows * vocab, 'logits');
  const targets = uploadU32(gpu, targetsHost, 'targets');
  const losses = createStorage(gpu, rows, 'losses');
  const ce = await prepareCrossEntropy(gpu, { logits, targets, losses, rows, vocab, scale: 1 / rows, threadsPerRow });
  const runs: Float32Array[][] = [];
  for (let run = 0; run < 2; run++) {
    put(gpu, logits, logitsHost);
    await runDispatches(gpu, [ce.dispatch]);
    runs.push([await readF32(gpu, logits, rows * vocab), await readF32(gpu, losses, rows)]);
  }
  [logits, targets, losses].forEach((b) => b.destroy());
  const tag = `N=${rows} V=${vocab}${threadsPerRow === undefined ? '' : ` (${threadsPerRow} threads a row)`}`;
  return ['dlogits', 'losses'].map((name, i) => ({
    label: `${tag}: ${name} bitwise identical on a rerun`,
    comparison: compareArrays(runs[1][i], runs[0][i], { atol: 0, rtol: 0 }),
  }));
}

export const checks: Record<string, Check> = {
  async 'vocabularies not a multiple of 4, padding rows'(gpu) {
    const t1 = randomInts(5, 257, 1);
    t1[1] = IGNORE_TARGET;
    t1[4] = 256; // the last column
    const t2 = randomInts(3, 4099, 2);
    t2[0] = 0;
    const t3 = Uint32Array.from([3, IGNORE_TARGET, 6]);
    return [
      ...(await ceCase(gpu, 5, 257, t1, 'N=5 V=257', 10)),
      ...(await ceCase(gpu, 3, 4099, t2, 'N=3 V=4099', 20)),
      ...(await ceCase(gpu, 3, 7, t3, 'N=3 V=7 (fewer columns than threads), grid folded', 30, 1)),
    ];
  },
  async 'all rows masked but one, N = 1, V = 50304'(gpu) {
    const masked = new Uint32Array(6).fill(IGNORE_TARGET);
    masked[4] = 100;
    return [
      ...(await ceCase(gpu, 6, 257, masked, 'N=6 V=257, one live row', 40)),
      ...(await ceCase(gpu, 1, 50304, Uint32Array.from([50303]), 'N=1 V=50304', 50)),
      ...(await ceCase(gpu, 2, 50304, Uint32Array.from([7, 31000]), 'N=2 V=50304', 60)),
    ];
  },
  async 'scale update and loss-sum accumulation over micro-batches'(gpu) {
    const rows = 4;
    const vocab = 33;
    const logits = createStorage(gpu, rows * vocab, 'logits');
    const targets = createStorage(gpu, rows, 'targets');
    const losses = createStorage(gpu, rows, 'losses');
    const stats = createStorage(gpu, 1, 'stats');
    const ce = await prepareCrossEntropy(gpu, { logits, targets, losses, rows, vocab, scale: 1 });
    const sum = await prepareLossSum(gpu, { losses, count: rows, out: stats, slot: 0, accumulate: true });
    const out: CheckOutcome[] = [];
    let total = 0;
    for (const [i, scale] of [0.125, 0.5].entries()) {
      const logitsHost = randomUniform(rows * vocab, 70 + i, -5, 5);
      const targetsHost = randomInts(rows, vocab, 80 + i);
      put(gpu, logits, logitsHost);
      put(gpu, targets, targetsHost);
      ce.update(scale);
      await runDispatches(gpu, [ce.dispatch, sum]);
      const ref = crossEntropyRef(logitsHost, targetsHost, rows, vocab, scale);
      total += sumRef(ref.losses);
      out.push({ label: `micro-batch ${i}: dlogits at scale ${scale}`, comparison: compareArrays(await readF32(gpu, logits, rows * vocab), ref.dlogits, GRAD_TOL) });
    }
    out.push({ label: 'loss sum accumulated over 2 micro-batches', comparison: compareArrays(await readF32(gpu, stats, 1), [total], SUM_TOL) });
    [logits, targets, losses, stats].forEach((b) => b.destroy());
    return out;
  },
  // The wrapper runs one thread per row for V ≤ 512 and 256/threadsPerRow rows a workgroup
  // above: each segment width on ragged row counts with padding rows (a part-filled last
  // workgroup), folded grids for both kernels, and bitwise reruns.
  async 'rows per workgroup: every threadsPerRow, folded grids, reruns'(gpu) {
    const out: CheckOutcome[] = [];
    for (const [i, t] of [1, 2, 4, 8, 16, 32, 64, 128, 256].entries()) {
      const targetsHost = randomInts(37, 257, 90 + i);
      targetsHost[3] = IGNORE_TARGET;
      targetsHost[36] = 256;
      out.push(...(await ceCase(gpu, 37, 257, targetsHost, `N=37 V=257, ${t} threads a row, grid at most 2 wide`, 100 + i, 2, t)));
    }
    const t130 = randomInts(130, 33, 120);
    t130[129] = IGNORE_TARGET;
    out.push(...(await ceCase(gpu, 130, 33, t130, 'N=130 V=33 (one thread a row), 3 groups folded into y', 121, 1)));
    const t5 = randomInts(5, 1000, 122);
    t5[2] = IGNORE_TARGET;
    out.push(...(await ceCase(gpu, 5, 1000, t5, 'N=5 V=1000 (default: 128 threads a row)', 123)));
    out.push(...(await determinismCase(gpu, 70, 257, 130)));
    out.push(...(await determinismCase(gpu, 9, 1000, 131)));
    return out;
  },
};
