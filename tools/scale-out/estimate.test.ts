import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importJson } from '../../src/experiment/codec';
import type { ExperimentConfig } from '../../src/experiment/schema';
import { packagePlan } from '../../src/scale-out/manifest';
import { estimateSweep, middleLr } from './estimate';

const tiny = (): ExperimentConfig => {
  const decoded = importJson(readFileSync('e2e/fixtures/tiny.json', 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.config;
};

describe('estimateSweep', () => {
  it('follows R(B) = a + b/B pinned by the reference, with the cap, evaluations and per-step overhead', () => {
    // D = 2048 tokens of T = 32: the reference at B = 4 takes 16 steps. With b/a = 4: a = 8, b = 32,
    // so R(8) = 12 and R(16) = 10; at B = 4 the sweep run needs R(4) = 16 steps.
    const config: ExperimentConfig = {
      ...tiny(),
      learningRates: { values: [1e-3, 1e-2, 3e-2], exponent: 0, baseBatch: 4 },
      ewa: { horizons: [0.4] },
      evaluation: { spacing: 2, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 512, probeTokens: 0 },
    };
    const plan = packagePlan(config, 257);
    const cost = estimateSweep(plan, { criticalBatch: () => 4, offBestSteps: 2, bestLr: middleLr, tokensPerSecondPerGpu: 1000, gpus: 2, stepOverheadSeconds: 0.5 });
    const steps = Object.fromEntries(cost.runs.map((r) => [`${r.spec.batchSize}${r.spec.role === 'reference' ? 'ref' : ''}@${r.spec.peakLr}`, [r.steps, r.reachesTarget]]));
    expect(steps).toEqual({
      '4ref@0.01': [16, true],
      '4@0.001': [32, true],
      '4@0.01': [16, true],
      '4@0.03': [32, true],
      '8@0.001': [24, true],
      '8@0.01': [12, true],
      '8@0.03': [24, true],
      // 2 × 10 steps exceed the cap of 4·D / (16·32) = 16 steps: those runs stop at the cap.
      '16@0.001': [16, false],
      '16@0.01': [10, true],
      '16@0.03': [16, false],
    });
    const run = cost.runs.find((r) => r.spec.batchSize === 8 && r.spec.peakLr === 0.01)!;
    expect(run.trainTokens).toBe(12 * 8 * 32);
    // Far from the target, evaluations at steps 1, 2, 4, 8 (spacing 2) and the last, 12: each two
    // forward passes (one EWA decay and the raw weights). Near it, over the last 10% of the steps
    // (at least one step apart, 1.05× apart): min(⌈1.2⌉, ⌈ln(1/0.9) / ln 1.05⌉) = 2, each one pass
    // per decay. A forward pass over 512 validation tokens costs a third of 512 training tokens.
    expect(run.evaluations).toEqual({ far: 5, near: 2 });
    expect(run.evalTokens).toBeCloseTo(((5 * 2 + 2 * 1) * 512) / 3, 9);
    expect(run.gpuSeconds).toBeCloseTo(((run.trainTokens + run.evalTokens) / 2000 + 12 * 0.5) * 2, 9);
    expect(cost.gpuHours * 3600).toBeCloseTo(cost.runs.reduce((s, r) => s + r.gpuSeconds, 0), 6);
    expect(cost.wallHours).toBeCloseTo(cost.gpuHours / 2, 12);
    expect(cost.capTokens).toBe(plan.reduce((s, r) => s + r.maxSteps * r.batchSize * 32, 0));
  });
});
