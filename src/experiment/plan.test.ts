import { describe, expect, it } from 'vitest';
import { planRuns } from './plan';
import type { ExperimentConfig } from './schema';
import { defaultConfig } from './presets';

const evaluation = { interval: 50, denseEvery: 5, denseMargin: 0.05, denseTailFraction: 0.1, validationTokens: 4096 };

function config(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'test',
    preset: null,
    models: [{ name: 'tiny', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 0 }],
    dataSizes: [65_536],
    batchSizes: [4, 8, 16],
    learningRates: { values: [1e-3, 3e-3], sqrtScaling: false, baseBatch: 4 },
    target: { kind: 'reference', batchSize: 8 },
    evaluation,
    ...overrides,
  };
}

describe('planRuns', () => {
  it('puts the reference run first, trains it for exactly D, and sweeps B × LR', () => {
    const runs = planRuns(config(), { vocabSize: 257, microBatchFor: (_m, b) => Math.min(b, 4) });
    expect(runs).toHaveLength(1 + 3 * 2);
    const ref = runs[0];
    expect(ref.isReference).toBe(true);
    expect(ref.batchSize).toBe(8);
    expect(ref.maxSteps).toBe(65_536 / (8 * 32));
    expect(ref.stopAtTarget).toBe(false);
    expect(ref.targetLoss).toBeNull();
    expect(ref.model.vocabSize).toBe(257);
    const b16 = runs.filter((r) => r.batchSize === 16);
    expect(b16.map((r) => r.peakLr)).toEqual([1e-3, 3e-3]);
    // Cap: 4·D tokens at 16×32 per step.
    expect(b16[0].maxSteps).toBe(512);
    // Warmup: 0.25 × D / (16·32) = 32 steps; EWA horizon capped at 10% of 512 steps.
    expect(b16[0].warmupSteps).toBe(32);
    expect(b16[0].ewaDecay).toBeCloseTo(1 - 1 / 51.2, 12);
    expect(b16[0].microBatch).toBe(4);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
  });
  it('scales the LR grid by sqrt(B / base) when asked, and takes a fixed target as given', () => {
    const runs = planRuns(
      config({
        learningRates: { values: [1e-3], sqrtScaling: true, baseBatch: 4 },
        target: { kind: 'fixed', loss: 2.5 },
      }),
      { vocabSize: 257, microBatchFor: () => 1 },
    );
    expect(runs.map((r) => r.peakLr)).toEqual([1e-3, 0.00141421, 2e-3]);
    expect(runs.every((r) => r.targetLoss === 2.5 && !r.isReference)).toBe(true);
  });
});
