import { describe, expect, it } from 'vitest';
import { attentionForwardRef } from '../kernels/attention.ref';
import { countTargets, crossEntropyRef, sumRef } from '../kernels/cross-entropy.ref';
import { addRef } from '../kernels/elementwise.ref';
import { embeddingForwardRef } from '../kernels/embedding.ref';
import { geluRef } from '../kernels/gelu.ref';
import { centralDifferences, sampleIndices } from '../kernels/gradcheck';
import { layerNormForwardRef } from '../kernels/layernorm.ref';
import { matmulRef } from '../kernels/matmul.ref';
import { ropeRef } from '../kernels/rope.ref';
import { mulberry32, normalSampler, randomInts } from '../util/random';
import { IGNORE_TARGET, type ModelConfig } from './config';
import { initParameters } from './init';
import { buildLayout, type ParamTensor, type ParameterLayout } from './layout';
import { presetConfig } from './presets';
import { referenceForward, referenceLoss, referenceLossAndGradient, type ReferenceBatch } from './reference';

const TINY: ModelConfig = { name: 'custom', layers: 2, dModel: 8, heads: 2, context: 5, vocabSize: 11 };

/** Parameters far from init (std 0.4, LayerNorm scales 1 ± 0.2) so every path carries gradient. */
function roughParams(layout: ParameterLayout, seed: number): Float64Array {
  const next = normalSampler(mulberry32(seed));
  const p = new Float64Array(layout.totalFloats);
  for (const t of layout.tensors) {
    for (let i = 0; i < t.size; i++) p[t.offset + i] = t.kind === 'norm' ? 1 + 0.2 * next() : 0.4 * next();
  }
  return p;
}

function tinyBatch(): ReferenceBatch {
  const B = 2;
  const T = 5;
  const tokens = randomInts(B * T, TINY.vocabSize, 7);
  const targets = randomInts(B * T, TINY.vocabSize, 8);
  targets[3] = IGNORE_TARGET; // one ignored target
  return { tokens, targets, batch: B, seqLen: T };
}

describe('composed of the kernel references', () => {
  // docs/model.md's equations written out with src/kernels/*.ref.ts, one sequence at a time: the
  // model's batched forward must give the same logits and loss, bit for bit (each kernel
  // reference computes a row, or a (sequence, head), in the same order at any batch size).
  it('the batched forward equals the equations composed per sequence, bit for bit', () => {
    const layout = buildLayout(TINY);
    const params = roughParams(layout, 123);
    const batch = tinyBatch();
    const P = (t: ParamTensor) => params.subarray(t.offset, t.offset + t.size);
    const { layers: L, dModel: C, heads: H, vocabSize: V } = TINY;
    const T = batch.seqLen;
    const F = 4 * C;
    const norm = { rows: T, cols: C };
    const rope = { rows: T, seqLen: T, heads: H, headDim: C / H };
    const ln = (x: Float64Array, w: ParamTensor) => layerNormForwardRef(x, P(w), norm).y;
    const linear = (x: Float64Array, w: ParamTensor, inputs: number, outputs: number) =>
      matmulRef(x, P(w), { M: T, N: outputs, K: inputs, transB: true });
    const model = referenceForward(layout, params, batch);
    const losses: number[] = [];
    for (let b = 0; b < batch.batch; b++) {
      const tokens = Array.from(batch.tokens).slice(b * T, (b + 1) * T);
      const targets = Array.from(batch.targets).slice(b * T, (b + 1) * T);
      let x = embeddingForwardRef(tokens, P(layout.tokEmbeddings), V, C);
      expect(layout.layers).toHaveLength(L);
      for (const p of layout.layers) {
        const h = ln(x, p.attnNorm);
        const q = ropeRef(ln(linear(h, p.wq, C, C), p.qNorm), rope);
        const k = ropeRef(ln(linear(h, p.wk, C, C), p.kNorm), rope);
        const o = attentionForwardRef(q, k, linear(h, p.wv, C, C), { batch: 1, seqLen: T, heads: H, headDim: C / H }).o;
        x = addRef(x, linear(o, p.wo, C, C));
        x = addRef(x, linear(geluRef(linear(ln(x, p.mlpNorm), p.w1, C, F)), p.w2, F, C));
      }
      const logits = linear(ln(x, layout.norm), layout.output, C, V);
      expect(model.logits.subarray(b * T * V, (b + 1) * T * V)).toEqual(logits);
      losses.push(...crossEntropyRef(logits, targets, T, V, 1).losses);
    }
    expect(model.loss).toBe(sumRef(losses) / countTargets(batch.targets, V));
  });
});

describe('whole-model float64 reference', () => {
  const layout = buildLayout(TINY);
  const params = roughParams(layout, 123);
  const batch = tinyBatch();

  it('backward matches central finite differences in every parameter tensor', () => {
    const { grad, validTargets } = referenceLossAndGradient(layout, params, batch);
    expect(validTargets).toBe(9);
    const f = (x: Float64Array) => referenceLoss(layout, x, batch);
    // |fd − analytic| ≤ ATOL + RTOL·|analytic|, with h = 1e-5 (truncation error ~h², rounding ~1e-16/h).
    const ATOL = 1e-8;
    const RTOL = 1e-6;
    let worstAbs = 0;
    let worstRel = 0;
    let checked = 0;
    for (const t of layout.tensors) {
      const local = sampleIndices(t.size, 10, t.offset + 1);
      // Also probe the tensor's largest gradient, so no tensor passes on zeros alone.
      let argmax = 0;
      for (let i = 1; i < t.size; i++) if (Math.abs(grad[t.offset + i]) > Math.abs(grad[t.offset + argmax])) argmax = i;
      const indices = [...new Set([...local, argmax])].map((i) => t.offset + i);
      const fd = centralDifferences(f, params, indices, 1e-5);
      let largest = 0;
      for (const i of indices) {
        const an = grad[i];
        const err = Math.abs(fd.get(i)! - an);
        worstAbs = Math.max(worstAbs, err);
        if (Math.abs(an) > 1e-3) worstRel = Math.max(worstRel, err / Math.abs(an));
        largest = Math.max(largest, Math.abs(an));
        expect(err, `${t.name}[${i - t.offset}]: fd ${fd.get(i)} vs analytic ${an}`).toBeLessThanOrEqual(ATOL + RTOL * Math.abs(an));
        checked++;
      }
      expect(largest, `${t.name} has a non-trivial gradient`).toBeGreaterThan(1e-4);
    }
    expect(checked).toBeGreaterThan(200);
    // Measured: worst |fd − analytic| ≈ 1.1e-8 (on a largest gradient), worst relative ≈ 3e-8;
    // the error falls 100× from h = 1e-4 to 1e-5, as truncation error (∝ h²) should.
    console.log(`reference gradcheck: ${checked} coordinates, worst abs ${worstAbs.toExponential(2)}, worst rel ${worstRel.toExponential(2)}`);
    expect(worstAbs).toBeLessThan(1e-7);
    expect(worstRel).toBeLessThan(1e-6);
  });

  it('padding between tensors gets zero gradient', () => {
    const { grad } = referenceLossAndGradient(layout, params, batch);
    const inTensor = new Uint8Array(layout.totalFloats);
    for (const t of layout.tensors) inTensor.fill(1, t.offset, t.offset + t.size);
    for (let i = 0; i < grad.length; i++) if (!inTensor[i]) expect(grad[i]).toBe(0);
  });

  it('the loss is the mean cross-entropy over non-ignored targets only', () => {
    const { loss, logits, validTargets } = referenceForward(layout, params, batch);
    const V = TINY.vocabSize;
    let total = 0;
    for (let n = 0; n < 10; n++) {
      if (batch.targets[n] === IGNORE_TARGET) continue;
      let sum = 0;
      for (let i = 0; i < V; i++) sum += Math.exp(logits[n * V + i]);
      total += Math.log(sum) - logits[n * V + batch.targets[n]];
    }
    expect(validTargets).toBe(9);
    expect(Math.abs(loss - total / 9)).toBeLessThan(1e-12);
    // The ignored target's value does not matter; with every target ignored the loss and gradient are 0.
    const allIgnored = { ...batch, targets: new Uint32Array(10).fill(IGNORE_TARGET) };
    const none = referenceLossAndGradient(layout, params, allIgnored);
    expect(none.loss).toBe(0);
    expect(none.grad.every((g) => g === 0)).toBe(true);
  });

  it('is causal: a later token does not change earlier logits', () => {
    const a = referenceForward(layout, params, batch).logits;
    const tokens = Uint32Array.from(batch.tokens);
    tokens[2] = (tokens[2] + 1) % TINY.vocabSize; // sequence 0, position 2
    const b = referenceForward(layout, params, { ...batch, tokens }).logits;
    const V = TINY.vocabSize;
    for (let i = 0; i < 2 * V; i++) expect(b[i]).toBe(a[i]); // positions 0, 1 of sequence 0
    for (let i = 5 * V; i < 10 * V; i++) expect(b[i]).toBe(a[i]); // sequence 1
    let changed = 0;
    for (let i = 2 * V; i < 5 * V; i++) changed = Math.max(changed, Math.abs(b[i] - a[i]));
    expect(changed).toBeGreaterThan(1e-3);
  });

  it('a sequence shorter than the context gives the same logits as the prefix of a longer one', () => {
    const tokens = Uint32Array.from(batch.tokens);
    const targets = Uint32Array.from(batch.targets);
    const long = referenceForward(layout, params, { tokens: tokens.slice(0, 5), targets: targets.slice(0, 5), batch: 1, seqLen: 5 });
    const short = referenceForward(layout, params, { tokens: tokens.slice(0, 3), targets: targets.slice(0, 3), batch: 1, seqLen: 3 });
    for (let i = 0; i < 3 * TINY.vocabSize; i++) expect(Math.abs(short.logits[i] - long.logits[i])).toBeLessThan(1e-12);
  });

  it('the initial loss is close to ln(V) with the real init', () => {
    const cfg = presetConfig('tiny-test', 50);
    const lay = buildLayout(cfg);
    const p = initParameters(cfg, 1, lay);
    const B = 2;
    const T = cfg.context;
    const b = { tokens: randomInts(B * T, 50, 3), targets: randomInts(B * T, 50, 4), batch: B, seqLen: T };
    const { loss } = referenceForward(lay, p, b);
    // Logits have std ≈ 0.02·√C = 0.08, so the loss exceeds ln V by about σ²/2 ≈ 0.003.
    expect(Math.abs(loss - Math.log(50))).toBeLessThan(0.02);
  });

  it('rejects tokens outside the vocabulary and sequences longer than the context', () => {
    const tokens = Uint32Array.from(batch.tokens);
    tokens[0] = 11;
    expect(() => referenceForward(layout, params, { ...batch, tokens })).toThrow(/outside the vocabulary/);
    expect(() => referenceForward(layout, params, { tokens: new Uint32Array(6), targets: new Uint32Array(6), batch: 1, seqLen: 6 })).toThrow(/context/);
  });
});
