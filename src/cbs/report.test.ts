import { describe, expect, it } from 'vitest';
import { cbsClosedForm } from './cbs';
import { formatReport } from './format';
import { type CbsReport, analyzeResults, analyzeTable } from './report';
import { FIXTURE_SWEEP } from './synthetic';
import { syntheticResults } from '../experiment/synthetic';
import { defaultConfig } from '../experiment/presets';
import { measurementKey } from '../experiment/plan';
import type { ExperimentResults } from '../experiment/schema';

/** Every number in the report is finite (JSON has no NaN or Infinity). */
function expectFinite(value: unknown, path = 'report'): void {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`${path} is ${value}`);
  } else if (Array.isArray(value)) value.forEach((v, i) => expectFinite(v, `${path}[${i}]`));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) expectFinite(v, `${path}.${k}`);
}

const fast = { bootstrap: { method: 'points' as const, level: 0.9, resamples: 200, seed: 1, minPoints: 4 } };

describe('analyzeResults', () => {
  const results = syntheticResults(FIXTURE_SWEEP);

  it('recovers a, b and B* exactly with log-step interpolation, names the best learning rate, and reports unreached runs', () => {
    const report = analyzeResults(results, { ...fast, analysis: { overhead: 0.2, baselineBatch: null, interpolate: true } });
    expectFinite(report);
    expect(report.groups).toHaveLength(1);
    const g = report.groups[0];
    expect(g.fit.a as number).toBeCloseTo(200, 6);
    expect(g.fit.b as number).toBeCloseTo(6400, 4);
    expect(g.cbs.bStar as number).toBeCloseTo(cbsClosedForm(200, 6400, 4, 0.2), 6); // 11.2
    expect(g.cbs.baselineBatch).toBe(4);
    expect(g.bStarTokens as number).toBeCloseTo(11.2 * 64, 4);
    const run16 = results.runs.find((r) => r.spec.batchSize === 16 && r.spec.peakLr === 3e-3)!;
    expect(g.points.find((p) => p.batchSize === 16)).toMatchObject({ bestLr: 3e-3, bestRunId: run16.spec.id });
    expect(g.unreached.map((u) => u.batchSize)).toEqual([128, 128]);
    expect(g.unreached[0].reason).toMatch(/diverged/);
    expect(g.points.find((p) => p.batchSize === 128)?.steps).toBeNull();
    expect(report.warnings.join(' ')).toMatch(/2 run\(s\) never reached the target/);
    expect(g.target).toMatchObject({ loss: 3.5, source: 'results' });
  });

  it('without interpolation R(B) is the first evaluation step at or after the crossing', () => {
    const report = analyzeResults(results, fast);
    const steps = report.groups[0].points.map((p) => p.steps);
    // Crossings 1800, 1000, 600, 400, 300 on a schedule of powers of two.
    expect(steps).toEqual([2048, 1024, 1024, 512, 512, null]);
    expect(report.settings.interpolate).toBe(false);
  });

  it('a target chosen afterwards recomputes steps to target from the stored evaluations', () => {
    const report = analyzeResults(results, { ...fast, targetLoss: 3.6, analysis: { overhead: 0.2, baselineBatch: null, interpolate: true } });
    expect(report.settings.targetOverride).toBe(3.6);
    expect(report.groups[0].target).toMatchObject({ loss: 3.6, source: 'override' });
    // loss = 3.5 − 0.3·ln(s/R) reaches 3.6 at s = R·exp(−1/3).
    const g = report.groups[0];
    expect(g.points[0].steps as number).toBeCloseTo(1800 * Math.exp(-1 / 3), 6);
    expect(g.fit.bCrit as number).toBeCloseTo(32, 6);
  });

  it('estimates the noise scale beside B*, undefined where the micro-batch is the batch', () => {
    const g = analyzeResults(results, fast).groups[0];
    const ns = g.noiseScale;
    expect(ns).not.toBeNull();
    expect(ns?.runs.find((r) => r.batchSize === 4)?.status).toBe('undefined');
    // True B_simple = 20 / 0.5 = 40; 60 noisy steps per run (5% noise on each squared norm).
    expect(Math.abs((ns?.median as number) / 40 - 1)).toBeLessThan(0.15);
  });
  it('says in one line that the noise scale was not measured when no run split its batch', () => {
    const whole = { ...results, runs: results.runs.map((r) => ({ ...r, spec: { ...r.spec, microBatch: r.spec.batchSize } })) };
    const text = formatReport(analyzeResults(whole, fast));
    expect(text).toContain('noise scale B_simple: not measured');
    expect(text).not.toMatch(/micro-batch equals batch size/);
  });

  it('overhead and baseline are settings: B* = (1+x)·B_opt + x·b/a on the fitted curve', () => {
    const report = analyzeResults(results, { ...fast, analysis: { overhead: 0.5, baselineBatch: 8, interpolate: true } });
    expect(report.groups[0].cbs.bStar as number).toBeCloseTo(1.5 * 8 + 0.5 * 32, 6);
    expect(report.groups[0].raw.baselineBatch).toBe(8);
  });

  it('with no target for a measurement, says so and gives it no steps to target (never a silent fallback)', () => {
    const report = analyzeResults({ ...results, targets: [] }, fast);
    expect(report.groups[0].target.source).toBe('none');
    expect(report.warnings[0]).toMatch(/no target loss/);
    expect(report.groups[0].points.every((p) => p.steps === null)).toBe(true);
    expect(report.groups[0].cbs.bStar).toBeNull();
  });

  it('a measurement whose sweep runs have not finished (only its reference has) reads as waiting, with no "B = Infinity"', () => {
    const withReference = syntheticResults();
    const referencesOnly = { ...withReference, runs: withReference.runs.filter((r) => r.spec.role === 'reference') };
    const report = analyzeResults(referencesOnly, fast);
    // No batch size measured: no baseline (null), not the empty minimum.
    for (const g of report.groups) {
      expect(g.cbs.baselineBatch).toBeNull();
      expect(g.raw.baselineBatch).toBeNull();
    }
    const text = formatReport(report);
    expect(text).toContain('B* (20% over linear scaling from the smallest B that reaches the target): none');
    expect(text).toContain('raw B* (no fit): none (baseline-not-measured: no batch size reached the target: the raw rule has no baseline to start from)');
    expect(text).not.toMatch(/Infinity/);
  });
});

describe('analyzeTable', () => {
  it('names a group by the sizes the table gives, "all rows" when it gives none, and warns by that name', () => {
    const rows = (modelSize: number | null, dataSize: number | null) => [4, 8, 16].map((B) => ({ batchSize: B, steps: B === 16 ? null : 12 + 576 / B, modelSize, dataSize }));
    expect(analyzeTable(rows(null, null)).groups[0].label).toBe('all rows');
    expect(analyzeTable(rows(null, 40_000)).groups[0].label).toBe('D=40k');
    expect(analyzeTable(rows(12_448, 40_000)).groups[0].label).toBe('N=12.4k · D=40k');
    expect(analyzeTable(rows(null, null)).warnings).toContain('all rows: 1 run(s) never reached the target');
  });

  const table = (fn: (batch: number, n: number, d: number) => number, ns: number[], ds: number[]) =>
    ns.flatMap((n) => ds.flatMap((d) => [16, 32, 64, 128, 256, 512, 1024].map((B) => ({ batchSize: B, steps: fn(B, n, d), modelSize: n, dataSize: d }))));

  it('one B* per size and the scaling fit across sizes recovers a known exponent (vs model and vs data)', () => {
    // B_crit = b/a = 10·N^0.3·(D/1e6)^0.5, so B* = 1.2·16 + 0.2·B_crit.
    const rows = table((B, n, d) => 1000 + (1000 * 10 * n ** 0.3 * (d / 1e6) ** 0.5) / B, [1e6, 4e6, 1.6e7], [1e8, 4e8]);
    const report = analyzeTable(rows, fast);
    expectFinite(report);
    expect(report.groups).toHaveLength(6);
    for (const g of report.groups) {
      const bCrit = 10 * (g.modelSize as number) ** 0.3 * ((g.dataSize as number) / 1e6) ** 0.5;
      expect(g.cbs.bStar as number).toBeCloseTo(1.2 * 16 + 0.2 * bCrit, 4);
    }
    const vsModel = report.scaling.filter((s) => s.against === 'modelSize');
    const vsData = report.scaling.filter((s) => s.against === 'dataSize');
    expect(vsModel).toHaveLength(2);
    expect(vsData).toHaveLength(3);
    // B* itself is not a pure power law (the 1.2·B_opt term), so the exponent is a little below 0.3 / 0.5.
    for (const s of vsModel) expect(s.fit.e as number).toBeGreaterThan(0.25);
    for (const s of vsModel) expect(s.fit.e as number).toBeLessThan(0.3);
    for (const s of vsData) expect(s.fit.e as number).toBeGreaterThan(0.45);
    for (const s of vsData) expect(s.fit.e as number).toBeLessThan(0.5);
  });

  it('a row with no steps but a cap is a censored point of the fit (R(B) > its steps), one with neither is left out', () => {
    const rows = [800, 420, 230, 140].map((s, i) => ({ batchSize: 2 ** (i + 3), steps: s, modelSize: null, dataSize: null }));
    const censored = analyzeTable([...rows, { batchSize: 128, steps: null, censoredAbove: 90, modelSize: null, dataSize: null }], fast);
    const dropped = analyzeTable([...rows, { batchSize: 128, steps: null, modelSize: null, dataSize: null }], fast);
    expect(censored.groups[0].curve.find((p) => p.batchSize === 128)).toMatchObject({ steps: 90, censored: true });
    expect(dropped.groups[0].curve.find((p) => p.batchSize === 128)).toBeUndefined();
    expect(censored.groups[0].points.find((p) => p.batchSize === 128)?.runs[0].reason).toMatch(/censored/);
  });

  it('a single row, two rows, and non-monotone rows give clear statuses and no NaN', () => {
    const one = analyzeTable([{ batchSize: 64, steps: 100, modelSize: null, dataSize: null }], fast);
    expectFinite(one);
    const g = one.groups[0];
    expect(g.fit.status).toBe('too-few-points');
    expect(g.cbs.status).toBe('no-fit');
    expect(g.cbs.bStar).toBeNull();
    expect(g.interval.status).toBe('too-few-points');
    expect(g.raw.status).toBe('too-few-points');
    expect(formatReport(one)).toMatch(/B\* .*: none \(no-fit/);

    const two = analyzeTable([{ batchSize: 64, steps: 100, modelSize: null, dataSize: null }, { batchSize: 128, steps: 70, modelSize: null, dataSize: null }], fast);
    expectFinite(two);
    expect(two.groups[0].fit.dof).toBe(0);
    expect(two.groups[0].cbs.status).toBe('ok');
    expect(two.groups[0].interval.status).toBe('too-few-points');

    const bumpy = analyzeTable([800, 300, 500, 120, 200, 60].map((s, i) => ({ batchSize: 2 ** (i + 3), steps: s, modelSize: null, dataSize: null })), fast);
    expectFinite(bumpy);
    expect(bumpy.groups[0].raw.note).toMatch(/non-monotone/);
  });

  it('all points at or below linear scaling: the fitted B* is unbounded and the raw B* a lower bound', () => {
    const rows = [16, 32, 64, 128].map((B) => ({ batchSize: B, steps: 64000 / B ** 1.1, modelSize: null, dataSize: null }));
    const report = analyzeTable(rows, fast);
    expectFinite(report);
    const g = report.groups[0];
    expect(g.fit.status).toBe('boundary-a-zero');
    expect(g.cbs.status).toBe('unbounded');
    expect(g.cbs.bStar).toBeNull();
    expect(g.raw).toMatchObject({ status: 'all-within', bStar: 128, lowerBound: true });
  });

  it('runs that never reached the target are listed, and a B with none left out of the fit', () => {
    const rows = [
      ...[16, 32, 64, 128].map((B) => ({ batchSize: B, steps: 200 + 6400 / B, modelSize: null, dataSize: null })),
      { batchSize: 256, steps: null, modelSize: null, dataSize: null },
      { batchSize: 64, steps: null, modelSize: null, dataSize: null },
    ];
    const g = analyzeTable(rows, fast).groups[0];
    expect(g.unreached.map((u) => u.runId)).toEqual(['row-5', 'row-6']);
    expect(g.fit.points).toBe(4);
    expect(g.points.find((p) => p.batchSize === 64)?.steps).toBeCloseTo(300, 9);
  });

  it('rejects bad settings with a RangeError', () => {
    const rows = [{ batchSize: 8, steps: 10, modelSize: null, dataSize: null }];
    expect(() => analyzeTable(rows, { analysis: { overhead: -1, baselineBatch: null, interpolate: false } })).toThrow(/overhead must be a positive number/);
    expect(() => analyzeTable([], {})).toThrow(/no rows/);
  });

  it('refuses an overhead beyond the config\'s limit and a target loss that is not positive', () => {
    const rows = [{ batchSize: 8, steps: 10, modelSize: null, dataSize: null }];
    expect(() => analyzeTable(rows, { analysis: { overhead: 1e308, baselineBatch: null, interpolate: false } })).toThrow(/overhead must be a positive number up to 10 \(got 1e\+308\)/);
    expect(() => analyzeTable(rows, { analysis: { overhead: 10, baselineBatch: null, interpolate: false } })).not.toThrow();
    const results = syntheticResults(FIXTURE_SWEEP);
    expect(() => analyzeResults(results, { ...fast, targetLoss: -1 })).toThrow(/target loss must be a positive number up to 100 \(got -1\)/);
    expect(() => analyzeResults(results, { ...fast, targetLoss: 0 })).toThrow(/target loss must be a positive number/);
  });

  it('the report is plain JSON: it survives a round trip unchanged', () => {
    const report: CbsReport = analyzeResults(syntheticResults(FIXTURE_SWEEP), fast);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});

describe('analysis groups are measurements: full model shape and exact data size', () => {
  const tiny = (dModel: number, name = 'nano') => ({ ...defaultConfig(), dataSizes: [20_000], models: [{ name, layers: 1, dModel, heads: 2, context: 32, vocabSize: 0 }] });
  const alone = (r: ExperimentResults) => analyzeResults(r, fast).groups[0].cbs.bStar;
  const merge = (a: ExperimentResults, b: ExperimentResults): ExperimentResults => ({ ...a, targets: [...a.targets, ...b.targets], runs: [...a.runs, ...b.runs] });

  it('two models named alike with different shapes stay two groups, each with its own B*', () => {
    const d32 = syntheticResults({ config: tiny(32), a: 12, b: 576, seed: 3 });
    const d64 = syntheticResults({ config: tiny(64), a: 8, b: 900, seed: 4 });
    const report = analyzeResults(merge(d32, d64), fast);
    expect(report.groups).toHaveLength(2);
    const byShape = new Map(report.groups.map((g) => [g.key, g]));
    const k32 = measurementKey(d32.runs[0].spec.model, 20_000);
    const k64 = measurementKey(d64.runs[0].spec.model, 20_000);
    expect(byShape.get(k32)?.cbs.bStar).toBe(alone(d32));
    expect(byShape.get(k64)?.cbs.bStar).toBe(alone(d64));
    expect(alone(d32)).not.toBe(alone(d64));
    // People still tell them apart: the labels differ and name the shape.
    const labels = report.groups.map((g) => g.label);
    expect(new Set(labels).size).toBe(2);
    expect(labels.join(' ')).toMatch(/d32.*d64|d64.*d32/);
    expect(formatReport(report)).toContain(labels[0]);
  });

  it('data sizes 20,000 and 20,040 stay two groups (no rounding)', () => {
    const a = syntheticResults({ config: { ...tiny(32), dataSizes: [20_000] }, seed: 5 });
    const b = syntheticResults({ config: { ...tiny(32), dataSizes: [20_040] }, a: 20, b: 300, seed: 6 });
    const report = analyzeResults(merge(a, b), fast);
    expect(report.groups.map((g) => g.dataSize).sort()).toEqual([20_000, 20_040]);
    expect(new Set(report.groups.map((g) => g.label)).size).toBe(2);
  });

  it('the key is measurementKey, the one the sweep scheduler groups by (see sweep.test.ts)', () => {
    const r = syntheticResults();
    expect(analyzeResults(r, fast).groups[0].key).toBe(measurementKey(r.runs[1].spec.model, r.runs[1].spec.dataSize));
  });
});
