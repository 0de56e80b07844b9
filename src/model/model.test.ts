// Config, presets, layout, init and safetensors (the reference has its own test file).
import { describe, expect, it } from 'vitest';
import {
  activationMemory,
  chooseMicroBatch,
  flopsPerToken,
  maxMicroBatch,
  modelConfigErrors,
  parameterCounts,
  validateModelConfig,
  type ModelConfig,
} from './config';
import { initParameters, initStd } from './init';
import { PARAM_ALIGN_FLOATS, buildLayout, tensorView } from './layout';
import { describePresets, presetConfig } from './presets';
import { exportModelSafetensors, importModelSafetensors, readSafetensors, writeSafetensors } from './safetensors';

const cfg = (over: Partial<ModelConfig> = {}): ModelConfig => ({ name: 'custom', layers: 2, dModel: 8, heads: 2, context: 5, vocabSize: 11, ...over });

describe('config', () => {
  it('accepts a valid config and explains each invalid one', () => {
    expect(modelConfigErrors(cfg())).toEqual([]);
    expect(modelConfigErrors(cfg({ dModel: 10, heads: 4 }))[0]).toMatch(/divisible by heads/);
    expect(modelConfigErrors(cfg({ dModel: 6, heads: 2 }))[0]).toMatch(/head dimension .* must be even/);
    expect(modelConfigErrors(cfg({ layers: 0 }))[0]).toMatch(/layers must be a positive integer/);
    expect(modelConfigErrors(cfg({ context: 2.5 }))[0]).toMatch(/context must be a positive integer/);
    expect(() => validateModelConfig(cfg({ vocabSize: 0 }))).toThrow(/vocabSize must be a positive integer/);
  });

  it('counts parameters: embedding 2VC, non-embedding L(12C² + 4C) + C, equal to the layout', () => {
    const c = presetConfig('nano', 256);
    const counts = parameterCounts(c);
    expect(counts.embedding).toBe(2 * 256 * 64);
    expect(counts.nonEmbedding).toBe(2 * (12 * 64 * 64 + 4 * 64) + 64);
    expect(buildLayout(c).parameterCount).toBe(counts.total);
  });

  it('FLOPs per token: 6·12·L·C² + 6·V·C + 12·L·C·T', () => {
    const f = flopsPerToken(presetConfig('micro', 1000));
    expect(f.layerMatmuls).toBe(6 * 12 * 4 * 128 * 128);
    expect(f.logits).toBe(6 * 1000 * 128);
    expect(f.attention).toBe(12 * 4 * 128 * 128);
    expect(f.total).toBe(f.layerMatmuls + f.logits + f.attention);
  });

  it('activation memory and the micro-batch that fits the limits', () => {
    const c = presetConfig('small', 50304);
    const mem = activationMemory(c);
    expect(mem.largestBufferName).toMatch(/logits/);
    expect(mem.largestBufferBytesPerSequence).toBe(4 * 512 * 50304);
    const limits = { maxStorageBufferBindingSize: 128 * 2 ** 20, maxBufferSize: 256 * 2 ** 20, activationBudgetBytes: 2 ** 34 };
    const m = maxMicroBatch(c, limits);
    expect(m).toBe(Math.floor((128 * 2 ** 20) / (4 * 512 * 50304)));
    expect(chooseMicroBatch(c, 64, limits)).toBe(1); // 64's largest divisor ≤ 1
    const roomy = { maxStorageBufferBindingSize: 2 ** 30, maxBufferSize: 2 ** 30, activationBudgetBytes: 2 ** 34 };
    expect(chooseMicroBatch(c, 64, roomy)).toBe(8); // fit 10 → largest divisor of 64 is 8
    expect(chooseMicroBatch(c, 48, roomy)).toBe(8);
    expect(chooseMicroBatch(c, 48, roomy, 4)).toBe(4);
    expect(() => chooseMicroBatch(c, 64, { maxStorageBufferBindingSize: 2 ** 20, maxBufferSize: 2 ** 20 })).toThrow(/does not fit this adapter/);
  });
});

describe('presets', () => {
  it('lists the ladder with parameter counts and FLOPs per token', () => {
    const rows = describePresets(4096);
    expect(rows.map((r) => r.name)).toEqual(['tiny-test', 'nano', 'micro', 'mini', 'small']);
    const small = rows.find((r) => r.name === 'small')!;
    expect(small.config).toMatchObject({ layers: 8, dModel: 512, heads: 8, context: 512, vocabSize: 4096 });
    expect(small.nonEmbeddingParams).toBe(8 * (12 * 512 * 512 + 4 * 512) + 512);
    for (const r of rows) expect(r.description.length).toBeGreaterThan(10);
    expect(() => presetConfig('huge', 10)).toThrow(/Unknown model preset/);
  });
});

describe('layout', () => {
  it('names tensors conventionally, aligns offsets to 64 floats, and never overlaps', () => {
    const layout = buildLayout(cfg());
    expect(layout.tensors.map((t) => t.name).slice(0, 12)).toEqual([
      'tok_embeddings.weight',
      'layers.0.attn_norm.weight',
      'layers.0.attn.wq.weight',
      'layers.0.attn.wk.weight',
      'layers.0.attn.wv.weight',
      'layers.0.attn.q_norm.weight',
      'layers.0.attn.k_norm.weight',
      'layers.0.attn.wo.weight',
      'layers.0.mlp_norm.weight',
      'layers.0.mlp.w1.weight',
      'layers.0.mlp.w2.weight',
      'layers.1.attn_norm.weight',
    ]);
    expect(layout.tensors.at(-2)!.name).toBe('norm.weight');
    expect(layout.output.shape).toEqual([11, 8]);
    expect(layout.layers[0].w1.shape).toEqual([32, 8]);
    expect(layout.layers[0].w2.shape).toEqual([8, 32]);
    let end = 0;
    for (const t of layout.tensors) {
      expect(t.offset % PARAM_ALIGN_FLOATS).toBe(0);
      expect(t.offset).toBeGreaterThanOrEqual(end);
      end = t.offset + t.size;
    }
    expect(layout.totalFloats % PARAM_ALIGN_FLOATS).toBe(0);
    expect(layout.totalFloats).toBeGreaterThanOrEqual(end);
    expect(layout.totalBytes).toBe(4 * layout.totalFloats);
  });
});

describe('init', () => {
  const c = presetConfig('nano', 512);
  const layout = buildLayout(c);
  const a = initParameters(c, 42, layout);

  it('is deterministic per seed and differs across seeds', () => {
    expect(initParameters(c, 42, layout)).toEqual(a);
    const b = initParameters(c, 43, layout);
    expect(tensorView(b, layout.output)[0]).not.toBe(tensorView(a, layout.output)[0]);
  });

  it('draws each tensor with its documented std; LayerNorm scales are 1; padding is 0', () => {
    for (const t of layout.tensors) {
      const v = tensorView(a, t);
      if (t.kind === 'norm') {
        expect(v.every((x) => x === 1)).toBe(true);
        continue;
      }
      let s = 0;
      let s2 = 0;
      for (const x of v) {
        s += x;
        s2 += x * x;
      }
      const mean = s / v.length;
      const std = Math.sqrt(s2 / v.length - mean * mean);
      const want = initStd(t, c.layers);
      // Sample std of n ≥ 4096 normals: relative error ≈ 1/√(2n) ≤ 1.1%; allow 5%.
      expect(Math.abs(std / want - 1), t.name).toBeLessThan(0.05);
      expect(Math.abs(mean), t.name).toBeLessThan(5 * want / Math.sqrt(v.length));
    }
    expect(initStd(layout.layers[1].wo, 2)).toBeCloseTo(0.01, 15); // 0.02/√(2·2)
    const inTensor = new Uint8Array(layout.totalFloats);
    for (const t of layout.tensors) inTensor.fill(1, t.offset, t.offset + t.size);
    for (let i = 0; i < a.length; i++) if (!inTensor[i]) expect(a[i]).toBe(0);
  });

  it('a tensor depends only on the seed and its name, not on the model around it', () => {
    const deeper = { ...c, layers: 3 };
    const d = initParameters(deeper, 42);
    const dl = buildLayout(deeper);
    expect(tensorView(d, dl.layers[0].wq)).toEqual(tensorView(a, layout.layers[0].wq));
  });
});

describe('safetensors', () => {
  it('writes the documented byte format', () => {
    const bytes = writeSafetensors([{ name: 'x', shape: [2], data: [1.5, -2] }], { k: 'v' });
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(n % 8).toBe(0);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
    expect(header).toEqual({ __metadata__: { k: 'v' }, x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    expect(bytes.length).toBe(8 + n + 8);
    expect(Array.from(new Float32Array(bytes.slice(8 + n).buffer))).toEqual([1.5, -2]);
  });

  it('round-trips a model with its config in the metadata', () => {
    const c = cfg();
    const layout = buildLayout(c);
    const params = initParameters(c, 5, layout);
    const bytes = exportModelSafetensors(layout, params, { seed: '5' });
    const file = readSafetensors(bytes);
    expect(JSON.parse(file.metadata.config)).toEqual(c);
    expect(file.metadata.seed).toBe('5');
    expect(file.tensors.get('layers.1.mlp.w1.weight')!.shape).toEqual([32, 8]);
    expect(importModelSafetensors(layout, bytes)).toEqual(params);
    // A float64 gradient is rounded to f32 on the way out.
    const g = Float64Array.from(params, (x) => x / 3);
    const back = importModelSafetensors(layout, exportModelSafetensors(layout, g));
    expect(back).toEqual(Float32Array.from(g));
  });

  it('rejects malformed files', () => {
    const bytes = writeSafetensors([{ name: 'x', shape: [2], data: [1, 2] }]);
    expect(() => readSafetensors(bytes.subarray(0, bytes.length - 4))).toThrow(/invalid data_offsets/);
    expect(() => writeSafetensors([{ name: 'x', shape: [3], data: [1, 2] }])).toThrow(/holds 3 values/);
  });
});

describe('cross-check bundle', () => {
  it('holds the init weights, a shifted batch with one ignored target, and the reference loss and gradients', async () => {
    const { buildCrossCheck } = await import('./crosscheck');
    const { referenceLossAndGradient } = await import('./reference');
    const c = presetConfig('tiny-test', 20);
    const layout = buildLayout(c);
    const bundle = buildCrossCheck(c, 9, 2);
    expect(importModelSafetensors(layout, bundle.weights)).toEqual(initParameters(c, 9, layout));
    const { tokens, targets } = bundle.batch;
    expect(tokens[0].slice(1)).toEqual(targets[0].slice(0, -1));
    expect(targets[1][7]).toBe(0xffffffff);
    const ref = referenceLossAndGradient(layout, initParameters(c, 9, layout), {
      tokens: tokens.flat(),
      targets: targets.flat(),
      batch: 2,
      seqLen: 8,
    });
    expect(bundle.loss.loss).toBe(ref.loss);
    expect(bundle.loss.validTargets).toBe(15);
    expect(importModelSafetensors(layout, bundle.gradients)).toEqual(Float32Array.from(ref.grad));
    expect(JSON.parse(readSafetensors(bundle.gradients).metadata.config)).toEqual(c);
  });
});

describe('agreement with PyTorch', () => {
  // Losses of cross-check bundles recomputed by src/scale-out/crosscheck.py in PyTorch 2.11 float64
  // (F.layer_norm, F.scaled_dot_product_attention, exact F.gelu), printed to 12 decimals; the
  // gradients agreed to 5.5e-8 of each tensor's largest (the f32 rounding of the export).
  it.each([
    ['tiny-test V64 seed 1', presetConfig('tiny-test', 64), 1, 2, 0, 4.135181006399],
    ['custom 2L d32 h4 T12 V50 seed 7 perturb 0.3', { name: 'custom', layers: 2, dModel: 32, heads: 4, context: 12, vocabSize: 50 }, 7, 3, 0.3, 5.190145300395],
  ] as const)('%s', async (_label, c, seed, batch, perturb, torchLoss) => {
    const { buildCrossCheck } = await import('./crosscheck');
    const bundle = buildCrossCheck(c, seed, batch, c.context, perturb);
    expect(Math.abs(bundle.loss.loss - torchLoss)).toBeLessThan(1e-11);
  });
});
