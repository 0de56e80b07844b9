import { describe, expect, it } from 'vitest';
import { syntheticConfig } from './synthetic';
import { estimateExperiment, tokenizerVocab } from './estimate';
import { hostsNeedingConfirmation } from './data-source';
import { planContext, planRuns } from './plan';
import { C4_FIRST_SHARDS, defaultConfig, findExperimentPreset } from './presets';

describe('estimate', () => {
  it('demo: runs, tokens and FLOPs by hand, from the plan the runner trains, with the byte tokenizer\'s 257 ids', () => {
    // The first release's demo: one learning rate, one reference run, one replicate.
    const c = { ...syntheticConfig(), batchSizes: [4, 8, 16, 32], learningRates: { values: [1e-2], exponent: 0, baseBatch: 4 } };
    const e = estimateExperiment(c, null);
    // 4 batch sizes × 1 LR + the reference run.
    expect(e.runs).toBe(5);
    expect(e.plan).toEqual(planRuns(c, { vocabSize: 257, microBatchFor: () => 1 }));
    expect(e.plan.every((r) => r.model.vocabSize === 257)).toBe(true);
    // Each sweep run to its cap: ceil(4·20000 / (B·32)) steps of B·32 tokens; the reference's round(20000 / (4·32)) steps.
    const capTokens = [4, 8, 16, 32].reduce((s, B) => s + Math.ceil(80000 / (B * 32)) * B * 32, 0);
    const refTokens = Math.round(20000 / 128) * 128;
    expect(e.maxTokens).toBe(capTokens + refTokens);
    // FLOPs/token = 6·12·L·C² + 6·V·C + 12·L·C·T with L 1, C 32, V 257, T 32.
    const fpt = 6 * 12 * 32 * 32 + 6 * 257 * 32 + 12 * 32 * 32;
    expect(e.maxFlops).toBe(e.maxTokens * fpt);
    expect(tokenizerVocab({ kind: 'byte' })).toBe(257);
    expect(tokenizerVocab({ kind: 'bpe', vocabSize: 4096 })).toBe(4096);
    expect(tokenizerVocab({ kind: 'gpt2' })).toBe(50257);
    // With the adapter's limits, the micro-batches are the runner's: two per step when the noise scale is measured.
    const limits = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 };
    expect(estimateExperiment(c, limits).plan).toEqual(planRuns(c, planContext(c, 257, limits)));
    const micro = (config: typeof c) => estimateExperiment(config, limits).plan.map((r) => r.batchSize / r.microBatch);
    expect(micro({ ...c, measureNoiseScale: true })).toEqual([2, 2, 2, 2, 2]);
    expect(micro({ ...c, measureNoiseScale: false })).toEqual([1, 1, 1, 1, 1]);
  });
  it('refuses a model beyond the adapter limits with a reason', () => {
    const c = findExperimentPreset('cbs-vs-data')!.config();
    const tiny = { maxStorageBufferBindingSize: 1 << 16, maxBufferSize: 1 << 16 };
    const e = estimateExperiment(c, tiny);
    expect(e.adapterErrors.length).toBeGreaterThan(0);
    expect(e.adapterErrors[0]).toMatch(/does not fit this adapter/);
    expect(estimateExperiment(defaultConfig(), { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 }).adapterErrors).toEqual([]);
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
