import { describe, expect, it } from 'vitest';
import { syntheticConfig } from './synthetic';
import { estimateExperiment, tokenizerVocab } from './estimate';
import { hostsNeedingConfirmation } from './data-source';
import { C4_FIRST_SHARDS, defaultConfig, EXPERIMENT_PRESETS } from './presets';

describe('estimate', () => {
  it('demo: runs, tokens and FLOPs by hand', () => {
    // The first release's demo: one learning rate, one reference run, one replicate.
    const c = { ...syntheticConfig(), batchSizes: [4, 8, 16, 32], learningRates: { values: [1e-2], exponent: 0, baseBatch: 4 } };
    const e = estimateExperiment(c, null, null);
    // 4 batch sizes × 1 LR + the reference run.
    expect(e.runs).toBe(5);
    // Each sweep run to its cap: ceil(4·20000 / (B·32)) steps of B·32 tokens; plus D for the reference.
    const capTokens = [4, 8, 16, 32].reduce((s, B) => s + Math.ceil(80000 / (B * 32)) * B * 32, 0);
    expect(e.maxTokens).toBe(capTokens + 20000);
    // FLOPs/token = 6·12·L·C² + 6·V·C + 12·L·C·T with L 1, C 32, V 256, T 32.
    const fpt = 6 * 12 * 32 * 32 + 6 * 256 * 32 + 12 * 32 * 32;
    expect(e.maxFlops).toBe(e.maxTokens * fpt);
    expect(e.maxWallSeconds).toBeNull();
    expect(estimateExperiment(c, null, 1e9).maxWallSeconds).toBeCloseTo(e.maxFlops / 1e9, 6);
    expect(tokenizerVocab({ kind: 'bpe', vocabSize: 4096 })).toBe(4096);
  });
  it('refuses a model beyond the adapter limits with a reason', () => {
    const c = EXPERIMENT_PRESETS[2].config();
    const tiny = { maxStorageBufferBindingSize: 1 << 16, maxBufferSize: 1 << 16 };
    const e = estimateExperiment(c, tiny, null);
    expect(e.adapterErrors.length).toBeGreaterThan(0);
    expect(e.adapterErrors[0]).toMatch(/does not fit this adapter/);
    expect(estimateExperiment(defaultConfig(), { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 }, null).adapterErrors).toEqual([]);
  });
});

describe('data sources that need confirmation', () => {
  it('bundled and C4 need none; other hosts are listed once each', () => {
    expect(hostsNeedingConfirmation({ kind: 'bundled' })).toEqual([]);
    expect(hostsNeedingConfirmation({ kind: 'urls', ...C4_FIRST_SHARDS })).toEqual([]);
    expect(
      hostsNeedingConfirmation({ kind: 'urls', train: ['https://evil.example/a.json.gz', 'https://evil.example/b.json.gz'], validation: [C4_FIRST_SHARDS.validation[0], 'https://other.example/v'] }),
    ).toEqual(['evil.example', 'other.example']);
    // A look-alike prefix is not the hub (the prompt names the host and the path prefix).
    expect(hostsNeedingConfirmation({ kind: 'urls', train: ['https://huggingface.co.evil.example/datasets/allenai/c4/x'], validation: [] })).toEqual([
      'huggingface.co.evil.example/datasets/allenai/c4/',
    ]);
  });
});
