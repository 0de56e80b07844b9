import { describe, expect, it } from 'vitest';
import { chartModel } from './chart-model';
import { syntheticResults, SYNTHETIC_DEFAULTS } from '../experiment/synthetic';
import { cbsClosedForm } from '../cbs/cbs';
import { defaultConfig } from '../experiment/presets';

describe('analysis of the synthetic sweep (R = 12 + 576/B, evaluations every 2 steps near the crossing)', () => {
  const results = syntheticResults();
  const analysis = chartModel(results, { resamples: 200 });
  const m = analysis.measurements[0];

  it('one measurement (the reference run sets the target and is not a point), R(B) at the best LR', () => {
    expect(analysis.measurements).toHaveLength(1);
    expect(analysis.report?.groups).toHaveLength(1);
    expect(m.points[0].runs).toHaveLength(2); // two learning rates at B = 4
    expect(m.points.map((p) => p.batchSize)).toEqual(SYNTHETIC_DEFAULTS.batchSizes);
    // Exact R(B) = 12 + 576/B is 156, 84, 48, 30, 21, 16.5; the first evaluation at or past it
    // (5% apart near the crossing) is what is measured without interpolation.
    expect(m.curve.map((p) => p.steps)).toEqual([161, 88, 48, 30, 21, 17]);
    expect(m.points.every((p) => p.bestLr === 1e-2)).toBe(true);
  });
  it('reports the run that never reached the target, with the reason', () => {
    expect(m.unreached.map((o) => [o.batchSize, o.peakLr])).toEqual([[128, 3e-3]]);
    expect(m.unreached[0].reason).toMatch(/never reached the target 2.6/);
  });
  it('recovers a, b and B* within 15% of the generating curve', () => {
    const a = SYNTHETIC_DEFAULTS.a;
    const b = SYNTHETIC_DEFAULTS.b;
    expect(m.fit?.status).toBe('ok');
    expect(Math.abs((m.fit?.a as number) / a - 1)).toBeLessThan(0.15);
    expect(Math.abs((m.fit?.b as number) / b - 1)).toBeLessThan(0.15);
    const exact = cbsClosedForm(a, b, 4, 0.2); // 1.2·4 + 0.2·48 = 14.4
    expect(exact).toBeCloseTo(14.4, 10);
    expect(m.baselineBatch).toBe(4);
    expect(Math.abs((m.cbs?.bStar as number) / exact - 1)).toBeLessThan(0.15);
    expect(m.interval?.status).toBe('ok');
    expect(m.interval?.lower as number).toBeLessThanOrEqual(m.cbs?.bStar as number);
  });
  it('the noise scale comes out near b/a = 48 (the generator uses it)', () => {
    expect(m.noiseScale.median).not.toBeNull();
    expect(Math.abs((m.noiseScale.median as number) / 48 - 1)).toBeLessThan(0.35);
  });
  it('a changed target recomputes steps from the stored evaluations', () => {
    const easier = chartModel(results, { target: 3.0, resamples: 50 });
    expect(easier.measurements[0].curve[0].steps).toBeLessThan(156);
  });
  it('no target yet: a note, and no steps to target', () => {
    const pending = chartModel({ ...results, targets: [] }, { resamples: 50 });
    expect(pending.notes[0]).toMatch(/not known/);
    expect(pending.measurements[0].curve).toEqual([]);
  });
  it('options that make no sense give a note, not an exception', () => {
    const bad = chartModel(results, { overhead: -1 });
    expect(bad.measurements).toEqual([]);
    expect(bad.notes[0]).toMatch(/The analysis failed: overhead must be a positive number/);
  });
  it('scaling fits need two sizes and say so', () => {
    expect(analysis.scaling.vsModel.fit).toBeNull();
    expect(analysis.scaling.vsModel.note).toMatch(/two or more/);
  });
  it('B* against data size across two synthetic data sizes gives a power law', () => {
    const d1 = syntheticResults();
    const cfg2 = { ...defaultConfig(), dataSizes: [40_000] };
    const d2 = syntheticResults({ config: cfg2, a: 8, b: 800, seed: 9 });
    const combined = { ...d1, config: { ...d1.config, dataSizes: [20_000, 40_000] }, runs: [...d1.runs, ...d2.runs], targets: [...d1.targets, ...d2.targets] };
    const an = chartModel(combined, { resamples: 50 });
    expect(an.measurements).toHaveLength(2);
    expect(an.scaling.vsData.points).toHaveLength(2);
    expect(an.scaling.vsData.fit?.e as number).toBeGreaterThan(0);
  });
});
