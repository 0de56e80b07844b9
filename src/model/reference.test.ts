import { describe, expect, it } from 'vitest';
import { centralDifferences, sampleIndices } from '../kernels/gradcheck';
import { mulberry32, normalSampler, randomInts } from '../util/random';
import { IGNORE_TARGET, type ModelConfig } from './config';
import { initParameters } from './init';
import { buildLayout, type ParameterLayout } from './layout';
import { presetConfig } from './presets';
import { erf, gelu, geluDerivative, referenceForward, referenceLoss, referenceLossAndGradient, ropeTables, type ReferenceBatch } from './reference';

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

describe('erf and GELU', () => {
  it('erf matches tabulated values to 1e-14', () => {
    const table: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [-1.5, -0.9661051464753108],
      [2, 0.9953222650189527],
      [3, 0.9999779095030014],
      [4.5, 0.9999999998033839],
    ];
    for (const [x, want] of table) expect(Math.abs(erf(x) - want)).toBeLessThan(1e-14);
  });
  it('GELU derivative matches central differences of GELU', () => {
    for (const x of [-5, -2.3, -0.7, 0, 0.3, 1.1, 4.2]) {
      const h = 1e-5;
      const fd = (gelu(x + h) - gelu(x - h)) / (2 * h);
      expect(Math.abs(fd - geluDerivative(x))).toBeLessThan(1e-9);
    }
  });
});

describe('RoPE tables', () => {
  it('θ(t, i) = t·10000^(−2i/hd)', () => {
    const { cos, sin } = ropeTables(3, 4);
    // hd = 4: pairs i = 0, 1 with frequencies 1 and 10000^(−1/2) = 0.01.
    expect(cos[0]).toBe(1);
    expect(sin[1 * 2 + 0]).toBeCloseTo(Math.sin(1), 15);
    expect(sin[2 * 2 + 1]).toBeCloseTo(Math.sin(0.02), 15);
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
