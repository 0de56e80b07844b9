import { describe, expect, it } from 'vitest';
import { analyzeLocalCbs, applyLocalCbsRule, branchLoss, localCbsPoints, proposeBatchSchedule, readLocalCbs, smoothedLoss, warmupComparisonRuns, warmupComparisons, type BranchLoss } from './local-cbs';
import { sweepBStars } from './local-cbs-sweeps';
import { formatLocalCbsReport } from './local-cbs-format';
import { analyzeResults } from './report';
import { syntheticResults } from '../experiment/synthetic';
import { defaultConfig, localCbsDemoConfig } from '../experiment/presets';
import type { ExperimentConfig, LocalCbsConfig, RunRecord, RunSpec } from '../experiment/schema';

const losses = (pairs: [number, number | null][]): BranchLoss[] => pairs.map(([multiplier, loss]) => ({ multiplier, loss, note: loss === null ? 'diverged' : null }));

describe('smoothedLoss', () => {
  it('is the exponential moving average started at the first value, weight α on the newest', () => {
    expect(smoothedLoss([7], 0.5)).toBe(7);
    expect(smoothedLoss([4, 2], 0.5)).toBe(3);
    // 1 → 0.5·2 + 0.5·1 = 1.5 → 0.5·3 + 0.5·1.5 = 2.25 → 0.5·4 + 0.5·2.25 = 3.125
    expect(smoothedLoss([1, 2, 3, 4], 0.5)).toBe(3.125);
    // α = 1: no smoothing, the last value.
    expect(smoothedLoss([5, 1, 9], 1)).toBe(9);
    // α = 0.25 over [0, 4]: 0.25·4 = 1.
    expect(smoothedLoss([0, 4], 0.25)).toBe(1);
  });

  it('is NaN for no values, non-finite when a value is, and refuses α outside (0, 1]', () => {
    expect(smoothedLoss([], 0.5)).toBeNaN();
    expect(smoothedLoss([3, NaN, 3], 0.5)).toBeNaN();
    expect(smoothedLoss([3, Infinity], 0.5)).toBe(Infinity);
    expect(() => smoothedLoss([1], 0)).toThrow(/α/);
    expect(() => smoothedLoss([1], 1.5)).toThrow(/α/);
  });
});

describe('applyLocalCbsRule (Merrill et al.: the largest k within ε of every smaller k)', () => {
  it('flat, then rising: k* is the last k within ε of the best smaller loss', () => {
    const r = applyLocalCbsRule(losses([[1, 3.0], [2, 3.005], [4, 3.009], [8, 3.05]]), 0.01);
    expect(r.kStar).toBe(4);
    expect(r.verdicts.map((v) => v.within)).toEqual([true, true, true, false]);
    expect(r.verdicts[0].threshold).toBeNull();
    expect(r.verdicts[3].threshold).toBeCloseTo(3.01, 12);
    expect(r.verdicts[3].reason).toMatch(/3\.0500 > 3\.0000 \(k = 1\) \+ ε = 3\.0100/);
  });

  it('compares with the least loss of all smaller batches, not only the previous one', () => {
    // k = 4 (2.965) is within ε of k = 1 (3.0) but not of k = 2 (2.95).
    const r = applyLocalCbsRule(losses([[1, 3.0], [2, 2.95], [4, 2.965], [8, 2.9]]), 0.01);
    expect(r.verdicts.map((v) => v.within)).toEqual([true, true, false, true]);
    // The definition is the largest such k, even after a k that failed.
    expect(r.kStar).toBe(8);
  });

  it('a loss exactly ε above counts as within; the order of the input does not matter', () => {
    const r = applyLocalCbsRule(losses([[4, 2.5], [1, 2.25], [2, 2.5]]), 0.25);
    expect(r.verdicts.map((v) => v.multiplier)).toEqual([1, 2, 4]);
    expect(r.kStar).toBe(4);
  });

  it('a diverged branch is not within tolerance and says so; it sets no bar for bigger ones', () => {
    const r = applyLocalCbsRule(losses([[1, 3.0], [2, 3.002], [4, null], [8, 3.2]]), 0.01);
    expect(r.verdicts[2].within).toBe(false);
    expect(r.verdicts[2].reason).toBe('not within tolerance: diverged');
    expect(r.verdicts[3].threshold).toBeCloseTo(3.01, 12);
    expect(r.kStar).toBe(2);
  });

  it('the smallest k is within by definition; no loss at all gives no k*', () => {
    expect(applyLocalCbsRule(losses([[0.5, 9], [1, 10]]), 0.01).kStar).toBe(0.5);
    expect(applyLocalCbsRule(losses([[1, null], [2, null]]), 0.01).kStar).toBeNull();
    // A diverged smallest k: the next one is the first with a loss, so nothing bars it.
    expect(applyLocalCbsRule(losses([[1, null], [2, 4]]), 0.01).kStar).toBe(2);
  });
});

// ---------- records built by hand ----------

const local: LocalCbsConfig = {
  baseBatch: 4,
  learningRate: 0.01,
  checkpoints: [1280, 2560],
  multipliers: [1, 2, 4, 8],
  branchTokens: 4096,
  tolerance: 0.01,
  smoothing: 0.5,
  loss: 'validation',
  finalEvaluations: 2,
  compareSchedule: true,
};

const config: ExperimentConfig = {
  ...defaultConfig(),
  kind: 'local-cbs',
  localCbs: local,
  models: [{ name: 'toy', layers: 1, dModel: 8, heads: 2, context: 32, vocabSize: 257 }],
  dataSizes: [4096],
};

function spec(patch: Partial<RunSpec>): RunSpec {
  return {
    id: 'x',
    role: 'branch',
    model: config.models[0],
    dataSize: 4096,
    batchSize: 4,
    microBatch: 2,
    peakLr: 0.01,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    warmupSteps: 8,
    clipNorm: 1,
    ewaDecays: [0.9],
    maxSteps: 10,
    targetLoss: null,
    stopAtTarget: false,
    evaluation: config.evaluation,
    replicate: 0,
    seeds: { init: 1, data: 1 },
    poolTokens: null,
    ...patch,
  };
}

/** A queued record (src/train/run.ts has one too, but cbs may not import train: they are one layer). */
function emptyRecord(runSpec: RunSpec, adapter: string): RunRecord {
  return { spec: runSpec, status: 'queued', evals: [], steps: [], stepsToTarget: null, stepsDone: 0, tokensDone: 0, failure: null, wallSeconds: 0, adapter };
}

/** A finished branch whose last two validation losses are `a` then `b` (smoothed: (a + b) / 2). */
function branch(fromStep: number, k: number, a: number, b: number, replicate = 0, status: RunRecord['status'] = 'finished'): RunRecord {
  const r = emptyRecord(spec({ id: `b${fromStep}k${k}r${replicate}`, batchSize: 4 * k, replicate, branch: { baseRunId: 'base', fromStep, fromTokens: fromStep * 128, multiplier: k, evalSteps: [fromStep + 1, fromStep + 2] } }), 'test');
  r.status = status;
  r.evals = [a, b].map((loss, i) => ({ step: fromStep + i + 1, tokens: 0, validationTokens: 4096, ewaLoss: loss, ewaLosses: [loss], rawLoss: loss }));
  r.steps = [{ step: fromStep + 1, trainLoss: 9, lr: 0.01, gradNorm: 1, microGradSq: 1, batchGradSq: 1, tokensPerSecond: 1 }];
  if (status === 'diverged') r.failure = { step: fromStep + 1, reason: 'the training loss became NaN at step 11' };
  return r;
}

describe('branchLoss', () => {
  it('smooths the final validation losses, or every training loss, as the config says', () => {
    const r = branch(10, 1, 3.2, 3.0);
    expect(branchLoss(r, { loss: 'validation', smoothing: 0.5 }).loss).toBeCloseTo(3.1, 12);
    expect(branchLoss(r, { loss: 'train', smoothing: 0.5 }).loss).toBe(9);
  });

  it('a diverged, failed or missing branch has no loss, with the reason', () => {
    expect(branchLoss(branch(10, 1, 3, 3, 0, 'diverged'), local)).toEqual({ loss: null, note: 'diverged (the training loss became NaN at step 11)' });
    expect(branchLoss(undefined, local).note).toBe('not run yet');
    const nan = branch(10, 1, 3, NaN);
    expect(branchLoss(nan, local).loss).toBeNull();
    expect(branchLoss(nan, local).note).toMatch(/diverged/);
  });
});

describe('localCbsPoints', () => {
  it('reads k* per checkpoint, with the interval to the next k tried and its geometric mean', () => {
    const runs = [
      // Checkpoint at step 10: flat to k = 2, then worse.
      branch(10, 1, 3.0, 3.0), branch(10, 2, 3.01, 3.0), branch(10, 4, 3.1, 3.06), branch(10, 8, 3.3, 3.2),
      // At step 20: flat to k = 8, the largest tried (censored).
      branch(20, 1, 2.5, 2.5), branch(20, 2, 2.5, 2.5), branch(20, 4, 2.51, 2.5), branch(20, 8, 2.5, 2.51),
    ];
    const [p10, p20] = localCbsPoints(runs, local);
    expect(p10).toMatchObject({ step: 10, tokens: 1280, kStar: 2, lower: 8, upper: 16, censored: false });
    expect(p10.estimate).toBeCloseTo(Math.sqrt(8 * 16), 12);
    expect(p20).toMatchObject({ step: 20, tokens: 2560, kStar: 8, lower: 32, upper: null, estimate: 32, censored: true });
  });

  it('averages each k over the seed replicates before the rule', () => {
    // Replicate 0 alone would pass k = 2 (3.005 ≤ 3.0 + 0.01); the mean with replicate 1 (3.03) does not.
    const runs = [branch(10, 1, 3.0, 3.0, 0), branch(10, 2, 3.005, 3.005, 0), branch(10, 1, 3.0, 3.0, 1), branch(10, 2, 3.03, 3.03, 1)];
    const [p] = localCbsPoints(runs, { ...local, multipliers: [1, 2] });
    expect(p.verdicts[1].loss).toBeCloseTo(3.0175, 12);
    expect(p.kStar).toBe(1);
  });

  it('a diverged branch makes its k not within tolerance, with the reason', () => {
    const runs = [branch(10, 1, 3, 3), branch(10, 2, 3, 3), branch(10, 4, 3, 3, 0, 'diverged'), branch(10, 8, 3.5, 3.5)];
    const [p] = localCbsPoints(runs, local);
    expect(p.kStar).toBe(2);
    expect(p.verdicts[2].reason).toMatch(/^not within tolerance: diverged \(the training loss became NaN/);
  });
});

describe('proposeBatchSchedule', () => {
  const point = (tokens: number, lower: number | null) => ({ step: tokens / 128, tokens, verdicts: [], kStar: null, lower, upper: null, estimate: lower, censored: false });

  it('starts at B and doubles, at each checkpoint, as far as the batch stays at or under k*·B; LR by √(batch/B)', () => {
    const schedule = proposeBatchSchedule([point(1000, 4), point(2000, 8), point(3000, 12), point(4000, 40)], 4, 0.01);
    expect(schedule).toEqual([
      { fromTokens: 0, batchSize: 4, peakLr: 0.01 },
      { fromTokens: 2000, batchSize: 8, peakLr: Number((0.01 * Math.SQRT2).toPrecision(6)) },
      { fromTokens: 4000, batchSize: 32, peakLr: Number((0.01 * Math.sqrt(8)).toPrecision(6)) },
    ]);
  });

  it('never shrinks the batch when a later checkpoint measures less, and skips unknown points', () => {
    const schedule = proposeBatchSchedule([point(1000, 16), point(2000, 4), point(3000, null)], 4, 0.01);
    expect(schedule.map((p) => p.batchSize)).toEqual([4, 16]);
  });
});

describe('warmupComparisons and analyzeLocalCbs', () => {
  function compared(role: 'constant' | 'schedule', steps: number | null, tokensAt: number): RunRecord {
    const r = emptyRecord(spec({ id: role, role, targetLoss: 3 }), 'test');
    r.status = steps === null ? 'finished' : 'reached-target';
    r.stepsToTarget = steps;
    r.evals = steps === null ? [] : [{ step: steps, tokens: tokensAt, validationTokens: 4096, ewaLoss: 3, ewaLosses: [3], rawLoss: 3 }];
    r.stepsDone = steps ?? 100;
    return r;
  }

  it('steps and tokens to the target of each side, and what warmup saved', () => {
    const [c] = warmupComparisons([compared('constant', 100, 12800), compared('schedule', 60, 14080)]);
    expect(c.constant).toMatchObject({ steps: 100, tokens: 12800 });
    expect(c.scheduled).toMatchObject({ steps: 60, tokens: 14080 });
    expect(c.stepsSaved).toBeCloseTo(0.4, 12);
    expect(c.extraTokens).toBeCloseTo(0.1, 12);
    const [none] = warmupComparisons([compared('constant', 100, 12800), compared('schedule', null, 0)]);
    expect(none.stepsSaved).toBeNull();
  });

  it('the report: points, the base run noise scale on the tokens axis, the schedule, a reading; JSON-able', () => {
    const base = emptyRecord(spec({ id: 'base', role: 'base', batchSize: 4, microBatch: 2 }), 'test');
    base.status = 'finished';
    // |G_s|² = 2, |G_b|² = 1.5 at B_s = 2, B_b = 4: |G|² = (4·1.5 − 2·2)/2 = 1, tr(Σ) = 0.5/0.25 = 2: B_simple = 2.
    base.steps = Array.from({ length: 20 }, (_, i) => ({ step: i + 1, trainLoss: 3, lr: 0.01, gradNorm: 1, microGradSq: 2, batchGradSq: 1.5, tokensPerSecond: 1 }));
    const runs = [base, branch(10, 1, 3, 3), branch(10, 2, 3, 3), branch(10, 4, 3.2, 3.2), branch(10, 8, 3.5, 3.5), compared('constant', 100, 12800), compared('schedule', 60, 14080)];
    const report = analyzeLocalCbs({ config, runs });
    expect(report.points).toHaveLength(1);
    expect(report.points[0].lower).toBe(8);
    expect(report.noiseScale[0].estimate.summary).toBeCloseTo(2, 12);
    expect(report.noiseScale[0].series.at(-1)).toEqual({ tokens: 20 * 4 * 32, bSimple: expect.closeTo(2, 12) });
    expect(report.schedule.map((p) => p.batchSize)).toEqual([4, 8]);
    expect(report.reading).toContain('The local CBS is 8–16 sequences at 1.28k tokens.');
    expect(report.reading).toContain("noise scale is about 2 sequences, 5.7× below the last local CBS");
    expect(report.reading).toContain('40% fewer steps');
    // Every checkpoint alike, and every branch within tolerance: a lower bound, said once.
    const atLeast4 = { ...report.points[0], lower: 4, upper: null, estimate: 4, censored: true };
    const flat = readLocalCbs({ ...report, points: [atLeast4, { ...atLeast4, step: 20, tokens: 2560 }] });
    expect(flat).toContain('The local CBS is at least 4 sequences at every checkpoint, from 1.28k tokens to 2.56k tokens.');
    expect(flat).toContain("noise scale is about 2 sequences, 2.0× below the last local CBS's lower bound");
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('refuses results of a sweep', () => {
    expect(() => analyzeLocalCbs({ config: defaultConfig(), runs: [] })).toThrow(/not a local-CBS experiment/);
  });
});

describe('warmupComparisonRuns', () => {
  it('plans nothing when the local CBS never reaches twice the base batch', () => {
    const base = emptyRecord(spec({ id: 'base', role: 'base' }), 'test');
    const flat = [base, branch(10, 1, 3, 3), branch(10, 2, 3.5, 3.5)];
    expect(warmupComparisonRuns(config, flat, { group: 'g', loss: 3, from: [] })).toEqual([]);
    const grows = [base, branch(10, 1, 3, 3), branch(10, 2, 3, 3)];
    const runs = warmupComparisonRuns(config, grows, { group: 'g', loss: 3, from: [] });
    expect(runs.map((r) => r.role)).toEqual(['constant', 'schedule']);
    expect(runs[1].batchSchedule!.map((p) => [p.fromTokens, p.batchSize])).toEqual([[0, 4], [1280, 8]]);
  });
});

describe('sweepBStars', () => {
  it('the B* of sweeps of the same model, data and tokenizer, at their data size; others are left out', () => {
    const local = localCbsDemoConfig();
    // A sweep of the demo model (the sweep preset's optimizer: a different β2 rule does not matter).
    const sweep = syntheticResults({ config: { ...defaultConfig(), dataSizes: [20_000] } });
    const expected = analyzeResults(sweep).groups[0];
    const otherData = syntheticResults({ config: { ...defaultConfig(), data: { kind: 'urls', train: ['https://x.example/t'], validation: ['https://x.example/v'] } } });
    const otherModel = syntheticResults({ config: { ...defaultConfig(), models: [{ ...defaultConfig().models[0], dModel: 64 }] } });
    const found = sweepBStars(local, [
      { name: 'the demo sweep', results: sweep },
      { name: 'other data', results: otherData },
      { name: 'other model', results: otherModel },
    ]);
    expect(found).toEqual([
      { name: 'the demo sweep', dataSize: 20_000, bStar: expected.cbs.bStar, lower: expected.interval.lower, upper: expected.interval.upper },
    ]);
    // R = 12 + 576/B from B = 4: B* = 1.2 · 4 + 0.2 · 576/12 = 14.4 (the synthetic steps are whole numbers).
    expect(Math.abs(found[0].bStar - 14.4)).toBeLessThan(0.5);
  });
});

describe('formatLocalCbsReport', () => {
  it('prints each checkpoint with every branch verdict, the schedule and the reading', () => {
    const runs = [branch(10, 1, 3, 3), branch(10, 2, 3, 3), branch(10, 4, 3.2, 3.2), branch(10, 8, 3.5, 3.5, 0, 'diverged')];
    const text = formatLocalCbsReport(analyzeLocalCbs({ config, runs }));
    expect(text).toContain('after 1280 tokens (step 10): local CBS 8–16 (estimate 11.31) sequences');
    expect(text).toContain('k = 8    B = 32    loss —       NOT within: not within tolerance: diverged (the training loss became NaN at step 11)');
    expect(text).toContain('batch-size warmup proposed: 4 from 0 tokens, 8 from 1280 tokens');
    expect(text.endsWith('\nThe local CBS is 8–16 sequences at 1.28k tokens.\n')).toBe(true);
  });
});
