import { describe, expect, it } from 'vitest';
import type { EvalPoint, RunRecord } from '../experiment/schema';
import { batchPoints, curvePoints, interpolateLogStep, pooledPoints, runOutcome, stepsToTarget } from './steps-to-target';

const ev = (step: number, ewaLoss: number): EvalPoint => ({ step, tokens: step * 64, validationTokens: 4096, ewaLoss, ewaLosses: [ewaLoss], rawLoss: ewaLoss });

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

  it('only the full validation set decides the crossing: a probe reading below the target does not count', () => {
    const probe = (step: number, ewaLoss: number): EvalPoint => ({ ...ev(step, ewaLoss), validationTokens: 512 });
    const c = stepsToTarget([probe(100, 3.6), probe(200, 3.45), ev(300, 3.55), ev(400, 3.4)], 3.5, true);
    expect(c.reached && c.atStep).toBe(400);
    // Interpolated from the full-set evaluation at 300 (3.55), never from the probe below the target.
    expect(c.reached && c.previousStep).toBe(300);
    expect(c.steps).toBeCloseTo(Math.exp(Math.log(300) + (0.05 / 0.15) * Math.log(400 / 300)), 10);
  });

  it('sorts evaluations and skips non-finite losses (a diverged tail never counts)', () => {
    const c = stepsToTarget([ev(400, NaN), ev(200, 3.6), ev(100, 4), ev(800, 3.4)], 3.5, false);
    expect(c.steps).toBe(800);
  });
});

function record(id: string, batchSize: number, peakLr: number, evals: EvalPoint[], failure: RunRecord['failure'] = null, replicate = 0, status: RunRecord['status'] | null = null): RunRecord {
  return {
    spec: { id, batchSize, peakLr, microBatch: batchSize, replicate } as RunRecord['spec'],
    status: status ?? (failure ? 'diverged' : 'finished'),
    evals,
    steps: [],
    stepsToTarget: null,
    stepsDone: evals.at(-1)?.step ?? 0,
    tokensDone: 0,
    failure,
    wallSeconds: 0,
    adapter: 'test',
  };
}

describe('R(B) over runs', () => {
  it('takes the minimum over runs at each batch size, names the run and its learning rate, and keeps unreached runs', () => {
    const outcomes = [
      runOutcome(record('a', 8, 1e-3, [ev(100, 4), ev(200, 3.4)]), 3.5, false),
      runOutcome(record('b', 8, 3e-3, [ev(100, 3.4)]), 3.5, false),
      runOutcome(record('c', 16, 1e-3, [ev(100, 3.9)], { step: 120, reason: 'loss became NaN' }), 3.5, false),
      runOutcome(record('d', 4, 1e-3, [ev(50, 4), ev(300, 3.5)]), 3.5, false),
    ];
    const points = batchPoints(outcomes);
    expect(points.map((p) => p.batchSize)).toEqual([4, 8, 16]);
    expect(points[1]).toMatchObject({ batchSize: 8, steps: 100, bestRunId: 'b', bestLr: 3e-3 });
    expect(points[1].runs).toHaveLength(2);
    expect(points[2]).toMatchObject({ batchSize: 16, steps: null, bestRunId: null });
    expect(points[2].runs[0].reason).toMatch(/never reached.*diverged at step 120: loss became NaN/);
  });

  it('a run that ran to its cap or hit the economy bound is censored at its steps; a diverged or beaten one is not', () => {
    const capped = runOutcome(record('cap', 32, 1e-3, [ev(100, 4), ev(400, 3.8)]), 3.5, false);
    expect(capped).toMatchObject({ steps: null, censoredAbove: 400 });
    const economy = runOutcome(record('eco', 32, 1e-3, [ev(100, 4), ev(150, 3.8)], { step: 150, reason: 'economy' }, 0, 'censored'), 3.5, false);
    expect(economy.censoredAbove).toBe(150);
    const diverged = runOutcome(record('nan', 32, 1e-3, [ev(100, 4)], { step: 120, reason: 'loss became NaN' }), 3.5, false);
    expect(diverged.censoredAbove).toBeNull();
    const beaten = runOutcome(record('won', 32, 1e-3, [ev(100, 4)], { step: 100, reason: 'another run' }, 0, 'stopped'), 3.5, false);
    expect(beaten.censoredAbove).toBeNull();
  });

  it('replicates: R(B) per replicate is its best run; the pooled R is their geometric mean; censored replicates enter the fit as bounds', () => {
    const outcomes = [
      runOutcome(record('r0', 8, 1e-3, [ev(100, 3.4)], null, 0), 3.5, false),
      runOutcome(record('r1', 8, 1e-3, [ev(400, 3.4)], null, 1), 3.5, false),
      runOutcome(record('r0b', 16, 1e-3, [ev(64, 3.4)], null, 0), 3.5, false),
      runOutcome(record('r1b', 16, 1e-3, [ev(90, 3.8)], null, 1), 3.5, false),
    ];
    const points = batchPoints(outcomes);
    expect(points[0].steps).toBeCloseTo(200, 10);
    expect(points[0].replicates.map((r) => r.steps)).toEqual([100, 400]);
    expect(points[1].steps).toBeNull();
    expect(points[1].replicates[1]).toMatchObject({ steps: null, censoredAbove: 90 });
    expect(curvePoints(points)).toEqual([
      { batchSize: 8, steps: 100, replicate: 0 },
      { batchSize: 8, steps: 400, replicate: 1 },
      { batchSize: 16, steps: 64, replicate: 0 },
      { batchSize: 16, steps: 90, censored: true, replicate: 1 },
    ]);
    const pooled = pooledPoints(points);
    expect(pooled[0].batchSize).toBe(8);
    expect(pooled[0].steps).toBeCloseTo(200, 10);
    expect(pooled[0].censored).toBeUndefined();
    expect(pooled[1].censored).toBe(true);
    expect(pooled[1].steps).toBeCloseTo(Math.sqrt(64 * 90), 10);
  });
});
