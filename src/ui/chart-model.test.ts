import { describe, expect, it } from 'vitest';
import { chartModel, lossPanels, lossRunsOf, normalisedMeasurement, paperNormalisedCurves, stepsDots, stepsLines } from './chart-model';
import { syntheticConfig, syntheticResults, SYNTHETIC_DEFAULTS } from '../experiment/synthetic';
import { cbsClosedForm } from '../cbs/cbs';
import { targetOf } from '../experiment/results';

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
    const cfg2 = { ...syntheticConfig(), dataSizes: [40_000] };
    const d2 = syntheticResults({ config: cfg2, a: 8, b: 800, seed: 9 });
    const combined = { ...d1, config: { ...d1.config, dataSizes: [20_000, 40_000] }, runs: [...d1.runs, ...d2.runs], targets: [...d1.targets, ...d2.targets] };
    const an = chartModel(combined, { resamples: 50 });
    expect(an.measurements).toHaveLength(2);
    expect(an.scaling.vsData.points).toHaveLength(2);
    expect(an.scaling.vsData.fit?.e as number).toBeGreaterThan(0);
    // Each point's error bar spans its B* interval in tokens.
    for (const p of an.scaling.vsData.points) {
      // Points are named as the page names measurements, not by the report's keys.
      const key = an.measurements.find((m) => m.label === p.label)!.key;
      const g = an.report!.groups.find((x) => x.key === key)!;
      const [lo, hi] = g.intervalTokens!;
      expect(p.y - p.err[0]).toBeCloseTo(lo as number, 9);
      expect(p.y + p.err[1]).toBeCloseTo(hi as number, 9);
    }
  });
  it('while only the reference runs have finished: no baseline yet, and the scaling chart says what it waits for in plain words', () => {
    const d1 = syntheticResults();
    const d2 = syntheticResults({ config: { ...syntheticConfig(), dataSizes: [40_000] }, a: 8, b: 800, seed: 9 });
    const references = [...d1.runs, ...d2.runs].filter((r) => r.spec.role === 'reference');
    const live = chartModel({ ...d1, config: { ...d1.config, dataSizes: [20_000, 40_000] }, runs: references, targets: [...d1.targets, ...d2.targets] }, { resamples: 50 });
    expect(live.measurements).toHaveLength(2);
    for (const m of live.measurements) {
      expect(m.curve).toEqual([]);
      expect(m.baselineBatch).toBeNull();
      expect(m.raw?.note).toBe('no batch size reached the target: the raw rule has no baseline to start from');
    }
    expect(live.scaling.vsData.note).toBe('B* against data size needs B* at two or more data sizes; none has one so far.');
    // With one budget measured, the chart names it and the other, by the page's labels.
    const half = chartModel({ ...d1, config: { ...d1.config, dataSizes: [20_000, 40_000] }, runs: [...d1.runs, ...references], targets: [...d1.targets, ...d2.targets] }, { resamples: 50 });
    const [first, second] = half.measurements.map((m) => m.label);
    expect(half.scaling.vsData.note).toBe(
      `B* against data size needs B* at two or more data sizes; so far only ${first} has one (left out: ${second}: no finite B* (no-fit: no points reached the target: nothing to fit)).`,
    );
    expect(half.scaling.vsData.note).not.toMatch(/\|D\d/);
    // While the second budget's references still train, the first budget's target is not the page's.
    const oneTarget = chartModel(
      { ...d1, config: { ...d1.config, dataSizes: [20_000, 40_000] }, runs: [...d1.runs, d2.runs.find((r) => r.spec.role === 'reference')!], targets: [...d1.targets] },
      { resamples: 50 },
    );
    expect(oneTarget.measurements).toHaveLength(2);
    expect(oneTarget.target).toBeNull();
    expect(oneTarget.notes.join(' ')).toContain('the target loss is not known yet');
    expect(half.target).toBe(d1.targets[0].loss);
  });
  it('two models with one name and two shapes are two measurements, each shown with its own model and label', () => {
    const tiny = (dModel: number) => ({ ...syntheticConfig(), models: [{ name: 'nano', layers: 1, dModel, heads: 2, context: 32, vocabSize: 0 }] });
    const a = syntheticResults({ config: tiny(32), seed: 3 });
    const b = syntheticResults({ config: tiny(64), a: 8, b: 900, seed: 4 });
    const an = chartModel({ ...a, targets: [...a.targets, ...b.targets], runs: [...a.runs, ...b.runs] }, { resamples: 50 });
    expect(an.measurements.map((m) => m.model.dModel).sort()).toEqual([32, 64]);
    expect(new Set(an.measurements.map((m) => m.label)).size).toBe(2);
  });
});

describe('the loss curves and the paper overlay', () => {
  const results = syntheticResults();
  it('one panel per measurement, one series per run, coloured by batch size, with the target', () => {
    const panels = lossPanels(lossRunsOf(results), (spec) => targetOf(results.targets, spec));
    expect(panels).toHaveLength(1);
    expect(panels[0].series).toHaveLength(results.runs.length);
    expect(panels[0].target).toBe(2.6);
    expect(panels[0].batchSizes.map((b) => b.batchSize)).toEqual([4, 8, 16, 32, 64, 128]);
    // Distinct colours per batch size, the same colour for the runs of one batch size.
    expect(new Set(panels[0].batchSizes.map((b) => b.color)).size).toBe(6);
    const at4 = panels[0].series.filter((s) => s.batchSize === 4);
    expect(new Set(at4.map((s) => s.color)).size).toBe(1);
    // Points are the evaluations' tokens and EWA losses.
    expect(panels[0].series[1].points[0]).toEqual({ tokens: results.runs[1].evals[0].tokens, loss: results.runs[1].evals[0].ewaLoss });
  });
  it('the paper’s five curves: 1 at the smallest batch, falling, and 20% above perfect scaling at B = B* from the baseline', () => {
    const curves = paperNormalisedCurves();
    expect(curves).toHaveLength(5);
    for (const c of curves) {
      expect(c.points[0].y).toBeCloseTo(1, 12);
      for (let i = 1; i < c.points.length; i++) expect(c.points[i].y).toBeLessThan(c.points[i - 1].y);
    }
    // 85M: B* = 745 sequences; at B = B* the fit is 1.2 × (R(256) · 256 / B*), the 20% rule.
    const bCrit = (745 - 1.2 * 256) / 0.2;
    const r = (b: number) => 1 + bCrit / b;
    expect(r(745) / (r(256) * (256 / 745))).toBeCloseTo(1.2, 10);
  });
  it('the lab’s curve on the same axes: 1 at its smallest batch, x = 1 at its B*', () => {
    const m = chartModel(results, { resamples: 50 }).measurements[0];
    const n = normalisedMeasurement(m)!;
    expect(n.points[0]).toEqual({ x: 4 / (m.cbs!.bStar as number), y: 1, batchSize: 4 });
    expect(n.fit[0].y).toBeCloseTo(1, 12);
    expect(normalisedMeasurement({ ...m, cbs: { ...m.cbs!, bStar: null } })).toBeNull();
  });
});

describe('the lines beside R(B) (stepsLines)', () => {
  it('samples the fit, linear scaling and the 20% line in closed form, linear scaling only from the baseline on', () => {
    const lines = stepsLines(2, 128, { a: 12, b: 576 }, { batchSize: 4, steps: 156 }, 0.2);
    expect(lines).toHaveLength(49);
    expect(lines[0].B).toBeCloseTo(2, 12);
    expect(lines[48].B).toBeCloseTo(128, 10);
    for (const l of lines) {
      expect(l.fit).toBeCloseTo(12 + 576 / l.B, 10);
      if (l.B < 4) {
        expect(l.linear).toBeUndefined();
        expect(l.overhead).toBeUndefined();
      } else {
        expect(l.linear).toBeCloseTo((156 * 4) / l.B, 10);
        expect(l.overhead).toBeCloseTo(1.2 * (156 * 4) / l.B, 10);
      }
    }
    // At B = 8 (sample 16 of 48 between 2 and 128) the fit's 84 steps sit below the 20% line's 93.6.
    expect(lines[16].B).toBeCloseTo(8, 10);
    expect(lines[16].fit).toBeCloseTo(84, 10);
    expect(lines[16].overhead).toBeCloseTo(93.6, 10);
  });

  it('draws no fit without one, and no straight lines without a baseline', () => {
    const lines = stepsLines(1, 64, { a: null, b: null }, { batchSize: null, steps: null }, 0.2);
    expect(lines.every((l) => l.fit === undefined && l.linear === undefined && l.overhead === undefined)).toBe(true);
  });
});

describe('the steps chart\'s dots (stepsDots)', () => {
  it('one seed: the best run per B stands out, the other learning rate fades', () => {
    const m = chartModel(syntheticResults(), { resamples: 50 }).measurements[0];
    const { main, seeds, others } = stepsDots(m);
    expect(seeds).toEqual([]);
    expect(main.map((d) => [d.B, d.steps, d.role, d.lr])).toEqual(m.points.map((p) => [p.batchSize, p.steps, 'best', 1e-2]));
    expect(main.map((d) => d.runId)).toEqual(m.points.map((p) => p.bestRunId));
    expect(others.every((d) => d.role === 'other' && d.lr !== 1e-2)).toBe(true);
    expect(main.length + others.length).toBe(m.points.flatMap((p) => p.runs).filter((r) => r.steps !== null).length);
  });
  it("three seeds: the dark dot is the seeds' geometric mean (what the reading uses), each seed's best beside it, other learning rates faded", () => {
    const m = chartModel(syntheticResults({ replicates: 3 }), { resamples: 50 }).measurements[0];
    expect(m.replicates).toBe(3);
    const { main, seeds, others } = stepsDots(m);
    for (const p of m.points) {
      const mine = seeds.filter((d) => d.B === p.batchSize);
      const perSeed = p.replicates.map((r) => r.steps as number);
      expect(mine.map((d) => d.steps).sort((x, y) => x - y)).toEqual([...perSeed].sort((x, y) => x - y));
      const mean = main.find((d) => d.B === p.batchSize)!;
      expect(mean).toMatchObject({ role: 'mean', runId: null, seeds: 3 });
      // The geometric mean of the three seeds' R(B), not the fastest seed.
      expect(mean.steps).toBeCloseTo(Math.exp(perSeed.reduce((s, v) => s + Math.log(v), 0) / 3), 9);
      expect(mean.steps).toBeGreaterThanOrEqual(Math.min(...perSeed) * (1 - 1e-12));
    }
    // Where the seeds differ, the fastest seed would have sat below what the fit and the reading use.
    expect(m.points.some((p) => main.find((d) => d.B === p.batchSize)!.steps > Math.min(...p.replicates.map((r) => r.steps as number)))).toBe(true);
    expect(main.map((d) => d.steps)).toEqual(m.curve.map((p) => p.steps));
    expect(others.every((d) => d.role === 'other')).toBe(true);
    expect(seeds.length + others.length).toBe(m.points.flatMap((p) => p.runs).filter((r) => r.steps !== null).length);
  });
});
