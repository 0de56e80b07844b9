import { describe, expect, it } from 'vitest';
import { EXPERIMENT_PRESETS } from '../experiment/presets';
import { planRuns } from '../experiment/plan';
import { isNearTarget, shouldEvaluate } from '../train/eval-schedule';
import { decodeLink, encodeResultsFragment, RESULTS_LINK_LIMIT } from '../experiment/codec';
import { validateResults } from '../experiment/validate';
import { RESULTS_VERSION, type EvalPoint, type ExperimentConfig, type ExperimentResults, type RunRecord, type StepStats } from '../experiment/schema';
import { mulberry32 } from '../util/random';
import { syntheticResults } from '../experiment/synthetic';
import { measurementKey, measurementPairs } from '../experiment/plan';
import { compactResults, EVALS_KEPT } from './compact-results';
import { chartModel } from './chart-model';

const TARGET = 3;

/**
 * Results of the shape a preset's sweep records: its real run plan, the trainer's evaluation
 * schedule, one StepStats per step. Losses fall as 2.5 + 0.5·√(R/step), so each run crosses the
 * target 3 at R(B) = a + b/B steps (other learning rates later), or never within its cap.
 */
function presetResults(config: ExperimentConfig): ExperimentResults {
  const rand = mulberry32(3);
  const plan = planRuns(config, { vocabSize: 4096, microBatchFor: (_m, b) => Math.max(1, b / 2) });
  const runs: RunRecord[] = plan.map((spec) => {
    const ctx = spec.model.context;
    const b = (0.5 * spec.dataSize) / ctx;
    // The learning rates at one (model, D, B) in plan order: the first is the best.
    const reference = spec.role === 'reference';
    const lrIndex = Math.max(0, plan.filter((s) => !reference && s.role === 'sweep' && s.replicate === spec.replicate && s.batchSize === spec.batchSize && s.dataSize === spec.dataSize && s.model.name === spec.model.name).indexOf(spec));
    const crossing = reference ? spec.maxSteps : (b / 32 + b / spec.batchSize) * (1 + 0.2 * lrIndex) * (1 + 0.05 * spec.replicate);
    const targetLoss = reference ? null : TARGET;
    const loss = (s: number) => 2.5 + 0.5 * Math.sqrt(crossing / s) * (1 + 0.002 * (rand() - 0.5));
    const evals: EvalPoint[] = [];
    const steps: StepStats[] = [];
    let stepsToTarget: number | null = null;
    let step = 1;
    for (; step <= spec.maxSteps; step++) {
      const g = 1 / (1 + step / 50);
      steps.push({ step, trainLoss: loss(step) + 0.05, lr: spec.peakLr, gradNorm: Math.sqrt(g), microGradSq: g * (1 + 48 / spec.microBatch) * (1 + 0.2 * (rand() - 0.5)), batchGradSq: g * (1 + 48 / spec.batchSize) * (1 + 0.2 * (rand() - 0.5)), tokensPerSecond: 1e4 });
      const last = evals.at(-1);
      if (shouldEvaluate(step, spec.evaluation, { maxSteps: spec.maxSteps, targetLoss, last: last ? { step: last.step, ewaLoss: last.ewaLoss } : null })) {
        // As the trainer records them: near the target every decay and no raw loss, far from it one decay.
        const near = step >= spec.maxSteps || isNearTarget(spec.evaluation, { maxSteps: spec.maxSteps, targetLoss, last: last ? { step: last.step, ewaLoss: last.ewaLoss } : null });
        const ewaLosses = spec.ewaDecays.map((_, k) => (near || k === 0 ? loss(step) + 0.01 * k : null));
        const ewaLoss = Math.min(...ewaLosses.filter((l): l is number => l !== null));
        evals.push({ step, tokens: step * spec.batchSize * ctx, validationTokens: 4096, ewaLoss, ewaLosses, rawLoss: near ? null : ewaLoss + 0.03 });
        if (targetLoss !== null && stepsToTarget === null && ewaLoss <= targetLoss) {
          stepsToTarget = step;
          if (spec.stopAtTarget) break;
        }
      }
    }
    const done = Math.min(step, spec.maxSteps);
    return { spec: { ...spec, targetLoss }, status: stepsToTarget !== null ? 'reached-target' : 'finished', evals, steps, stepsToTarget, stepsDone: done, tokensDone: done * spec.batchSize * ctx, failure: null, wallSeconds: done / 10, adapter: 'synthetic' };
  });
  const targets = measurementPairs(config).map((pair) => ({ group: measurementKey({ ...pair.model, vocabSize: pair.model.vocabSize || 4096 }, pair.dataSize), loss: TARGET, from: [] }));
  return { version: RESULTS_VERSION, config, targets, runs, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T01:00:00.000Z', adapter: 'synthetic' };
}

/** What the charts show: per measurement its points, fit, B*, interval and noise scale. */
function shown(results: ExperimentResults) {
  const m = chartModel(results, { resamples: 200 });
  return m.measurements.map((x) => ({
    key: x.key,
    points: x.points.map((p) => [p.batchSize, p.steps, p.bestRunId]),
    fit: [x.fit?.a, x.fit?.b],
    bStar: x.cbs?.bStar,
    interval: [x.interval?.lower, x.interval?.upper],
    noise: x.noiseScale.median,
  }));
}

describe('compactResults: what a results link carries', () => {
  it.each(EXPERIMENT_PRESETS.map((p) => [p.id, p] as const))('the %s preset’s results fit in a link and chart exactly as the full results', (_id, preset) => {
    const full = presetResults(preset.config());
    const compact = compactResults(full);
    expect(validateResults(JSON.parse(JSON.stringify(compact)))).toEqual([]);
    const link = encodeResultsFragment(compact);
    expect(link.ok, `${preset.id}: ${link.chars} characters`).toBe(true);
    expect(link.chars).toBeLessThanOrEqual(RESULTS_LINK_LIMIT);
    console.log(`${preset.id}: ${full.runs.length} runs, link ${link.chars} characters`);
    const decoded = decodeLink(link.ok ? link.fragment : '');
    if (!decoded.ok || decoded.kind !== 'results') throw new Error('the link does not decode to results');
    const before = shown(full);
    const after = shown(decoded.results);
    expect(after.map((g) => g.points)).toEqual(before.map((g) => g.points));
    expect(after.map((g) => g.bStar)).toEqual(before.map((g) => g.bStar));
    expect(after.map((g) => g.interval)).toEqual(before.map((g) => g.interval));
    for (let i = 0; i < before.length; i++) {
      expect(after[i].fit[0]).toBeCloseTo(before[i].fit[0] as number, 9);
      // The noise scale from two block means equals the one from every step (to rounding).
      if (before[i].noise === null) expect(after[i].noise).toBeNull();
      else expect(Math.abs((after[i].noise as number) / (before[i].noise as number) - 1)).toBeLessThan(1e-4);
    }
  });

  it('keeps the crossing where it was, never rounds a loss across the target, and keeps two block means of the steps', () => {
    const full = syntheticResults({ stepStride: 1 });
    const compact = compactResults(full);
    for (let r = 0; r < full.runs.length; r++) {
      const run = full.runs[r];
      const kept = compact.runs[r].evals;
      expect(kept.length).toBeLessThanOrEqual(Math.min(run.evals.length, EVALS_KEPT + 4));
      expect(kept[0].step).toBe(run.evals[0].step);
      expect(kept.at(-1)!.step).toBe(run.evals.at(-1)!.step);
      if (run.spec.role === 'reference') continue;
      const target = full.targets[0].loss;
      const hit = run.evals.findIndex((e) => e.ewaLoss <= target);
      const keptHit = kept.findIndex((e) => e.ewaLoss <= target);
      if (hit < 0) expect(keptHit).toBe(-1);
      else {
        expect(kept[keptHit].step).toBe(run.evals[hit].step);
        if (hit > 0) expect(kept[keptHit - 1].step).toBe(run.evals[hit - 1].step);
      }
      for (const e of kept) {
        const original = run.evals.find((x) => x.step === e.step)!;
        expect(Math.abs(e.ewaLoss - original.ewaLoss)).toBeLessThanOrEqual(5e-4 * original.ewaLoss);
        expect(e.ewaLoss <= target).toBe(original.ewaLoss <= target);
      }
      expect(compact.runs[r].steps.length).toBeLessThanOrEqual(2);
    }
    // The input is left as it was (the JSON export keeps every step).
    expect(full.runs[1].steps.length).toBeGreaterThan(2);
  });
});
