// Whole-model checks: the GPU forward and backward (src/model/gpu-model.ts) against the float64
// reference (src/model/reference.ts), which itself matches finite differences and PyTorch. The
// same checks run in the page (e2e/model.spec.ts) and in Node on Dawn (tools/check-model-node.ts,
// npm run check:model:node).
import { createStorage, readBuffers, runDispatches, uploadF32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { IGNORE_TARGET, activationMemory, type ModelConfig } from '../../src/model/config';
import { prepareGpuModel } from '../../src/model/gpu-model';
import { initParameters } from '../../src/model/init';
import { buildLayout, type ParameterLayout } from '../../src/model/layout';
import { referenceLossAndGradient } from '../../src/model/reference';
import { mulberry32, normalSampler, randomInts } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

/**
 * Tolerances. The GPU computes in f32 (reductions over C, N or V terms); gradient entries are
 * compared to the float64 reference with an absolute allowance relative to the tensor's largest
 * entry, since f32 errors scale with the tensor's magnitude, not with each tiny entry.
 */
const LOSS_TOL: Tolerance = { atol: 2e-5, rtol: 2e-6 };
const GRAD_REL_ATOL = 2e-5;
const GRAD_RTOL = 1e-4;

/** A small config with ragged sizes: V not a multiple of anything, T not a tile multiple. */
export const CHECK_CONFIG: ModelConfig = { name: 'custom', layers: 2, dModel: 16, heads: 2, context: 7, vocabSize: 37 };

/** Init, then N(0, 0.3²) noise on every parameter, so every path carries a sizeable gradient. */
export function perturbedParams(layout: ParameterLayout, seed: number): Float32Array {
  const params = initParameters(layout.config, seed, layout);
  const noise = normalSampler(mulberry32(seed + 1000));
  for (const t of layout.tensors) for (let i = 0; i < t.size; i++) params[t.offset + i] += 0.3 * noise();
  return params;
}

function batchOf(sequences: number, T: number, V: number, seed: number, ignored: number[]): { tokens: Uint32Array; targets: Uint32Array } {
  const tokens = randomInts(sequences * T, V, seed);
  const targets = randomInts(sequences * T, V, seed + 1);
  for (const i of ignored) targets[i] = IGNORE_TARGET;
  return { tokens, targets };
}

function countValid(targets: Uint32Array): number {
  let n = 0;
  for (const t of targets) if (t !== IGNORE_TARGET) n++;
  return n;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

/**
 * Runs `microBatches` micro-batches of `perMicro` sequences through one GPU model, accumulating
 * gradients, with the loss scale 1/(valid targets over all of them); compares the summed loss and
 * the accumulated gradient with the reference on the whole batch at once.
 */
async function wholeModelCase(gpu: GpuContext, cfg: ModelConfig, perMicro: number, microBatches: number, seqLen: number, tag: string): Promise<CheckOutcome[]> {
  const layout = buildLayout(cfg);
  const params = perturbedParams(layout, 11);
  const T = seqLen;
  const total = perMicro * microBatches;
  const whole = batchOf(total, T, cfg.vocabSize, 21, [2, total * T - 1]);
  const valid = countValid(whole.targets);

  const paramsBuf = uploadF32(gpu, params, `${tag} params`);
  const gradsBuf = createStorage(gpu, layout.totalFloats, `${tag} grads`);
  const model = await prepareGpuModel(gpu, { layout, params: paramsBuf, grads: gradsBuf, microBatch: perMicro, seqLen: T, label: tag });
  model.setLossScale(1 / valid);
  let lossSum = 0;
  const n = perMicro * T;
  for (let m = 0; m < microBatches; m++) {
    model.setBatch(whole.tokens.slice(m * n, (m + 1) * n), whole.targets.slice(m * n, (m + 1) * n));
    await runDispatches(gpu, [...model.forward, ...model.backward], `${tag} micro-batch ${m}`);
    const [losses] = await readBuffers(gpu, [{ buffer: model.losses, bytes: n * 4 }]);
    for (const x of new Float32Array(losses)) lossSum += x;
  }
  const [gradBytes] = await readBuffers(gpu, [{ buffer: gradsBuf, bytes: layout.totalBytes }]);
  const grads = new Float32Array(gradBytes);
  const allocated = model.activationBytes;
  model.destroy();
  paramsBuf.destroy();
  gradsBuf.destroy();

  const ref = referenceLossAndGradient(layout, params, { tokens: whole.tokens, targets: whole.targets, batch: total, seqLen: T });
  const outcomes: CheckOutcome[] = [{ label: `${tag} loss`, comparison: compareArrays([lossSum / valid], [ref.loss], LOSS_TOL) }];
  // The trainer sizes micro-batches with activationMemory: it must match what the model allocates
  // (to 2%: LayerNorm scratch and 4-byte minimums round up).
  const estimate = activationMemory({ ...cfg, context: T }).bytesPerSequence * perMicro;
  outcomes.push({ label: `${tag} activation bytes (${allocated}) vs activationMemory`, comparison: compareArrays([allocated], [estimate], { atol: 0, rtol: 0.02 }) });
  for (const t of layout.tensors) {
    const expected = ref.grad.subarray(t.offset, t.offset + t.size);
    const tol = { atol: GRAD_REL_ATOL * maxAbs(expected), rtol: GRAD_RTOL };
    outcomes.push({ label: `${tag} d${t.name}`, comparison: compareArrays(grads.subarray(t.offset, t.offset + t.size), expected, tol) });
  }
  return outcomes;
}

export const checks: Record<string, Check> = {
  'whole model: loss and every parameter gradient vs the float64 reference': (gpu) =>
    wholeModelCase(gpu, CHECK_CONFIG, 2, 1, CHECK_CONFIG.context, 'B2 T7'),
  'gradient accumulation over 3 micro-batches equals one batch of 6': (gpu) =>
    wholeModelCase(gpu, CHECK_CONFIG, 2, 3, CHECK_CONFIG.context, '3×B2 T7'),
  'sequences shorter than the context; one layer, 4 heads of 4': (gpu) =>
    wholeModelCase(gpu, { name: 'custom', layers: 1, dModel: 16, heads: 4, context: 12, vocabSize: 29 }, 3, 1, 9, 'B3 T9<12'),
};
