import { describe, expect, it } from 'vitest';
import { divergenceReason } from './divergence';
import { evaluationPlan, isNearTarget, needsFullAnchor, shouldEvaluate, type EvalContext } from './eval-schedule';


describe('evaluation schedule', () => {
  const evaluation = { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 4096, probeTokens: 0 };
  const ctx = (lastStep: number | null, lastLoss = 4): EvalContext => ({ maxSteps: 1000, targetLoss: 3, last: lastStep === null ? null : { step: lastStep, ewaLoss: lastLoss } });
  const schedule = (loss: (s: number) => number) => {
    const steps: number[] = [];
    for (let s = 1; s <= 1000; s++) {
      const last = steps.length ? { step: steps[steps.length - 1], ewaLoss: loss(steps[steps.length - 1]) } : null;
      if (shouldEvaluate(s, evaluation, { maxSteps: 1000, targetLoss: 3, last })) steps.push(s);
    }
    return steps;
  };
  it('is geometric far from the target: at least one step apart, 25% further each time, and the last step', () => {
    const steps = schedule(() => 4);
    expect(steps.slice(0, 8)).toEqual([1, 2, 3, 4, 5, 7, 9, 12]);
    expect(steps.at(-1)).toBe(1000);
    expect(steps.length).toBeLessThan(35);
    expect(shouldEvaluate(0, evaluation, ctx(null))).toBe(false);
  });
  it('goes denser (5%) once the EWA loss is within 5% of the target', () => {
    expect(shouldEvaluate(110, evaluation, ctx(100))).toBe(false);
    expect(shouldEvaluate(105, evaluation, ctx(100, 3.1))).toBe(true);
    expect(isNearTarget(evaluation, ctx(100, 3.15))).toBe(true);
    expect(isNearTarget(evaluation, ctx(100, 3.16))).toBe(false);
  });
  it('far from the target: every decay and the raw weights on the probe; near it: the best decay on the full set; the last step: everything on the full set', () => {
    expect(evaluationPlan(evaluation, ctx(100), 125)).toEqual({ set: 'probe', decays: 'every', raw: true });
    expect(evaluationPlan(evaluation, ctx(100, 3.1), 105)).toEqual({ set: 'full', decays: 'best', raw: false });
    expect(evaluationPlan(evaluation, ctx(900, 3.1), 1000)).toEqual({ set: 'full', decays: 'every', raw: true });
    // A probe reading within the margin calls for the full-set anchor at the same step.
    expect(needsFullAnchor(evaluation, ctx(100), 125, 3.14)).toBe(true);
    expect(needsFullAnchor(evaluation, ctx(100), 125, 3.2)).toBe(false);
  });
});

describe('divergence', () => {
  it('stops on NaN at once, and on an exploding loss only after warmup', () => {
    expect(divergenceReason(3, NaN, 5.5, 10)).toMatch(/NaN at step 3/);
    expect(divergenceReason(5, 7, 5.5, 10)).toBeNull();
    expect(divergenceReason(20, 7, 5.5, 10)).toMatch(/above the initial loss/);
    expect(divergenceReason(20, 5, 5.5, 10)).toBeNull();
  });
});
