// The theory page's chart data and readings, on a real (small) experiment run on the float64
// reference trainer: the numbers in the sentences are the results' own.
import { beforeAll, describe, expect, it } from 'vitest';
import type { TheoryConfig } from '../theory/config';
import { runTheoryExperiment, type ModelSizeSweep, type TheoryResults } from '../theory/experiment';
import { tinyTheoryConfig } from '../theory/presets';
import { ReferenceTrainer } from '../theory/trainer.ref';
import { branchText, dataScalingReading, dataScalingView, modelSizeReading, modelSizeView, riskCurves, riskReading, stepsReading, stepsView } from './theory-readings';
import { fmtNum } from './format';

const config: TheoryConfig = tinyTheoryConfig();

let results: TheoryResults;
beforeAll(async () => {
  results = await runTheoryExperiment(config, async (options, groups) => new ReferenceTrainer(options, groups));
});

describe('B* against D', () => {
  it('plots B* per budget, each seed, the fit and a line of the predicted slope through the points', () => {
    const view = dataScalingView(results);
    const used = results.outcomes.filter((o) => o.bStar !== null);
    expect(view.points).toEqual(used.map((o) => ({ x: o.budget, y: o.bStar })));
    expect(view.seedPoints.length).toBe(results.outcomes.flatMap((o) => o.seedBStars.filter((s) => s.bStar !== null)).length);
    expect(view.crossings).toEqual(results.outcomes.filter((o) => o.crossing !== null).map((o) => ({ x: o.budget, y: o.crossing })));
    const slope = (line: { x: number; y: number }[]) => Math.log(line[1].y / line[0].y) / Math.log(line[1].x / line[0].x);
    expect(slope(view.fit)).toBeCloseTo(results.measured as number, 12);
    expect(slope(view.predicted)).toBeCloseTo(0.5, 12);
    // Through the centre of the points in log–log.
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const at = Math.exp(mean(view.points.map((p) => Math.log(p.x))));
    const predictedThere = view.predicted[0].y * (at / view.predicted[0].x) ** 0.5;
    expect(Math.log(predictedThere)).toBeCloseTo(mean(view.points.map((p) => Math.log(p.y))), 10);
  });

  it('reads the growth, the fitted exponent with its interval, the prediction and its branch', () => {
    const text = dataScalingReading(results);
    expect(text).toContain(`exponent ${fmtNum(results.measured)}`);
    expect(text).toContain(`interval ${fmtNum(results.interval?.[0])} to ${fmtNum(results.interval?.[1])}`);
    expect(text).toContain('The theory predicts 0.5 (b = 4 < 2a + 1 = 5, so the exponent is 1 − a/b)');
    const [lo, hi] = results.interval as [number, number];
    expect(dataScalingReading({ ...results, predicted: (lo + hi) / 2 })).toContain('agrees with the theory');
    expect(dataScalingReading({ ...results, predicted: hi + 0.2 })).toMatch(/outside the interval, [0-9.]+ from the fit: the theory is a limit of large budgets/);
    expect(dataScalingReading({ ...results, predicted: hi + 0.2 })).not.toContain('On this branch');
    const saturated = dataScalingReading({ ...results, config: { ...results.config, b: 8 }, predicted: hi + 0.2 });
    expect(saturated).toContain('On this branch the lab has measured fitted exponents 0.03–0.09 above the law');
    expect(saturated).not.toContain('these budgets are not in it yet');
    const withCrossing = { ...results, crossing: { ...results.crossing, measured: 0.4321 } };
    expect(dataScalingReading(withCrossing)).toContain('Read without the fit, where the measured R(B) crosses 1.2× linear scaling (the open diamonds), the exponent is 0.432');
    // The level: the crossings' geometric-mean ratio to the fitted B*, over the budgets with both.
    const both = results.outcomes.filter((o) => o.bStar !== null && o.crossing !== null);
    expect(both.length).toBeGreaterThan(0);
    const ratio = Math.exp(both.reduce((sum, o) => sum + Math.log((o.crossing as number) / (o.bStar as number)), 0) / both.length);
    expect(dataScalingReading(withCrossing)).toContain(`The crossings lie about ×${+ratio.toPrecision(2)} above the fitted B*`);
    expect(dataScalingReading({ ...results, crossing: { ...results.crossing, measured: null } })).not.toContain('without the fit');
    expect(dataScalingReading({ ...results, measured: null, outcomes: results.outcomes.map((o) => ({ ...o, bStar: null })) })).toMatch(/^B\* against D needs a finite B\* at two or more budgets; none has one/);
  });

  it('names the branch of min(b, 2a + 1)', () => {
    expect(branchText(2, 8)).toBe('b = 8 > 2a + 1 = 5, so the exponent is 1 − a/(2a + 1): the target is smoother than SGD with averaging can use');
    expect(branchText(2, 5)).toMatch(/^b = 2a \+ 1 = 5/);
  });
});

describe('steps to target against B, one budget', () => {
  it('plots the curve the fit used, linear scaling from the baseline, the 20% line, the fitted α + β/B, B* and the crossing', () => {
    for (const group of results.report.groups) {
      const view = stepsView(results, group.dataSize as number);
      if (view === null) throw new Error('no view');
      expect(view.reached).toEqual(group.curve.filter((p) => !p.censored).map((p) => ({ x: p.batchSize, y: p.steps })));
      expect(view.censored).toEqual(group.curve.filter((p) => p.censored).map((p) => ({ x: p.batchSize, y: p.steps })));
      const { baselineSteps } = group.cbs;
      const baselineBatch = group.cbs.baselineBatch as number;
      expect(view.linear[0].x).toBeCloseTo(baselineBatch, 12);
      expect(view.linear[0].y).toBeCloseTo(baselineSteps as number, 9);
      view.linear.forEach((p, i) => {
        expect(p.y * p.x).toBeCloseTo((baselineSteps as number) * baselineBatch, 6);
        expect(view.rule[i].y).toBeCloseTo(1.2 * p.y, 9);
      });
      for (const p of view.fit) expect(p.y).toBeCloseTo((group.fit.a as number) + (group.fit.b as number) / p.x, 9);
      expect(view.bStar).toBe(group.cbs.bStar);
      expect(view.crossing).toBe(group.raw.crossing);
    }
    expect(stepsView(results, 12345)).toBeNull();
  });

  it('reads where R(B) crosses the 20% line, the fitted B*, and a dip below linear scaling when there is one', () => {
    const group = results.report.groups.find((g) => g.raw.crossing !== null && g.cbs.bStar !== null);
    if (!group) throw new Error('the tiny experiment has no budget with both a crossing and a B*');
    const d = group.dataSize as number;
    const text = stepsReading(results, d);
    expect(text).toContain(`cross the 20% line at B ≈ ${fmtNum(group.raw.crossing)}`);
    expect(text).toContain(`puts B* at ${fmtNum(group.cbs.bStar)}`);
    // The same budget without, and with, a check below linear scaling before the first batch size outside the line.
    const first = group.raw.firstOutside as number;
    const withChecks = (checks: typeof group.raw.checks) => ({ ...results, report: { ...results.report, groups: results.report.groups.map((g) => (g === group ? { ...group, raw: { ...group.raw, checks } } : g)) } });
    expect(stepsReading(withChecks(group.raw.checks.filter((c) => c.ratio >= 0.95)), d)).not.toContain('dips below');
    const dip = { batchSize: first / 2, steps: 1, censored: false, linear: 1, ratio: 0.8, within: true };
    expect(stepsReading(withChecks([dip, ...group.raw.checks.filter((c) => c.ratio >= 0.95)]), d)).toContain(`dips below linear scaling (0.8× at B = ${first / 2})`);
  });
});

describe('B* against M', () => {
  const sweepOf = (bStars: (number | null)[]): ModelSizeSweep => ({
    kind: 'theory-model-sweep',
    config: { ...config, dim: 64 },
    dims: [8, 16, 32, 64],
    results: bStars.map((bStar) => ({ ...results, outcomes: [{ ...results.outcomes[0], budget: 2048, bStar }] })),
  });

  it('finds where B* levels off, and says when it does not', () => {
    const sweep = sweepOf([3, 9, 11, 10]);
    expect(modelSizeView(sweep, 2048)).toEqual([{ x: 8, y: 3 }, { x: 16, y: 9 }, { x: 32, y: 11 }, { x: 64, y: 10 }]);
    expect(modelSizeReading(sweep, 2048)).toMatch(/^At D = 2\.05k, B\* went from 3 at M = 8 to 10 at M = 64, and stays within 20% from M = 16 on: with 2\.05k samples SGD resolves about [0-9.]+ directions/);
    expect(modelSizeReading(sweepOf([3, 6, 9, 14]), 2048)).toMatch(/still changes by more than 20% between the two largest M .*add larger M/);
    expect(modelSizeReading(sweepOf([null, null, null, 4]), 2048)).toMatch(/needs a finite B\* at two or more model sizes/);
  });
});

describe('risk curves', () => {
  it('one curve per batch size, the run of its best learning rate, against samples seen', () => {
    const budget = 2048;
    const curves = riskCurves(results, budget, 1);
    const outcome = results.outcomes.find((o) => o.budget === budget)!;
    expect(curves.map((c) => c.batchSize)).toEqual(outcome.points.filter((p) => p.seeds[0].lr !== null).map((p) => p.batchSize));
    for (const c of curves) {
      const run = results.runs.find((r) => r.seed === 1 && r.batchSize === c.batchSize && r.lr === c.lr)!;
      expect(c.points[0]).toEqual({ samples: run.evalSteps[0] * c.batchSize, risk: run.averageRisk[0][0] });
    }
    const text = riskReading(results, budget);
    expect(text).toMatch(/^Batch size \d+ reached the target excess risk [0-9.e-]+ \(the best risk batch size 1 reaches with 2\.05k samples, its risk averaged over the seeds\) after /);
    expect(text).toContain(`Up to about B* = ${fmtNum(outcome.bStar)}`);
  });
});
