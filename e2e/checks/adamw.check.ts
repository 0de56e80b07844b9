import { createStorage, readF32, runDispatches, uploadF32, type Dispatch, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareAdamw, type AdamwHyperparams, type ElementRange } from '../../src/kernels/adamw';
import { adamwStepRef, zeroState } from '../../src/kernels/adamw.ref';
import { prepareGradNorm } from '../../src/kernels/grad-norm';
import { gradNormScratchCount } from '../../src/kernels/grad-norm.plan';
import { clipScaleRef, gradNormRef } from '../../src/kernels/grad-norm.ref';
import { randomNormal, randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

/** queue.writeBuffer of a whole typed array (any ArrayBufferLike). */
function put(gpu: GpuContext, buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
  gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
}

// Parameters O(1) move by ≤ lr·(1 + wd) per step. Float32 rounding of θ (2^-24 ≈ 6e-8
// relative), of m/denom and of the GPU's norm (≈1e-7 relative) stays far under 1e-6; a wrong
// bias correction, clip factor or decay is off by ≥ 1e-4 on these settings.
const PARAM_TOL: Tolerance = { atol: 1e-6, rtol: 1e-6 };
const MOMENT_TOL: Tolerance = { atol: 1e-9, rtol: 1e-5 };
const STAT_TOL: Tolerance = { atol: 0, rtol: 2e-6 };

interface Buffers {
  params: GPUBuffer;
  grads: GPUBuffer;
  m: GPUBuffer;
  v: GPUBuffer;
}

function makeBuffers(gpu: GpuContext, init: Float32Array): Buffers {
  return {
    params: uploadF32(gpu, init, 'params'),
    grads: createStorage(gpu, init.length, 'grads'),
    m: createStorage(gpu, init.length, 'm'),
    v: createStorage(gpu, init.length, 'v'),
  };
}

export const checks: Record<string, Check> = {
  async 'step 1 matches hand-computed numbers'(gpu) {
    const b = makeBuffers(gpu, Float32Array.from([1, -2]));
    put(gpu, b.grads, Float32Array.from([0.5, -0.25]));
    const hyper = { lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, step: 1 };
    const adamw = await prepareAdamw(gpu, { ...b, count: 2, hyper });
    await runDispatches(gpu, [adamw.dispatch]);
    const out = [
      // θ1 = θ0(1 − lr·wd) − lr·g/(|g| + eps): 0.999 − 0.099999998 and −1.998 + 0.099999996
      { label: 'θ after step 1', comparison: compareArrays(await readF32(gpu, b.params, 2), [0.899000002, -1.898000004], PARAM_TOL) },
      { label: 'm = (1−β1)g', comparison: compareArrays(await readF32(gpu, b.m, 2), [0.05, -0.025], MOMENT_TOL) },
      { label: 'v = (1−β2)g²', comparison: compareArrays(await readF32(gpu, b.v, 2), [0.00025, 0.0000625], MOMENT_TOL) },
    ];
    adamw.destroy();
    Object.values(b).forEach((x) => x.destroy());
    return out;
  },

  async 'six steps with the GPU norm, clipping active and inactive, folded grid'(gpu) {
    const count = 1000;
    const slot = 2;
    const init = randomUniform(count, 1);
    const b = makeBuffers(gpu, init);
    const scratch = createStorage(gpu, gradNormScratchCount(count), 'scratch');
    const stats = createStorage(gpu, 8, 'stats');
    const norm = await prepareGradNorm(gpu, { grads: b.grads, count, scratch, stats, slot });
    const hyper = (t: number): AdamwHyperparams => ({ lr: 3e-3 * t, beta1: 0.95, beta2: 0.995, eps: 1e-8, weightDecay: 0.1, step: t, clipNorm: 1 });
    const adamw = await prepareAdamw(gpu, { ...b, count, hyper: hyper(1), clip: { stats, slot }, maxGroupsPerDim: 2 });
    const ref = zeroState(count, init);
    const out: CheckOutcome[] = [];
    const clipped: boolean[] = [];
    for (let t = 1; t <= 6; t++) {
      // Odd steps: ‖g‖ ≈ 3.2 (clipped to 1); even steps: ‖g‖ ≈ 0.3 (untouched).
      const g = randomNormal(count, 100 + t, t % 2 ? 0.1 : 0.01);
      put(gpu, b.grads, g);
      adamw.update(hyper(t));
      const dispatches: Dispatch[] = [...norm, adamw.dispatch];
      await runDispatches(gpu, dispatches);
      adamwStepRef(ref, g, hyper(t));
      const gn = gradNormRef(g);
      clipped.push(clipScaleRef(gn.norm, 1) < 1);
      out.push({ label: `step ${t}: stats [Σg², ‖g‖]`, comparison: compareArrays((await readF32(gpu, stats, 8)).subarray(slot, slot + 2), [gn.sumSquares, gn.norm], STAT_TOL) });
      out.push({ label: `step ${t}: θ (${clipped[t - 1] ? 'clipped' : 'not clipped'})`, comparison: compareArrays(await readF32(gpu, b.params, count), ref.params, PARAM_TOL) });
    }
    if (clipped.join() !== 'true,false,true,false,true,false') throw new Error(`clipping pattern was ${clipped.join()}`);
    out.push({ label: 'm after 6 steps', comparison: compareArrays(await readF32(gpu, b.m, count), ref.m, MOMENT_TOL) });
    out.push({ label: 'v after 6 steps', comparison: compareArrays(await readF32(gpu, b.v, count), ref.v, MOMENT_TOL) });
    adamw.destroy();
    [...Object.values(b), scratch, stats].forEach((x) => x.destroy());
    return out;
  },

  async 'no-decay ranges and zeroGrad, without clipping'(gpu) {
    const count = 300;
    const init = randomUniform(count, 2);
    const b = makeBuffers(gpu, init);
    const noDecay: ElementRange[] = [{ offset: 0, length: 64 }, { offset: 200, length: 37 }];
    const decay = Array.from({ length: count }, (_, i) => !noDecay.some((r) => i >= r.offset && i < r.offset + r.length));
    const hyper = (t: number): AdamwHyperparams => ({ lr: 1e-2, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.5, step: t });
    const adamw = await prepareAdamw(gpu, { ...b, count, hyper: hyper(1), noDecay, zeroGrad: true });
    const ref = zeroState(count, init);
    for (let t = 1; t <= 3; t++) {
      const g = randomNormal(count, 200 + t, 1);
      put(gpu, b.grads, g);
      adamw.update(hyper(t));
      await runDispatches(gpu, [adamw.dispatch]);
      adamwStepRef(ref, g, hyper(t), decay);
    }
    const out = [
      { label: 'θ after 3 steps, decay off in 2 ranges', comparison: compareArrays(await readF32(gpu, b.params, count), ref.params, PARAM_TOL) },
      { label: 'gradients cleared', comparison: compareArrays(await readF32(gpu, b.grads, count), new Float64Array(count), { atol: 0, rtol: 0 }) },
    ];
    adamw.destroy();
    Object.values(b).forEach((x) => x.destroy());
    return out;
  },
};
