import { describe, expect, it } from 'vitest';
import { configWarnings, validateConfig, validateResults } from './validate';
import { BUNDLED_TRAIN_TOKENS_ESTIMATE, EXPERIMENT_PRESETS, findExperimentPreset, chinchillaTokens, defaultConfig, demoLrGridConfig, demoSeedsConfig, model, nonEmbeddingParams } from './presets';
import { learningRatesFor, measurementPairs } from './plan';
import { syntheticResults } from './synthetic';
import type { ExperimentConfig } from './schema';

const withPatch = (patch: Record<string, unknown>) => ({ ...defaultConfig(), ...patch }) as unknown as ExperimentConfig;
const messages = (v: unknown) => validateConfig(v).map((i) => `${i.path}: ${i.message}`);

describe('presets', () => {
  it('every preset is valid and explained in one line', () => {
    expect(EXPERIMENT_PRESETS.map((p) => p.id)).toEqual(['demo', 'demo-seeds', 'cbs-vs-model', 'cbs-vs-data', 'chinchilla', 'demo-lr-grid', 'local-cbs-demo']);
    for (const p of EXPERIMENT_PRESETS) {
      expect(messages(p.config()), p.id).toEqual([]);
      expect(p.explanation.length).toBeGreaterThan(20);
      expect(p.explanation).not.toContain('\n');
      expect(p.config().preset).toBe(p.id);
    }
  });
  it('demo: one tiny model on bytes at two data budgets 4× apart, batch sizes 1–64, one LR per B, a reference grid', () => {
    const c = defaultConfig();
    expect(c.models).toEqual([{ name: 'demo', layers: 1, dModel: 32, heads: 2, context: 16, vocabSize: 0 }]);
    expect(c.tokenizer).toEqual({ kind: 'byte' });
    expect(c.dataSizes).toEqual([40_000, 160_000]);
    expect(c.batchSizes).toEqual([1, 2, 4, 8, 16, 32, 64]);
    expect(c.learningRates).toEqual({ values: [0.004], exponent: 0.3, baseBatch: 8 });
    expect(c.target).toEqual({ kind: 'reference', batchSize: 8, learningRates: [0.002, 0.004, 0.008] });
    expect(measurementPairs(c)).toHaveLength(2);
  });
  it('demo-lr-grid: the demo with its rule × ½, 1, 2 at every batch size (the reference grid at B = 8), nothing else changed', () => {
    const grid = demoLrGridConfig();
    const { name: _n, preset: _p, learningRates, ...rest } = grid;
    const { name: _dn, preset: _dp, learningRates: _dl, ...demoRest } = defaultConfig();
    expect(rest).toEqual(demoRest);
    expect(learningRates).toEqual({ values: [0.002, 0.004, 0.008], exponent: 0.3, baseBatch: 8 });
    expect(learningRatesFor(grid, 8)).toEqual(grid.target.kind === 'reference' ? grid.target.learningRates : null);
  });
  it('demo-seeds: the demo at seeds 1, 2 and 3 as replicates, nothing else changed', () => {
    const { name: _n, preset: _p, seeds, ...rest } = demoSeedsConfig();
    const { name: _dn, preset: _dp, seeds: demoSeeds, ...demoRest } = defaultConfig();
    expect(rest).toEqual(demoRest);
    expect(demoSeeds).toEqual([{ init: 1, data: 1 }]);
    expect(seeds).toEqual([
      { init: 1, data: 1 },
      { init: 2, data: 2 },
      { init: 3, data: 3 },
    ]);
  });
  it('model presets come from src/model (nano 2/64/4/64 … mini 6/256/8/256)', () => {
    expect(model('nano')).toEqual({ name: 'nano', layers: 2, dModel: 64, heads: 4, context: 64, vocabSize: 0 });
    expect(model('micro')).toMatchObject({ layers: 4, dModel: 128, heads: 4, context: 128 });
    expect(model('mini')).toMatchObject({ layers: 6, dModel: 256, heads: 8, context: 256 });
    expect(model('small')).toMatchObject({ layers: 8, dModel: 512, heads: 8, context: 512 });
  });
  it("cbs-vs-model: one, two, four and eight layers (2×, 4× and 8× the parameters) at the demo's smaller D; cbs-vs-data: micro at D, 2D, 4D, 8D", () => {
    const m = findExperimentPreset('cbs-vs-model')!.config();
    expect(m.models.map((x) => x.name)).toEqual(['demo', 'demo-2l', 'demo-4l', 'demo-8l']);
    expect(nonEmbeddingParams(m.models[1]) / nonEmbeddingParams(m.models[0])).toBeCloseTo(2, 1);
    expect(nonEmbeddingParams(m.models[2]) / nonEmbeddingParams(m.models[0])).toBeCloseTo(4, 1);
    expect(nonEmbeddingParams(m.models[3]) / nonEmbeddingParams(m.models[0])).toBeCloseTo(8, 1);
    // The one-layer row is the demo's smaller budget, bit for bit: same model, data size and seeds.
    expect(m.dataSizes).toEqual([Math.min(...defaultConfig().dataSizes)]);
    expect(m.seeds).toEqual(defaultConfig().seeds);
    const d = findExperimentPreset('cbs-vs-data')!.config();
    expect(d.models.map((x) => x.name)).toEqual(['micro']);
    const D = d.dataSizes[0];
    expect(d.dataSizes).toEqual([D, 2 * D, 4 * D, 8 * D]);
  });
  it('chinchilla: D = 20 tokens per non-embedding parameter, paired with its model', () => {
    const c = findExperimentPreset('chinchilla')!.config();
    expect(c.pairing).toBe('paired');
    // nano: 12·L·d² + 4·L·d + d = 12·2·64² + 4·2·64 + 64 = 98,880 → 20 N = 1,977,600 → 1,978k.
    expect(nonEmbeddingParams(model('nano'))).toBe(98_880);
    expect(c.dataSizes[0]).toBe(1_978_000);
    expect(c.dataSizes).toEqual(c.models.map((x) => chinchillaTokens(x)));
    for (let i = 0; i < c.models.length; i++) expect(c.dataSizes[i] / nonEmbeddingParams(c.models[i])).toBeCloseTo(20, 2);
    expect(measurementPairs(c).map((p) => [p.model.name, p.dataSize])).toEqual(c.models.map((x, i) => [x.name, c.dataSizes[i]]));
    expect(c.data.kind).toBe('urls');
  });
  it('bundled presets that need more text than the bundle warn about repetition and suggest C4', () => {
    expect(configWarnings(defaultConfig(), BUNDLED_TRAIN_TOKENS_ESTIMATE)).toEqual([]);
    const w = configWarnings(findExperimentPreset('cbs-vs-data')!.config(), BUNDLED_TRAIN_TOKENS_ESTIMATE);
    expect(w.join(' ')).toMatch(/repeat data.*C4/);
  });
});

describe('validation messages', () => {
  it('says which batch size is wrong', () => {
    expect(messages(withPatch({ batchSizes: [4, 8, 0] }))).toEqual(['batchSizes[2]: batchSizes[2] must be a positive integer (got 0)']);
    expect(messages(withPatch({ batchSizes: [4, 8, 2.5] }))).toEqual(['batchSizes[2]: batchSizes[2] must be a positive integer (got 2.5)']);
    expect(messages(withPatch({ batchSizes: [4, 8, NaN] }))).toEqual(['batchSizes[2]: batchSizes[2] must be a positive integer (got NaN)']);
    expect(messages(withPatch({ batchSizes: [4, 4] }))).toEqual(['batchSizes[1]: batchSizes[1] repeats batch size 4']);
    expect(messages(withPatch({ batchSizes: [] }))).toEqual(['batchSizes: batchSizes needs at least 1 value']);
  });
  it('says when dModel does not split into heads', () => {
    const c = defaultConfig();
    c.models[0] = { ...c.models[0], dModel: 100, heads: 3 };
    expect(messages(c)).toEqual(['models[0].dModel: dModel 100 is not divisible by heads 3']);
    c.models[0] = { ...c.models[0], dModel: 96, heads: 32 };
    expect(messages(c)).toEqual(['models[0].heads: the head dimension dModel/heads = 3 must be even (RoPE rotates pairs)']);
  });
  it('checks ranges, kinds, unknown and missing fields', () => {
    const c = defaultConfig() as unknown as Record<string, unknown>;
    const { workers: _w, ...missing } = c;
    expect(messages(missing)).toEqual(['workers: workers is missing', 'workers: workers must be an integer from 1 to 16 (got nothing)']);
    expect(messages({ ...c, extra: 1 })).toEqual(['extra: unknown field extra']);
    expect(messages({ ...c, optimizer: { ...defaultConfig().optimizer, beta1: 1 } })).toEqual([
      'optimizer.beta1: optimizer.beta1 must be a number from 0 to below 1 (got 1)',
    ]);
    expect(messages({ ...c, target: { kind: 'guess' } })).toEqual(['target.kind: target.kind must be one of "fixed", "reference" (got "guess")']);
    expect(messages({ ...c, data: { kind: 'urls', train: ['http://example.com/a.json.gz'], validation: ['https://x/v'] } })).toEqual([
      'data.train[0]: data.train[0] must be an https:// address (got "http://example.com/a.json.gz")',
    ]);
    expect(messages({ ...c, pairing: 'paired', dataSizes: [1000, 2000] })).toEqual([
      'dataSizes: paired models and data sizes need one data size per model (1 models, 2 data sizes)',
    ]);
    expect(messages(null)).toEqual([': the config must be an object (got null)']);
    expect(messages('hello')).toEqual([': the config must be an object (got "hello")']);
  });
  it('never throws on arbitrary values', () => {
    const junk: unknown[] = [undefined, 0, [], [1], { models: 'x' }, { models: [null] }, { data: { kind: 'urls', train: 5 } }, { learningRates: { values: [{}] } }];
    for (const j of junk) expect(() => validateConfig(j)).not.toThrow();
    for (const j of junk) expect(() => validateResults(j)).not.toThrow();
    expect(validateResults({ version: 1, runs: [null, { spec: 3 }] }).length).toBeGreaterThan(5);
  });
  it('accepts valid results and names a broken run', () => {
    const r = syntheticResults();
    expect(validateResults(r)).toEqual([]);
    (r.runs[2] as unknown as Record<string, unknown>).status = 'exploded';
    expect(validateResults(r).map((i) => i.path)).toEqual(['runs[2].status']);
  });
  it('the hub revisions of the data, when present, name a repository, a revision and a 40-hex commit or null', () => {
    const r = syntheticResults();
    r.dataRevisions = [
      { repo: 'datasets/allenai/c4', requested: 'main', commit: '1588ec454efa1a09f29cd18ddd04fe05fc8653a2' },
      { repo: 'datasets/allenai/c4', requested: 'v1.0', commit: null },
    ];
    expect(validateResults(r)).toEqual([]);
    const bad = { ...r, dataRevisions: [{ repo: 'datasets/allenai/c4', requested: 'main', commit: 'main' }, { repo: 3, requested: 'x', commit: null, extra: 1 }] };
    expect(validateResults(bad).map((i) => i.path)).toEqual(['dataRevisions[0].commit', 'dataRevisions[1].extra', 'dataRevisions[1].repo']);
    expect(validateResults({ ...r, dataRevisions: 'main' }).map((i) => i.path)).toEqual(['dataRevisions']);
  });
});

describe('run specs in results are validated like configs', () => {
  const withSpec = (patch: Record<string, unknown>) => {
    const r = syntheticResults();
    Object.assign(r.runs[1].spec, patch);
    return validateResults(r).map((i) => i.path);
  };
  it('refuses batch size 0, negative or 5e-324, a micro-batch that does not divide it, D = 0 and learning rate 0', () => {
    expect(withSpec({ batchSize: 0 })).toContain('runs[1].spec.batchSize');
    expect(withSpec({ batchSize: -8 })).toContain('runs[1].spec.batchSize');
    expect(withSpec({ batchSize: 5e-324 })).toContain('runs[1].spec.batchSize');
    expect(withSpec({ batchSize: 2 ** 21 })).toContain('runs[1].spec.batchSize');
    expect(withSpec({ microBatch: 3 })).toContain('runs[1].spec.microBatch');
    expect(withSpec({ dataSize: 0 })).toContain('runs[1].spec.dataSize');
    expect(withSpec({ dataSize: 1.5 })).toContain('runs[1].spec.dataSize');
    expect(withSpec({ peakLr: 0 })).toContain('runs[1].spec.peakLr');
    expect(withSpec({ peakLr: 11 })).toContain('runs[1].spec.peakLr');
    expect(withSpec({ maxSteps: 0 })).toContain('runs[1].spec.maxSteps');
    expect(withSpec({ beta2: 1 })).toContain('runs[1].spec.beta2');
    expect(withSpec({ ewaDecays: [0.9, -0.1] })).toContain('runs[1].spec.ewaDecays[1]');
    expect(withSpec({ replicate: -1 })).toContain('runs[1].spec.replicate');
    expect(withSpec({ warmupSteps: -1 })).toContain('runs[1].spec.warmupSteps');
    expect(withSpec({ seeds: { init: -1, data: 0 } })).toContain('runs[1].spec.seeds.init');
    expect(withSpec({ evaluation: { ...syntheticResults().config.evaluation, spacing: 0 } })).toContain('runs[1].spec.evaluation.spacing');
  });
  it('accepts every run the sweep planner writes', () => {
    expect(withSpec({})).toEqual([]);
  });
});

describe('additive run fields: retries and shard notes', () => {
  it('accepts runs with and without them, and checks them when present', () => {
    const r = syntheticResults();
    r.runs[0].retries = [{ step: 12, reason: 'the GPU device was lost' }];
    r.runs[0].shards = [
      { shard: 'https://example.org/train.json.gz', split: 'train', source: 'redownload', stats: { lines: 40, documents: 20, badUtf8: 0, badJson: 10, noText: 10, blank: 0, tooLong: 0 } },
      { shard: 'valid.json.gz', split: 'validation', source: 'cache', stats: null },
    ];
    expect(validateResults(r)).toEqual([]);
    (r.runs[0].retries[0] as unknown as Record<string, unknown>).step = -1;
    (r.runs[0].shards[0] as unknown as Record<string, unknown>).source = 'guess';
    (r.runs[0].shards[0].stats as unknown as Record<string, unknown>).badJson = 0.5;
    expect(validateResults(r).map((i) => i.path)).toEqual(['runs[0].retries[0].step', 'runs[0].shards[0].source', 'runs[0].shards[0].stats.badJson']);
  });
});

describe('model names', () => {
  it('refuses two models with the same name and different shapes, at the second one', () => {
    const c = defaultConfig();
    c.models = [model('nano'), { ...model('nano'), dModel: 32, heads: 2 }];
    expect(messages(c)).toEqual([
      'models[1].name: two models are named "nano" but differ in shape (layers, dModel, heads, context or vocabSize): give each its own name',
    ]);
    c.models = [model('nano'), model('nano')];
    expect(messages(c)).toEqual([]);
  });
});
