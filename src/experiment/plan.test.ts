import { describe, expect, it } from 'vitest';
import { beta2For, centreFirst, measurementKey, planRuns, referenceSeeds } from './plan';
import type { ExperimentConfig } from './schema';
import { defaultConfig } from './presets';

const evaluation = { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 4096, probeTokens: 0 };

function config(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'test',
    preset: null,
    models: [{ name: 'tiny', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 0 }],
    dataSizes: [65_536],
    batchSizes: [4, 8, 16],
    learningRates: { values: [1e-3, 3e-3], exponent: 0, baseBatch: 4 },
    target: { kind: 'reference', batchSize: 8, learningRates: [3e-3] },
    optimizer: { ...defaultConfig().optimizer, beta2: { kind: 'horizon', fraction: 0.25 } },
    ewa: { horizons: [0.1, 0.2, 0.4] },
    evaluation,
    ...overrides,
  };
}

describe('planRuns', () => {
  it('puts each replicate\'s reference first, with its own seeds, trains it for exactly D, and sweeps B × LR', () => {
    const runs = planRuns(config({ seeds: [{ init: 1, data: 1 }, { init: 2, data: 2 }] }), { vocabSize: 257, microBatchFor: (_m, b) => Math.min(b, 4) });
    expect(runs).toHaveLength(2 * (1 + 3 * 2));
    const refs = runs.filter((r) => r.role === 'reference');
    expect(refs.map((r) => runs.indexOf(r))).toEqual([0, 7]);
    const ref = refs[0];
    expect(ref.batchSize).toBe(8);
    expect(ref.maxSteps).toBe(65_536 / (8 * 32));
    expect(ref.stopAtTarget).toBe(false);
    expect(ref.targetLoss).toBeNull();
    expect(ref.model.vocabSize).toBe(257);
    // The middle of the grid [1e-3, 3e-3] at B = 8 (no sqrt scaling): index 1.
    expect(ref.peakLr).toBe(3e-3);
    // The reference's seeds differ from every sweep run's; each replicate's sweep runs share theirs.
    expect(ref.seeds).toEqual(referenceSeeds({ init: 1, data: 1 }));
    const sweepSeeds = new Set(runs.filter((r) => r.role === 'sweep').map((r) => JSON.stringify(r.seeds)));
    expect(sweepSeeds).toEqual(new Set([JSON.stringify({ init: 1, data: 1 }), JSON.stringify({ init: 2, data: 2 })]));
    for (const r of refs) expect(sweepSeeds.has(JSON.stringify(r.seeds))).toBe(false);
    expect(runs.filter((r) => r.role === 'sweep').map((r) => r.replicate)).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1]);
    const b16 = runs.filter((r) => r.batchSize === 16 && r.replicate === 0);
    expect(b16.map((r) => r.peakLr)).toEqual([1e-3, 3e-3]);
    // Cap: 4·D tokens at 16×32 per step.
    expect(b16[0].maxSteps).toBe(512);
    // Warmup: 0.25 × D / (16·32) = 32 steps. The budget is 128 steps at B = 16: EWA horizons of
    // 0.1, 0.2 and 0.4 of it are 12.8, 25.6 and 51.2 steps; β2's memory is 0.25 of it, 32 steps.
    expect(b16[0].warmupSteps).toBe(32);
    expect(b16[0].ewaDecays).toEqual([1 - 1 / 12.8, 1 - 1 / 25.6, 1 - 1 / 51.2].map((d) => Number(d.toPrecision(6))));
    expect(b16[0].beta2).toBe(Number((1 - 1 / 32).toPrecision(6)));
    expect(b16[0].microBatch).toBe(4);
    // The bundled data is the whole pool; other sources share the largest run's need.
    expect(runs.every((r) => r.poolTokens === null)).toBe(true);
    expect(new Set(runs.map((r) => r.id)).size).toBe(runs.length);
  });
  it('gives every run of a URL source the same pool: the largest run\'s tokens', () => {
    const runs = planRuns(config({ data: { kind: 'urls', train: ['https://example.org/a.json.gz'], validation: ['https://example.org/b.json.gz'] } }), {
      vocabSize: 257,
      microBatchFor: () => 1,
    });
    const largest = Math.max(...runs.map((r) => r.maxSteps * r.batchSize * 32));
    expect(runs.every((r) => r.poolTokens === largest)).toBe(true);
  });
  it('keys measurements by full shape and exact data size, not by display name', () => {
    const m = { name: 'nano', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 257 };
    expect(measurementKey(m, 20_000)).not.toBe(measurementKey({ ...m, dModel: 64 }, 20_000));
    expect(measurementKey(m, 20_000)).not.toBe(measurementKey(m, 20_040));
    expect(measurementKey(m, 20_000)).toBe(measurementKey({ ...m, name: 'other' }, 20_000));
  });
  it('β2 rules: the paper\'s table, a fixed value, or a memory as a fraction of the budget\'s steps', () => {
    expect(beta2For({ kind: 'paper-table' }, 4, 100)).toBe(0.999);
    expect(beta2For({ kind: 'fixed', value: 0.95 }, 4, 100)).toBe(0.95);
    expect(beta2For({ kind: 'horizon', fraction: 0.5 }, 4, 100)).toBe(0.98);
    // At least two steps of memory.
    expect(beta2For({ kind: 'horizon', fraction: 0.5 }, 4, 1)).toBe(0.5);
  });
  it('scales the LR grid by sqrt(B / base) when asked, and takes a fixed target as given', () => {
    const runs = planRuns(
      config({
        learningRates: { values: [1e-3], exponent: 0.5, baseBatch: 4 },
        target: { kind: 'fixed', loss: 2.5 },
      }),
      { vocabSize: 257, microBatchFor: () => 1 },
    );
    expect(runs.map((r) => r.peakLr)).toEqual([1e-3, 0.00141421, 2e-3]);
    expect(runs.every((r) => r.targetLoss === 2.5 && r.role === 'sweep')).toBe(true);
  });
});

describe('the order of a cell\'s learning rates (centreFirst)', () => {
  it('goes from the centre of the grid, in log, outwards, ties smallest first', () => {
    expect(centreFirst([0.002, 0.004, 0.008])).toEqual([0.004, 0.002, 0.008]);
    expect(centreFirst([1e-2, 1e-3, 3e-3])).toEqual([3e-3, 1e-3, 1e-2]);
    // Four rates ×2 apart about a centre between the middle two: 2 and 4 are equally close.
    expect(centreFirst([1, 2, 4, 8])).toEqual([2, 4, 1, 8]);
    expect(centreFirst([5e-3])).toEqual([5e-3]);
    expect(centreFirst([])).toEqual([]);
  });
  it('puts a sweep cell\'s centre learning rate first in the plan', () => {
    const runs = planRuns(config({ learningRates: { values: [1e-3, 2e-3, 4e-3], exponent: 0, baseBatch: 4 } }), { vocabSize: 257, microBatchFor: (_m, b) => b });
    const b4 = runs.filter((r) => r.role === 'sweep' && r.batchSize === 4);
    expect(b4.map((r) => r.peakLr)).toEqual([2e-3, 1e-3, 4e-3]);
  });
});
