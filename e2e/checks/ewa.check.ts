import { createStorage, readF32, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareEwa, prepareEwaDebias } from '../../src/kernels/ewa';
import { ewaDebiasRef, ewaUpdateRef } from '../../src/kernels/ewa.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

/** queue.writeBuffer of a whole typed array (any ArrayBufferLike). */
function put(gpu: GpuContext, buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
  gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
}

// |θ| ≤ 1; each step rounds wbar in float32 (≈6e-8 relative) and τ, 1−τ are float32 too
// (relative ≈6e-8 each). After ≤ 8 steps and a debias factor ≤ 1/(1−0.9^1) = 10, errors stay
// under 1e-6; a missed step or a wrong power of τ is off by ≥ 1e-2.
const TOL: Tolerance = { atol: 1e-6, rtol: 1e-5 };
const EXACT: Tolerance = { atol: 0, rtol: 0 };

export const checks: Record<string, Check> = {
  async 'several steps, then debias without disturbing wbar or θ'(gpu) {
    const count = 777;
    const theta = createStorage(gpu, count, 'params');
    const wbar = createStorage(gpu, count, 'ewa'); // new buffers are zero: wbar starts at 0
    const evalCopy = createStorage(gpu, count, 'eval copy');
    const ewaDecay = 0.9;
    const ewa = await prepareEwa(gpu, { params: theta, ewa: wbar, count, ewaDecay, maxGroupsPerDim: 2 });
    const debias = await prepareEwaDebias(gpu, { ewa: wbar, out: evalCopy, count, ewaDecay });
    const ref = new Float64Array(count);
    const out: CheckOutcome[] = [];
    let last: Float32Array = new Float32Array(0);
    for (let t = 1; t <= 8; t++) {
      last = randomUniform(count, 300 + t);
      put(gpu, theta, last);
      ewa.update({ ewaDecay });
      debias.update({ ewaDecay, step: t });
      await runDispatches(gpu, [ewa.dispatch, debias.dispatch]);
      ewaUpdateRef(ref, last, ewaDecay);
      if (t === 1 || t === 8) {
        out.push({ label: `step ${t}: debiased copy`, comparison: compareArrays(await readF32(gpu, evalCopy, count), ewaDebiasRef(ref, ewaDecay, t), TOL) });
      }
    }
    out.push({ label: 'wbar after 8 steps', comparison: compareArrays(await readF32(gpu, wbar, count), ref, TOL) });
    out.push({ label: 'θ untouched', comparison: compareArrays(await readF32(gpu, theta, count), last, EXACT) });
    // Debias again: wbar must not have moved, so the copy is the same.
    await runDispatches(gpu, [debias.dispatch]);
    out.push({ label: 'debias is idempotent', comparison: compareArrays(await readF32(gpu, evalCopy, count), ewaDebiasRef(ref, ewaDecay, 8), TOL) });
    [theta, wbar, evalCopy].forEach((b) => b.destroy());
    return out;
  },

  async 'constant θ: debiased average equals θ; paper τ = 0.9995'(gpu) {
    const count = 300;
    const thetaHost = randomUniform(count, 9);
    const theta = uploadF32(gpu, thetaHost, 'params');
    const wbar = createStorage(gpu, count, 'ewa');
    const evalCopy = createStorage(gpu, count, 'eval copy');
    const ewaDecay = 0.9995;
    const ewa = await prepareEwa(gpu, { params: theta, ewa: wbar, count, ewaDecay });
    const debias = await prepareEwaDebias(gpu, { ewa: wbar, out: evalCopy, count, ewaDecay });
    const steps = 5;
    await runDispatches(gpu, Array.from({ length: steps }, () => ewa.dispatch));
    debias.update({ ewaDecay, step: steps });
    await runDispatches(gpu, [debias.dispatch]);
    // The kernel's τ, 1 − τ and debias factor all come from one float32 τ, so the weights sum
    // to 1 − τ^t exactly and only float32 rounding of each step remains (≈1e-7 relative).
    const out = [{ label: `debiased after ${steps} steps = θ`, comparison: compareArrays(await readF32(gpu, evalCopy, count), thetaHost, { atol: 0, rtol: 2e-6 }) }];
    [theta, wbar, evalCopy].forEach((b) => b.destroy());
    return out;
  },
};
