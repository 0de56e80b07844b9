import { describe, expect, it } from 'vitest';
import { CALIBRATION_MAX_AGE_MS, dataKey, loadCostModel, saveCostModel } from './calibration';
import type { ShapeCost } from '../train/cost-model';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

const shape: ShapeCost = { stepFixedSeconds: 0.02, stepSecondsPerSequence: 0.004, evalSecondsPerToken: 1e-5, checkpointSeconds: 0.1, setupSeconds: 2, how: 'measured' };
const bundledBytes = dataKey({ kind: 'bundled' }, { kind: 'byte' });

describe('cost model cache', () => {
  it('keeps shapes, the probe, data preparation and the evaluation chunking per adapter, and expires the measurements', () => {
    const store = memory();
    const now = Date.parse('2026-11-22T12:00:00Z');
    const evalAdapter = { limits: { maxStorageBufferBindingSize: 1 << 27, maxBufferSize: 1 << 28 }, isFallbackAdapter: true };
    saveCostModel('gpu A', { shapes: { L1d32h2T32V257: shape }, flopsPerSecond: 2e9, data: { key: bundledBytes, seconds: 1.5 }, evalAdapter }, store, now);
    // A later measurement adds to what is there.
    saveCostModel('gpu A', { shapes: { L2d64h2T64V257: { ...shape, how: 'other' } } }, store, now + 1000);
    const model = loadCostModel('gpu A', bundledBytes, store, now + 2000);
    expect(model).toEqual({ shapes: { L1d32h2T32V257: shape, L2d64h2T64V257: { ...shape, how: 'other' } }, dataSeconds: 1.5, flopsPerSecond: 2e9, evalAdapter });
    expect(loadCostModel('gpu A', dataKey({ kind: 'bundled' }, { kind: 'bpe', vocabSize: 4096 }), store, now).dataSeconds).toBeNull();
    expect(loadCostModel('gpu B', bundledBytes, store, now)).toEqual({ shapes: {}, dataSeconds: null, flopsPerSecond: null, evalAdapter: null });
    const late = loadCostModel('gpu A', bundledBytes, store, now + CALIBRATION_MAX_AGE_MS + 500);
    expect(Object.keys(late.shapes)).toEqual(['L2d64h2T64V257']);
    // The chunking is a fact of the adapter: it does not expire.
    expect([late.dataSeconds, late.flopsPerSecond, late.evalAdapter]).toEqual([null, null, evalAdapter]);
  });

  it('ignores damaged entries', () => {
    const store = memory();
    store.setItem('cbs-lab:cost:x', '{not json');
    const none = { shapes: {}, dataSeconds: null, flopsPerSecond: null, evalAdapter: null };
    expect(loadCostModel('x', bundledBytes, store)).toEqual(none);
    const at = new Date().toISOString();
    const evalAdapter = { limits: { maxStorageBufferBindingSize: 'big', maxBufferSize: 1 }, isFallbackAdapter: false };
    store.setItem('cbs-lab:cost:x', JSON.stringify({ flopsPerSecond: { value: -1, measuredAt: at }, shapes: { a: { value: { ...shape, stepFixedSeconds: 'x' }, measuredAt: at }, b: { value: shape, measuredAt: at } }, evalAdapter }));
    expect(loadCostModel('x', bundledBytes, store)).toEqual({ ...none, shapes: { b: shape } });
    expect(loadCostModel('x', bundledBytes, null)).toEqual(none);
  });
});
