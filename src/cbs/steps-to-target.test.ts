import { describe, expect, it } from 'vitest';
import type { EvalPoint, RunRecord } from '../experiment/schema';
import { batchPoints, interpolateLogStep, runOutcome, stepsToTarget } from './steps-to-target';

const ev = (step: number, ewaLoss: number): EvalPoint => ({ step, tokens: step * 64, ewaLoss, rawLoss: ewaLoss });

describe('stepsToTarget', () => {
  const evals = [ev(100, 4.0), ev(200, 3.6), ev(400, 3.2), ev(800, 3.0)];

  it('takes the first evaluation at or below the target (the paper rule, no interpolation)', () => {
    const c = stepsToTarget(evals, 3.5, false);
    expect(c).toEqual({ reached: true, steps: 400, atStep: 400, previousStep: 200, interpolated: false });
  });

  it('interpolates in log-steps: hand numbers', () => {
    // Between (200, 3.6) and (400, 3.2): fraction (3.6 − 3.5)/(3.6 − 3.2) = 0.25 of the way in log-steps,
    // so R = 200 · 2^0.25 = 237.8414230005442.
    const c = stepsToTarget(evals, 3.5, true);
    expect(c.reached).toBe(true);
    expect(c.steps).toBeCloseTo(237.8414230005442, 10);
    // (100, 4.0) → (200, 3.6), target 3.7: fraction 0.75, R = 100 · 2^0.75 = 168.17928305074290.
    expect(stepsToTarget(evals, 3.7, true).steps).toBeCloseTo(168.1792830507429, 10);
    expect(interpolateLogStep(10, 2, 1000, 1, 1.5)).toBeCloseTo(100, 10);
  });

  it('a loss exactly at the target counts, and interpolation returns that step', () => {
    expect(stepsToTarget(evals, 3.2, false).steps).toBe(400);
    expect(stepsToTarget(evals, 3.2, true).steps).toBeCloseTo(400, 10);
  });

  it('the first evaluation already at the target has no earlier one to interpolate from', () => {
    const c = stepsToTarget(evals, 4.5, true);
    expect(c).toEqual({ reached: true, steps: 100, atStep: 100, previousStep: null, interpolated: false });
  });

  it('does not interpolate from an evaluation at step 0 (log 0)', () => {
    const c = stepsToTarget([ev(0, 5), ev(64, 3)], 4, true);
    expect(c.steps).toBe(64);
    expect(c.reached && c.interpolated).toBe(false);
  });

  it('reports a run that never reaches the target, with its best loss, and never NaN', () => {
    const c = stepsToTarget(evals, 2.5, true);
    expect(c.reached).toBe(false);
    if (!c.reached) {
      expect(c.steps).toBeNull();
      expect(c.bestLoss).toBe(3.0);
      expect(c.lastStep).toBe(800);
      expect(c.reason).toMatch(/never reached the target 2.5/);
    }
    const none = stepsToTarget([], 3, false);
    expect(none.reached).toBe(false);
    expect(none.steps).toBeNull();
  });

  it('sorts evaluations and skips non-finite losses (a diverged tail never counts)', () => {
    const c = stepsToTarget([ev(400, NaN), ev(200, 3.6), ev(100, 4), ev(800, 3.4)], 3.5, false);
    expect(c.steps).toBe(800);
  });
});

function record(id: string, batchSize: number, peakLr: number, evals: EvalPoint[], failure: RunRecord['failure'] = null): RunRecord {
  return {
    spec: { id, batchSize, peakLr, microBatch: batchSize } as RunRecord['spec'],
    status: failure ? 'diverged' : 'finished',
    evals,
    steps: [],
    stepsToTarget: null,
    stepsDone: 0,
    tokensDone: 0,
    failure,
    wallSeconds: 0,
    adapter: 'test',
  };
}

describe('R(B) over runs', () => {
  it('takes the minimum over runs at each batch size, names the run and its learning rate, and keeps unreached runs', () => {
    const outcomes = [
      runOutcome(record('a', 8, 1e-3, [ev(100, 4), ev(200, 3.4)]), 3.5, false, true),
      runOutcome(record('b', 8, 3e-3, [ev(100, 3.4)]), 3.5, false, true),
      runOutcome(record('c', 16, 1e-3, [ev(100, 3.9)], { step: 120, reason: 'loss became NaN' }), 3.5, false, true),
      runOutcome(record('d', 4, 1e-3, [ev(50, 4), ev(300, 3.5)]), 3.5, false, true),
    ];
    const points = batchPoints(outcomes);
    expect(points.map((p) => p.batchSize)).toEqual([4, 8, 16]);
    expect(points[1]).toMatchObject({ batchSize: 8, steps: 100, bestRunId: 'b', bestLr: 3e-3 });
    expect(points[1].runs).toHaveLength(2);
    expect(points[2]).toMatchObject({ batchSize: 16, steps: null, bestRunId: null });
    expect(points[2].runs[0].reason).toMatch(/never reached.*diverged at step 120: loss became NaN/);
  });

  it('uses the trainer\'s stored steps only when a record has no evaluations and the target is not overridden', () => {
    const r = { ...record('x', 8, 1e-3, []), stepsToTarget: 321 };
    expect(runOutcome(r, 3.5, false, true).steps).toBe(321);
    expect(runOutcome(r, 3.5, false, false).steps).toBeNull();
  });
});
