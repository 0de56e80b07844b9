import { describe, expect, it } from 'vitest';
import { createHistory, memoryBackend } from './history';
import { defaultConfig, findExperimentPreset } from '../experiment/presets';
import { syntheticResults } from '../experiment/synthetic';

describe('history (in-memory backend; the browser uses IndexedDB through the same interface)', () => {
  it('saves, lists newest first, opens and deletes', async () => {
    const backend = memoryBackend();
    const h = createHistory(backend);
    const a = await h.save(defaultConfig(), null);
    await new Promise((r) => setTimeout(r, 5));
    const results = syntheticResults();
    results.runs[1].evals[0].ewaLoss = NaN; // IndexedDB keeps NaN
    const b = await h.save(results.config, results);
    const list = await h.list();
    expect(list.map((e) => e.id)).toEqual([b, a]);
    expect(list[0]).toMatchObject({ hasResults: true, runs: results.runs.length, targetLoss: 2.6, preset: null });
    expect(list[1]).toMatchObject({ hasResults: false, runs: 0 });
    const opened = await h.open(b);
    expect(opened.ok).toBe(true);
    if (opened.ok) {
      expect(opened.results?.runs[1].evals[0].ewaLoss).toBeNaN();
      expect(opened.config).toEqual(results.config);
    }
    await h.remove(a);
    expect((await h.list()).map((e) => e.id)).toEqual([b]);
  });
  it('overwrites by id', async () => {
    const h = createHistory(memoryBackend());
    const id = await h.save(defaultConfig(), null);
    const other = findExperimentPreset('cbs-vs-model')!.config();
    expect(await h.save(other, null, id)).toBe(id);
    const opened = await h.open(id);
    expect(opened.ok && opened.config.preset).toBe('cbs-vs-model');
  });
  it('a damaged or missing entry gives a message, not a crash', async () => {
    const backend = memoryBackend();
    await backend.put({ id: 'x', name: 'broken', savedAt: '2026-01-01', config: { version: 1, batchSizes: 'many' }, results: null });
    const h = createHistory(backend);
    const opened = await h.open('x');
    expect(opened.ok).toBe(false);
    if (!opened.ok) expect(opened.code).toBe('invalid');
    const missing = await h.open('nope');
    expect(missing.ok).toBe(false);
    expect((await h.list())[0]).toMatchObject({ id: 'x', hasResults: false });
  });
});
