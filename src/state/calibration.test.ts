import { describe, expect, it } from 'vitest';
import { CALIBRATION_MAX_AGE_MS, loadCalibration, saveCalibration } from './calibration';

function memory() {
  const m = new Map<string, string>();
  return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
}

describe('calibration cache', () => {
  it('round-trips per adapter and expires', () => {
    const store = memory();
    const now = Date.parse('2026-11-22T12:00:00Z');
    saveCalibration('gpu A', { flopsPerSecond: 2e11, measuredAt: new Date(now).toISOString(), how: 'demo' }, store);
    expect(loadCalibration('gpu A', store, now)?.flopsPerSecond).toBe(2e11);
    expect(loadCalibration('gpu B', store, now)).toBeNull();
    expect(loadCalibration('gpu A', store, now + CALIBRATION_MAX_AGE_MS + 1)).toBeNull();
  });
  it('ignores damaged entries', () => {
    const store = memory();
    store.setItem('cbs-lab:calibration:x', '{not json');
    expect(loadCalibration('x', store)).toBeNull();
    store.setItem('cbs-lab:calibration:x', JSON.stringify({ flopsPerSecond: -1, measuredAt: new Date().toISOString() }));
    expect(loadCalibration('x', store)).toBeNull();
    expect(loadCalibration('x', null)).toBeNull();
  });
});
