import { describe, expect, it } from 'vitest';
import { adamwStepRef, zeroState } from '../../src/kernels/adamw.ref';
import { ewaDebiasRef, ewaUpdateRef } from '../../src/kernels/ewa.ref';
import { IGNORE_TARGET, type ModelConfig } from '../../src/model/config';
import { initParameters } from '../../src/model/init';
import { buildLayout } from '../../src/model/layout';
import { referenceLoss, referenceLossAndGradient } from '../../src/model/reference';
import type { MicroBatch, StepHyperparameters } from '../../src/train/engine';
import { randomInts } from '../../src/util/random';
import { ReferenceEngine } from './reference-engine';

const cfg: ModelConfig = { name: 't', layers: 1, dModel: 16, heads: 2, context: 6, vocabSize: 23 };
const layout = buildLayout(cfg);
const params = initParameters(cfg, 3);
const hp: StepHyperparameters = { step: 1, lr: 0.01, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 0.5, ewaDecays: [0.8] };

function batch(sequences: number, seed: number): MicroBatch {
  const n = sequences * cfg.context;
  return { inputs: randomInts(n, cfg.vocabSize, seed), targets: randomInts(n, cfg.vocabSize, seed + 1), sequences };
}
const join = (a: MicroBatch, b: MicroBatch): MicroBatch => ({
  inputs: Uint32Array.from([...a.inputs, ...b.inputs]),
  targets: Uint32Array.from([...a.targets, ...b.targets]),
  sequences: a.sequences + b.sequences,
});

describe('ReferenceEngine: the lab step in float64', () => {
  it('is one AdamW step (clipped, no decay on LayerNorm scales) on the mean gradient of the whole batch', async () => {
    const a = batch(2, 10);
    const b = batch(2, 20);
    b.targets[3] = IGNORE_TARGET;
    const engine = new ReferenceEngine(layout, params, 1);
    const scalars = await engine.step([a, b], hp);
    const whole = referenceLossAndGradient(layout, params, { tokens: join(a, b).inputs, targets: join(a, b).targets, batch: 4, seqLen: cfg.context });
    expect(scalars.loss).toBeCloseTo(whole.loss, 13);
    const sq = whole.grad.reduce((s, g) => s + g * g, 0);
    expect(scalars.batchGradSq).toBeCloseTo(sq, 12);
    expect(scalars.gradNorm).toBeCloseTo(Math.sqrt(sq), 12);
    const first = referenceLossAndGradient(layout, params, { tokens: a.inputs, targets: a.targets, batch: 2, seqLen: cfg.context });
    expect(scalars.microGradSq).toBeCloseTo(first.grad.reduce((s, g) => s + g * g, 0), 12);
    // The same update by hand.
    const state = zeroState(layout.totalFloats, params);
    const decay = Array.from({ length: layout.totalFloats }, () => true);
    for (const t of layout.tensors) if (t.kind === 'norm') decay.fill(false, t.offset, t.offset + t.size);
    adamwStepRef(state, whole.grad, { ...hp, clipNorm: hp.clipNorm }, decay);
    const weights = await engine.exportWeights();
    for (let i = 0; i < weights.length; i += 37) expect(weights[i]).toBe(Math.fround(state.params[i]));
  });

  it('keeps one EWA copy per decay and evaluates each, debiased, or the raw weights', async () => {
    const decays = [0.5, 0.9];
    const engine = new ReferenceEngine(layout, params, decays.length);
    const train = [batch(2, 30)];
    const validation = [batch(3, 40)];
    const ewa = decays.map(() => new Float64Array(layout.totalFloats));
    const state = zeroState(layout.totalFloats, params);
    for (let step = 1; step <= 3; step++) {
      const g = referenceLossAndGradient(layout, state.params, { tokens: train[0].inputs, targets: train[0].targets, batch: 2, seqLen: cfg.context });
      const decay = Array.from({ length: layout.totalFloats }, () => true);
      for (const t of layout.tensors) if (t.kind === 'norm') decay.fill(false, t.offset, t.offset + t.size);
      adamwStepRef(state, g.grad, { ...hp, step }, decay);
      decays.forEach((tau, k) => ewaUpdateRef(ewa[k], state.params, tau));
      await engine.step(train, { ...hp, step, ewaDecays: decays });
    }
    const v = { tokens: validation[0].inputs, targets: validation[0].targets, batch: 3, seqLen: cfg.context };
    for (const [index, decay] of decays.entries()) {
      expect(await engine.evaluate(validation, { kind: 'ewa', index, decay, step: 3 })).toBeCloseTo(referenceLoss(layout, ewaDebiasRef(ewa[index], decay, 3), v), 12);
    }
    expect(await engine.evaluate(validation, { kind: 'raw' })).toBeCloseTo(referenceLoss(layout, state.params, v), 12);
    await expect(engine.step(train, { ...hp, step: 4, ewaDecays: [0.5] })).rejects.toThrow('1 EWA decays given, the engine keeps 2 EWA copies');
  });
});
