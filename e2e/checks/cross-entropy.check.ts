import { createStorage, readF32, runDispatches, uploadF32, uploadU32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { IGNORE_TARGET, prepareCrossEntropy, prepareLossSum } from '../../src/kernels/cross-entropy';
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

async function ceCase(gpu: GpuContext, rows: number, vocab: number, targetsHost: Uint32Array, label: string, seed: number, maxGroupsPerDim?: number): Promise<CheckOutcome[]> {
  const logitsHost = randomUniform(rows * vocab, seed, -8, 8);
  const count = countTargets(targetsHost, vocab);
  const scale = count > 0 ? 1 / count : 1;
  const logits = uploadF32(gpu, logitsHost, 'logits');
  const targets = uploadU32(gpu, targetsHost, 'targets');
  const losses = createStorage(gpu, rows, 'losses');
  const stats = createStorage(gpu, 4, 'stats');
  const ce = await prepareCrossEntropy(gpu, { logits, targets, losses, rows, vocab, scale, maxGroupsPerDim });
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
};
