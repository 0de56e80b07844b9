// The TF.js peer model against the float64 reference, on TF.js's CPU backend in Node: the same
// loss, the same gradient (so TF.js's autodiff of our graph is the reference's explicit
// backward), and one AdamW step with clipping equal to the update written out in float64.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { IGNORE_TARGET, type ModelConfig } from '../model/config';
import { initParameters } from '../model/init';
import { buildLayout } from '../model/layout';
import { referenceLossAndGradient } from '../model/reference';
import type { MicroBatch, StepHyperparameters } from '../train/engine';
import { mulberry32, normalSampler, randomInts } from '../util/random';
import { registerTfjsGradients, steadyTokensPerSecond, TfjsModel } from './tfjs-model';

const CFG: ModelConfig = { name: 'custom', layers: 2, dModel: 8, heads: 2, context: 6, vocabSize: 13 };
const B = 3;
const T = 5; // shorter than the context: the model must follow the batch's length

/** Initial parameters made larger and less regular than the real init (std 0.02 makes everything near-linear). */
function params(): Float32Array {
  const layout = buildLayout(CFG);
  const p = initParameters(CFG, 3, layout);
  const next = normalSampler(mulberry32(11));
  for (const t of layout.tensors) {
    for (let i = t.offset; i < t.offset + t.size; i++) p[i] = t.kind === 'norm' ? 1 + 0.3 * next() : 0.4 * next();
  }
  return p;
}

function batch(): MicroBatch {
  const inputs = randomInts(B * T, CFG.vocabSize, 21);
  const targets = randomInts(B * T, CFG.vocabSize, 22);
  targets[1] = IGNORE_TARGET;
  targets[B * T - 1] = IGNORE_TARGET;
  return { inputs, targets, sequences: B };
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
  await registerTfjsGradients(tf); // transforms a few hundred TF.js sources: slow on a busy machine
}, 120_000);

describe('TF.js peer model vs the float64 reference (TF.js CPU backend)', () => {
  it('gives the same loss and the same gradient', async () => {
    const p = params();
    const layout = buildLayout(CFG);
    const ref = referenceLossAndGradient(layout, p, { tokens: batch().inputs, targets: batch().targets, batch: B, seqLen: T });
    const model = TfjsModel.create(tf, CFG, p);
    const { loss, grad } = await model.lossAndGradient(batch());
    model.dispose();
    expect(Math.abs(loss - ref.loss)).toBeLessThan(2e-5 * ref.loss);
    const scale = maxAbs(ref.grad);
    let worst = 0;
    for (let i = 0; i < grad.length; i++) worst = Math.max(worst, Math.abs(grad[i] - ref.grad[i]));
    // f32 through ~20 ops with O(1) activations: errors of a few 1e-6 relative to the largest entry.
    expect(worst).toBeLessThan(1e-4 * scale);
    // Every tensor's gradient is nonzero (the graph reaches every parameter).
    for (const t of layout.tensors) expect(maxAbs(grad.subarray(t.offset, t.offset + t.size)), t.name).toBeGreaterThan(0);
  });

  it('two AdamW steps with clipping and weight decay equal the float64 update of the same gradients', async () => {
    // The gradient itself is checked above; here the optimizer's arithmetic is checked alone, by
    // applying the float64 AdamW to the model's own f32 gradient (entries with |g| near eps make
    // the update ill-conditioned in g, so the reference gradient would blur this check).
    const p = params();
    const layout = buildLayout(CFG);
    const b = batch();
    const hp: StepHyperparameters = { step: 1, lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 0.5, ewaDecays: [0.9] };
    const model = TfjsModel.create(tf, CFG, p);
    const expected = Float64Array.from(p);
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    const losses: number[] = [];
    for (let step = 1; step <= 2; step++) {
      const { loss, grad } = await model.lossAndGradient(b);
      let sq = 0;
      for (const g of grad) sq += g * g;
      const norm = Math.sqrt(sq);
      expect(norm).toBeGreaterThan(hp.clipNorm); // so clipping is exercised
      const clip = Math.min(1, hp.clipNorm / (norm + 1e-6));
      const r = await model.step(b, { ...hp, step });
      expect(r.loss).toBe(loss);
      expect(Math.abs(r.gradNorm - norm)).toBeLessThan(1e-6 * norm);
      losses.push(r.loss);
      const bc1 = 1 - hp.beta1 ** step;
      const bc2 = 1 - hp.beta2 ** step;
      for (const t of layout.tensors) {
        for (let i = t.offset; i < t.offset + t.size; i++) {
          const g = grad[i] * clip;
          if (t.kind !== 'norm') expected[i] *= 1 - hp.lr * hp.weightDecay;
          m[i] = hp.beta1 * m[i] + (1 - hp.beta1) * g;
          v[i] = hp.beta2 * v[i] + (1 - hp.beta2) * g * g;
          expected[i] -= (hp.lr / bc1) * (m[i] / (Math.sqrt(v[i]) / Math.sqrt(bc2) + hp.eps));
        }
      }
      const after = await model.exportWeights();
      // Each step moves a weight by about lr = 0.01; f32 rounding of weights up to ~2 is ~1e-7 per op.
      expect(maxAbs(after.map((x, i) => x - expected[i])), `step ${step}`).toBeLessThan(1e-6);
    }
    expect(losses[1]).toBeLessThan(losses[0]); // it learns
    model.dispose();
  });

  it('trainSteps numbers the steps, cycles the batches and frees its tensors', async () => {
    const model = TfjsModel.create(tf, CFG, params());
    const hp: StepHyperparameters = { step: 99, lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, clipNorm: 1, ewaDecays: [0.9] };
    await model.loss(batch()); // builds the RoPE and mask tables, which the model keeps
    const before = tf.memory().numTensors;
    const r = await model.trainSteps([batch()], hp, 4);
    expect(tf.memory().numTensors).toBe(before);
    expect(r.losses).toHaveLength(4);
    expect(r.losses[3]).toBeLessThan(r.losses[0]);
    expect(r.tokensPerSecond).toBeGreaterThan(0);
    model.dispose();
  });

  it('steady tokens per second leaves out the first (warm-up) step', () => {
    expect(steadyTokensPerSecond([10, 1, 1], 100)).toBe(100);
    expect(steadyTokensPerSecond([2], 100)).toBe(50);
  });
});
