import { describe, expect, it } from 'vitest';
import { syntheticResults } from '../../src/experiment/synthetic';
import type { RunRecord } from '../../src/experiment/schema';
import { formatSweepCostReport, sweepCostReport } from './sweep-report';
import { replayForecasts, replayedEtaAt25 } from './sweep-replay';
import { modelShapeKey } from '../../src/experiment/plan';
import { forecastExperiment } from '../../src/train/progress';
import type { CostModel } from '../../src/train/cost-model';

/** Synthetic results whose runs are set by hand: role, B, steps done, steps to target, timing. */
function results() {
  const r = syntheticResults({ batchSizes: [4, 8], learningRates: [1e-2, 3e-3] });
  const sweep = r.runs.filter((x) => x.spec.role === 'sweep');
  const ref = r.runs.find((x) => x.spec.role === 'reference')!;
  const set = (run: RunRecord, stepsDone: number, stepsToTarget: number | null, t: [number, number, number, number, number]) => {
    run.stepsDone = stepsDone;
    run.tokensDone = stepsDone * run.spec.batchSize * run.spec.model.context;
    run.stepsToTarget = stepsToTarget;
    run.timing = { trainSeconds: t[0], evalSeconds: t[1], checkpointSeconds: t[4], dataSeconds: t[2], setupSeconds: t[3] };
  };
  const at = (B: number, i: number) => sweep.filter((x) => x.spec.batchSize === B)[i];
  set(ref, 100, null, [10, 5, 1, 2, 1]);
  set(at(4, 0), 120, 120, [12, 6, 1, 0, 1]); // the winner at B = 4
  set(at(4, 1), 120, null, [12, 6, 1, 0, 1]); // stopped at the winner's steps
  set(at(8, 0), 90, null, [9, 3, 1, 0, 0.5]); // B = 8: neither reached the target
  set(at(8, 1), 90, null, [9, 3, 1, 0, 0.5]);
  return { ...r, runs: [ref, ...sweep] };
}

describe('the cost split of a sweep', () => {
  it('splits the wall time, measures the economy and the estimate\'s and ETA\'s errors', () => {
    const report = sweepCostReport(results(), {
      trainSeconds: 100,
      adapter: 'test adapter; limits',
      estimate: { totalSeconds: 80 },
      costModel: null,
      progress: [
        { seconds: 5, fraction: 0.1, remainingSeconds: 60 },
        { seconds: 30, fraction: 0.26, remainingSeconds: 90 },
        { seconds: 60, fraction: 0.5, remainingSeconds: 40 },
      ],
    });
    expect(report.split).toEqual({ trainSeconds: 52, evalSeconds: 23, checkpointSeconds: 4, dataSeconds: 5, setupSeconds: 2, idleSeconds: 14 });
    expect(report.evalShare).toBeCloseTo(0.23, 12);
    const T = 32;
    // Spent: reference 100·4·T, B = 4 two runs of 120·4·T, B = 8 two of 90·8·T. Winners: only B = 4's 120·4·T.
    expect(report.economy.referenceTokens).toBe(100 * 4 * T);
    expect(report.economy.spentTokens).toBe((100 * 4 + 2 * 120 * 4 + 2 * 90 * 8) * T);
    expect(report.economy.winnerTokens).toBe(120 * 4 * T);
    expect(report.economy.ratio).toBeCloseTo((100 * 4 + 2 * 120 * 4 + 2 * 90 * 8) / (120 * 4), 12);
    expect(report.economy.sweepRatio).toBeCloseTo((2 * 120 * 4 + 2 * 90 * 8) / (120 * 4), 12);
    expect(report.economy.perBatch).toEqual([
      { batchSize: 4, spentTokens: 2 * 120 * 4 * T, winnerTokens: 120 * 4 * T, unreached: 0 },
      { batchSize: 8, spentTokens: 2 * 90 * 8 * T, winnerTokens: 0, unreached: 1 },
    ]);
    expect(report.estimate).toEqual({ seconds: 80, error: expect.closeTo(-0.2, 12) });
    // The first forecast past 25%: at 30 s, 90 s left: 120 s in all.
    expect(report.etaAt25).toEqual({ atSeconds: 30, fraction: 0.26, predictedSeconds: 120, error: expect.closeTo(0.2, 12) });
    const text = formatSweepCostReport(report);
    expect(text).toContain('evaluation share: 23.0% of the wall time');
    expect(text).toContain('estimate before Start: 80.0 s, −20% against the wall time');
    expect(text).toContain('ETA at 25% progress (26.0% at 30.0 s): 2.0 min in all, +20% against the wall time');
    expect(text).toMatch(/B = {5}8: .* 1 cell\(s\) never reached the target/);
  });

  it('says what is missing rather than inventing it', () => {
    const r = results();
    delete r.runs[1].timing;
    const report = sweepCostReport(r, { trainSeconds: 50, adapter: null, estimate: null, costModel: null, progress: [] });
    expect(report.untimedRuns).toBe(1);
    expect([report.estimate, report.etaAt25]).toEqual([null, null]);
    const text = formatSweepCostReport(report);
    expect(text).toContain('estimate before Start: none');
    expect(text).toContain('ETA at 25% progress: none recorded');
  });
});

describe('the forecast replayed over recorded runs', () => {
  const prior = (r: ReturnType<typeof results>): CostModel => ({
    shapes: { [modelShapeKey(r.config.models[0])]: { stepFixedSeconds: 0.01, stepSecondsPerSequence: 0.002, evalSecondsPerToken: 1e-5, checkpointSeconds: 0, setupSeconds: 1, how: 'test' } },
    dataSeconds: 0.5,
    flopsPerSecond: null,
    evalAdapter: null,
  });

  it('starts from the estimate, replays the references first and each run at its start and quarters', () => {
    const r = results();
    // The reference listed last: the runner still trains it first.
    r.runs = [...r.runs.slice(1), r.runs[0]];
    r.runs.forEach((run, i) => (run.wallSeconds = 10 + i));
    const wall = r.runs.reduce((s, run) => s + run.wallSeconds, 0) + 5 * r.runs.length;
    const replay = replayForecasts(r, prior(r), wall);
    expect(replay).toHaveLength(4 * r.runs.length);
    const estimate = forecastExperiment({ config: r.config, plan: [r.runs.at(-1)!.spec, ...r.runs.slice(0, -1).map((x) => x.spec)], prior: prior(r), finished: [], live: [], elapsedSeconds: 0 });
    expect(replay[0]).toEqual({ atSeconds: 0, fraction: 0, predictedSeconds: estimate.totalSeconds, error: estimate.totalSeconds! / wall - 1 });
    // The reference (wall 14 s, listed last) is replayed first: its quarters at 3.5, 7, 10.5 s; the next run starts after it and its share of the idle time (5 s).
    expect(replay.slice(1, 5).map((f) => f.atSeconds)).toEqual([3.5, 7, 10.5, 19]);
    expect(replay.every((f, i) => i === 0 || f.atSeconds > replay[i - 1].atSeconds)).toBe(true);
    expect(replayedEtaAt25(replay)?.fraction).toBeGreaterThanOrEqual(0.25);
    const report = sweepCostReport(r, { trainSeconds: wall, adapter: null, estimate: null, costModel: prior(r), progress: [] });
    expect(report.replayed?.etaAt25).toEqual(replayedEtaAt25(replay));
  });

  it('replays nothing with more than one worker or without a cost model', () => {
    const r = results();
    expect(replayForecasts({ ...r, config: { ...r.config, workers: 2 } }, prior(r), 100)).toEqual([]);
    expect(sweepCostReport(r, { trainSeconds: 100, adapter: null, estimate: null, costModel: null, progress: [] }).replayed).toBeNull();
  });
});
