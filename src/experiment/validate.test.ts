import { describe, expect, it } from 'vitest';
import { configWarnings, validateConfig, validateResults } from './validate';
import { BUNDLED_TRAIN_TOKENS_ESTIMATE, EXPERIMENT_PRESETS, chinchillaTokens, defaultConfig, model, nonEmbeddingParams } from './presets';
import { measurementPairs } from './plan';
import { syntheticResults } from './synthetic';
import type { ExperimentConfig } from './schema';

const withPatch = (patch: Record<string, unknown>) => ({ ...defaultConfig(), ...patch }) as unknown as ExperimentConfig;
const messages = (v: unknown) => validateConfig(v).map((i) => `${i.path}: ${i.message}`);

describe('presets', () => {
  it('every preset is valid and explained in one line', () => {
    expect(EXPERIMENT_PRESETS.map((p) => p.id)).toEqual(['demo', 'cbs-vs-model', 'cbs-vs-data', 'chinchilla', 'local-cbs-demo']);
    for (const p of EXPERIMENT_PRESETS) {
      expect(messages(p.config()), p.id).toEqual([]);
      expect(p.explanation.length).toBeGreaterThan(20);
      expect(p.explanation).not.toContain('\n');
      expect(p.config().preset).toBe(p.id);
    }
  });
  it('demo: one tiny model, byte tokenizer, about 20k tokens, batch sizes 4–32, one LR', () => {
    const c = defaultConfig();
    expect(c.models).toEqual([{ name: 'demo', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 0 }]);
    expect(c.tokenizer).toEqual({ kind: 'byte' });
    expect(c.dataSizes).toEqual([20_000]);
    expect(c.batchSizes).toEqual([4, 8, 16, 32]);
    expect(c.learningRates.values).toHaveLength(1);
    expect(measurementPairs(c)).toHaveLength(1);
  });
  it('model presets come from src/model (nano 2/64/4/64 … mini 6/256/8/256)', () => {
    expect(model('nano')).toEqual({ name: 'nano', layers: 2, dModel: 64, heads: 4, context: 64, vocabSize: 0 });
    expect(model('micro')).toMatchObject({ layers: 4, dModel: 128, heads: 4, context: 128 });
    expect(model('mini')).toMatchObject({ layers: 6, dModel: 256, heads: 8, context: 256 });
    expect(model('small')).toMatchObject({ layers: 8, dModel: 512, heads: 8, context: 512 });
  });
  it('cbs-vs-model: three models at one D; cbs-vs-data: micro at D, 2D, 4D, 8D', () => {
    const m = EXPERIMENT_PRESETS[1].config();
    expect(m.models.map((x) => x.name)).toEqual(['nano', 'micro', 'mini']);
    expect(m.dataSizes).toHaveLength(1);
    const d = EXPERIMENT_PRESETS[2].config();
    expect(d.models.map((x) => x.name)).toEqual(['micro']);
    const D = d.dataSizes[0];
    expect(d.dataSizes).toEqual([D, 2 * D, 4 * D, 8 * D]);
  });
  it('chinchilla: D = 20 tokens per non-embedding parameter, paired with its model', () => {
    const c = EXPERIMENT_PRESETS[3].config();
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
    const w = configWarnings(EXPERIMENT_PRESETS[2].config(), BUNDLED_TRAIN_TOKENS_ESTIMATE);
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
