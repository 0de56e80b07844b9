import { describe, expect, it } from 'vitest';
import { divergenceReason } from './divergence';
import { shouldEvaluate } from './eval-schedule';

const evaluation = { interval: 50, denseEvery: 5, denseMargin: 0.05, denseTailFraction: 0.1, validationTokens: 4096 };

describe('evaluation schedule', () => {
  const ctx = { maxSteps: 1000, targetLoss: 3, lastEwaLoss: 4 };
  it('evaluates at powers of two and ten, multiples of the interval, and the last step', () => {
    const steps = Array.from({ length: 1000 }, (_, i) => i + 1).filter((s) => shouldEvaluate(s, evaluation, ctx));
    expect(steps.slice(0, 8)).toEqual([1, 2, 4, 8, 10, 16, 32, 50]);
    expect(steps).toContain(1000);
    expect(shouldEvaluate(0, evaluation, ctx)).toBe(false);
  });
  it('goes dense near the target and over the tail of the budget', () => {
    expect(shouldEvaluate(105, evaluation, ctx)).toBe(false);
    expect(shouldEvaluate(105, evaluation, { ...ctx, lastEwaLoss: 3.1 })).toBe(true);
    expect(shouldEvaluate(905, evaluation, ctx)).toBe(true);
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
