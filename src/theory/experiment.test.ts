import { describe, expect, it } from 'vitest';
import { fitPaperCurve } from '../cbs/fit';
import { cbsClosedForm } from '../cbs/cbs';
import { stepsToTarget } from '../cbs/steps-to-target';
import type { TheoryConfig } from './config';
import { makeProblem, stepSizeBound } from './problem';
import { analyzeTheoryRuns, maxStepsFor, runModelSizeSweep, runTheoryExperiment, trainerOptionsFor, type TheoryResults } from './experiment';
import type { TrainerSession } from './lanes';
import { tinyTheoryConfig } from './presets';
import { ExpectedRiskTrainer } from './trainer.expected';
import { ReferenceTrainer } from './trainer.ref';

/** Small enough for the float64 reference to run in about a second. */
function tinyConfig(): TheoryConfig {
  const tiny = tinyTheoryConfig();
  return { ...tiny, learningRateSearch: 'grid', analysis: { ...tiny.analysis, bootstrapResamples: 50, seeds: 'replicates' } };
}

const onCpu = async (...args: ConstructorParameters<typeof ReferenceTrainer>): Promise<TrainerSession> => new ReferenceTrainer(...args);

function hasNoNonFinite(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(hasNoNonFinite);
  if (value && typeof value === 'object') return Object.values(value).every(hasNoNonFinite);
  return true;
}

describe('theory experiment, seeds as replicates (on the float64 reference)', () => {
  let results: TheoryResults;

  it('runs the reference runs, the sweep and the analysis; the results are plain JSON', async () => {
    const progress: string[] = [];
    results = await runTheoryExperiment(tinyConfig(), onCpu, { onProgress: (p) => progress.push(p.phase) });
    expect(progress[0]).toBe('reference');
    expect(progress[progress.length - 1]).toBe('sweep');
    expect(hasNoNonFinite(results)).toBe(true);
    expect(JSON.parse(JSON.stringify(results))).toEqual(results);
    expect(results.predicted).toBe(0.5);
    expect(results.outcomes.map((o) => o.budget)).toEqual([512, 1024, 2048]);
    expect(results.runs).toHaveLength(2 * 4 * tinyConfig().learningRates.length);
    expect(results.measured).toBe(results.scaling.e);
    expect(results.interval).toEqual(results.scaling.exponentInterval);
    // The tiny grid goes to γ = 2, above 1/(2 tr H): the results say so.
    const bound = stepSizeBound(makeProblem(tinyConfig()));
    const above = tinyConfig().learningRates.filter((r) => r > bound);
    expect(above.length).toBeGreaterThan(0);
    expect(results.notes.find((n) => n.includes('above 1/(2 tr H)'))).toContain(above.map((r) => +r.toPrecision(3)).join(', '));
  });

  it('the analysis of the saved runs (a results file) gives the same numbers', () => {
    const saved = JSON.parse(JSON.stringify(results)) as TheoryResults;
    const { runs, timing, ...analyzed } = results;
    expect(runs.length).toBeGreaterThan(0);
    expect(timing.analysisMs).toBeGreaterThanOrEqual(0);
    expect(analyzeTheoryRuns(saved.config, saved.runs)).toEqual(analyzed);
  });

  it('the target of a budget is each seed\'s best reference risk there, averaged over the seeds', () => {
    const config = tinyConfig();
    for (const o of results.outcomes) {
      const step = o.budget / config.referenceBatch;
      const bests = config.seeds.map((seed) => {
        const risks = results.runs
          .filter((r) => r.seed === seed && r.batchSize === config.referenceBatch && r.evalSteps.includes(step))
          .map((r) => r.averageRisk[0][r.evalSteps.indexOf(step)])
          .filter((v): v is number => v !== null);
        return Math.min(...risks);
      });
      expect(o.target).toBeCloseTo((bests[0] + bests[1]) / 2, 15);
      // The luckier seed's reference run reaches the mean of the two by the budget.
      const ref = o.points.find((p) => p.batchSize === config.referenceBatch);
      expect(Math.min(...(ref?.seeds ?? []).map((x) => x.steps ?? Infinity))).toBeLessThanOrEqual(step);
    }
  });

  it('R(B) of each seed, the fit over every seed\'s points and B* are src/cbs applied to the runs', () => {
    const config = tinyConfig();
    for (const o of results.outcomes) {
      const fitPoints: { batchSize: number; steps: number; censored?: boolean }[] = [];
      for (const p of o.points) {
        for (const s of p.seeds) {
          const runs = results.runs.filter((r) => r.seed === s.seed && r.batchSize === p.batchSize);
          const steps = runs.map((r) => {
            const x = stepsToTarget(
              r.evalSteps.map((step, j) => ({ step, tokens: step, validationTokens: 0, ewaLoss: r.averageRisk[0][j] ?? Number.NaN, ewaLosses: [], rawLoss: null })),
              o.target,
              config.analysis.interpolate,
            );
            return x.reached ? x.steps : Infinity;
          });
          const best = Math.min(...steps);
          expect(s.steps).toBe(Number.isFinite(best) ? best : null);
          if (s.lr !== null) expect(steps[runs.findIndex((r) => r.lr === s.lr)]).toBe(best);
          if (s.steps !== null) fitPoints.push({ batchSize: p.batchSize, steps: s.steps });
          else {
            // None reached the target: runs that ran to their cap bound R(B) from below (censored).
            const capped = runs.filter((r) => r.status === 'capped').map((r) => r.steps);
            expect(s.censoredAbove).toBe(capped.length > 0 ? Math.max(...capped) : null);
            if (capped.length > 0) fitPoints.push({ batchSize: p.batchSize, steps: Math.max(...capped), censored: true });
          }
        }
        const reachedAll = p.seeds.every((s) => s.steps !== null);
        if (reachedAll) expect(p.steps).toBeCloseTo(Math.sqrt((p.seeds[0].steps as number) * (p.seeds[1].steps as number)), 9);
        else expect(p.steps).toBeNull();
      }
      const fit = fitPaperCurve(fitPoints);
      const baseline = (o.points.find((p) => p.steps !== null) as { batchSize: number }).batchSize;
      if (fit.a !== null && fit.b !== null && fit.a > 0) expect(o.bStar).toBeCloseTo(cbsClosedForm(fit.a, fit.b, baseline, 0.2), 9);
      expect(o.seedBStars.map((x) => x.seed)).toEqual([1, 2]);
    }
  });

  it('each sweep group stopped once one of its lanes reached the lowest target, or ran to its cap', () => {
    const config = tinyConfig();
    const lowest = Math.min(...results.outcomes.map((o) => o.target));
    for (const b of config.batchSizes.filter((x) => x !== config.referenceBatch)) {
      for (const seed of config.seeds) {
        const runs = results.runs.filter((r) => r.batchSize === b && r.seed === seed);
        const statuses = new Set(runs.map((r) => r.status));
        const reached = runs.some((r) => r.averageRisk[0].some((v) => v !== null && v <= lowest));
        if (reached) expect(statuses.has('running')).toBe(false);
        else for (const r of runs) expect(['capped', 'diverged']).toContain(r.status);
        for (const r of runs) expect(r.steps).toBeLessThanOrEqual(maxStepsFor(config, b));
      }
    }
    // The schedule holds every budget's step at the reference batch size and every cap.
    const steps = trainerOptionsFor(config).evalSteps;
    for (const d of config.budgets) expect(steps).toContain(d);
    for (const b of config.batchSizes) expect(steps).toContain(maxStepsFor(config, b));
  });

  it('the monotone learning-rate search finds the same R(B) as the grid with fewer runs (exact expected risks, no noise)', async () => {
    const config = { ...tinyConfig(), seeds: [1], budgets: [512, 1024, 2048, 4096], batchSizes: [1, 2, 4, 8, 16, 32, 64, 128] };
    const onExpected = async (...args: ConstructorParameters<typeof ExpectedRiskTrainer>): Promise<TrainerSession> => new ExpectedRiskTrainer(...args);
    const grid = await runTheoryExperiment({ ...config, learningRateSearch: 'grid' }, onExpected);
    const monotone = await runTheoryExperiment({ ...config, learningRateSearch: 'monotone' }, onExpected);
    expect(monotone.outcomes.map((o) => o.points)).toEqual(grid.outcomes.map((o) => o.points));
    expect(monotone.outcomes.map((o) => o.bStar)).toEqual(grid.outcomes.map((o) => o.bStar));
    expect(monotone.runs.length).toBeLessThan(0.6 * grid.runs.length);
    // The best learning rate grows with B until it saturates: the assumption the search rests on.
    for (const o of grid.outcomes) {
      const lrs = o.points.map((p) => p.seeds[0].lr as number);
      lrs.slice(1).forEach((lr, i) => expect(lr).toBeGreaterThanOrEqual(lrs[i]));
    }
  });

  it('B* against M: it grows with M and saturates once M holds the resolved directions', async () => {
    const config = { ...tinyConfig(), seeds: [1], budgets: [512, 1024, 2048], batchSizes: [1, 2, 4, 8, 16, 32, 64, 128], learningRateSearch: 'monotone' as const };
    const onExpected = async (...args: ConstructorParameters<typeof ExpectedRiskTrainer>): Promise<TrainerSession> => new ExpectedRiskTrainer(...args);
    const sweep = await runModelSizeSweep(config, [32, 4, 8], onExpected);
    expect(sweep.dims).toEqual([4, 8, 32]);
    expect(sweep.config.dim).toBe(32);
    const bStar = sweep.results.map((r) => r.outcomes.map((o) => o.bStar as number));
    // k(2048) ≈ 6.7: M = 4 and 8 cut into the resolved directions, M = 32 does not.
    bStar[0].forEach((b, i) => {
      expect(b).toBeLessThan(bStar[1][i]);
      expect(bStar[1][i]).toBeLessThan(bStar[2][i]);
    });
    await expect(runModelSizeSweep(config, [4, 8], onExpected)).rejects.toThrow(/invalid theory config at M = 8:\ndim: M = 8 is too small for the budget/);
  });

  it('refuses an invalid config before running anything', async () => {
    let created = 0;
    const counting = async (...args: ConstructorParameters<typeof ReferenceTrainer>) => {
      created++;
      return new ReferenceTrainer(...args);
    };
    await expect(runTheoryExperiment({ ...tinyConfig(), a: 0.9 }, counting)).rejects.toThrow(/invalid theory config:\na: a must be greater than 1/);
    await expect(runTheoryExperiment({ ...tinyConfig(), dim: 8 }, counting)).rejects.toThrow(/dim: M = 8 is too small for the budget/);
    expect(created).toBe(0);
  });

  it('stops when asked to', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runTheoryExperiment(tinyConfig(), onCpu, { signal: controller.signal })).rejects.toThrow(/stopped/);
  });
});

describe('theory experiment, mean-risk analysis (on the float64 reference)', () => {
  const config: TheoryConfig = { ...tinyConfig(), analysis: { ...tinyConfig().analysis, seeds: 'mean-risk' } };
  let results: TheoryResults;
  /** The seed-mean of average 0 of the runs at (B, γ), over the evaluations every seed made. */
  const meanCurve = (batchSize: number, lr: number) => {
    const runs = results.runs.filter((r) => r.batchSize === batchSize && r.lr === lr);
    expect(runs.map((r) => r.seed)).toEqual(config.seeds);
    const count = Math.min(...runs.map((r) => r.evalSteps.length));
    const steps = runs[0].evalSteps.slice(0, count);
    return { steps, risk: steps.map((_, j) => runs.reduce((sum, r) => sum + (r.averageRisk[0][j] ?? Number.NaN), 0) / runs.length), capped: runs.every((r) => r.status === 'capped') };
  };

  it('runs, and analyses its saved runs to the same numbers', async () => {
    results = await runTheoryExperiment(config, onCpu);
    expect(hasNoNonFinite(results)).toBe(true);
    const { runs, timing, ...analyzed } = results;
    expect(timing.sweepMs).toBeGreaterThanOrEqual(0);
    expect(analyzeTheoryRuns(config, JSON.parse(JSON.stringify(runs)) as TheoryResults['runs'])).toEqual(analyzed);
  });

  it('a batch size\'s seeds stop together, once a seed-mean curve reaches the lowest target', () => {
    const lowest = Math.min(...results.outcomes.map((o) => o.target));
    for (const b of config.batchSizes.filter((x) => x !== config.referenceBatch)) {
      // Every lane that did not diverge stopped at the same step in every seed.
      expect(new Set(results.runs.filter((r) => r.batchSize === b && r.status !== 'diverged').map((r) => r.steps)).size).toBe(1);
      const curves = config.learningRates.map((lr) => meanCurve(b, lr));
      expect(curves.some((c) => c.risk.some((v) => v <= lowest)) || curves.every((c) => c.capped)).toBe(true);
    }
  });

  it('the target is the best seed-mean reference risk; R(B) the first crossing of the best seed-mean curve; B* from their fit', () => {
    for (const o of results.outcomes) {
      const step = o.budget / config.referenceBatch;
      const refRisks = config.learningRates
        .map((lr) => meanCurve(config.referenceBatch, lr))
        .map((c) => c.risk[c.steps.indexOf(step)])
        .filter(Number.isFinite);
      expect(o.target).toBeCloseTo(Math.min(...refRisks), 15);
      const fitPoints: { batchSize: number; steps: number; censored?: boolean }[] = [];
      for (const p of o.points) {
        const crossings = config.learningRates.map((lr) => {
          const c = meanCurve(p.batchSize, lr);
          const x = stepsToTarget(
            c.steps.map((st, j) => ({ step: st, tokens: st, validationTokens: 0, ewaLoss: c.risk[j], ewaLosses: [], rawLoss: null })),
            o.target,
            config.analysis.interpolate,
          );
          return { steps: x.reached ? x.steps : Infinity, cap: c.capped ? c.steps.at(-1)! : null };
        });
        const best = Math.min(...crossings.map((c) => c.steps));
        expect(p.steps).toBe(Number.isFinite(best) ? best : null);
        const caps = crossings.map((c) => c.cap).filter((c): c is number => c !== null);
        if (Number.isFinite(best)) fitPoints.push({ batchSize: p.batchSize, steps: best });
        else if (caps.length > 0) fitPoints.push({ batchSize: p.batchSize, steps: Math.max(...caps), censored: true });
        // Each seed on its own as well, for the spread, against its own best reference risk:
        // its best reference run reaches it by the budget.
        expect(p.seeds.map((x) => x.seed)).toEqual(config.seeds);
        if (p.batchSize === config.referenceBatch) for (const x of p.seeds) expect(x.steps).toBeLessThanOrEqual(step);
      }
      const fit = fitPaperCurve(fitPoints);
      const baseline = (o.points.find((p) => p.steps !== null) as { batchSize: number }).batchSize;
      if (fit.a !== null && fit.b !== null && fit.a > 0) expect(o.bStar).toBeCloseTo(cbsClosedForm(fit.a, fit.b, baseline, 0.2), 9);
      expect(o.seedBStars.map((x) => x.seed)).toEqual(config.seeds);
    }
  });

  it('the fit-free crossing: where the seed-mean R(B) first exceeds 1.2× linear scaling, interpolated in log–log; its exponent, the power law over the budgets', async () => {
    // Exact expected risks over 4 budgets and batch sizes to 128: the line is crossed at every budget.
    const onExpected = async (...args: ConstructorParameters<typeof ExpectedRiskTrainer>): Promise<TrainerSession> => new ExpectedRiskTrainer(...args);
    const results = await runTheoryExperiment({ ...config, seeds: [1], budgets: [512, 1024, 2048, 4096], batchSizes: [1, 2, 4, 8, 16, 32, 64, 128], learningRateSearch: 'monotone' }, onExpected);
    const logs: { x: number; y: number }[] = [];
    for (const o of results.outcomes) {
      const measured = o.points.filter((p) => p.steps !== null);
      const base = { batchSize: measured[0].batchSize, ratio: 1 };
      const baseSteps = measured[0].steps as number;
      let previous = base;
      let expected: number | null = null;
      for (const p of o.points.filter((q) => q.batchSize > base.batchSize)) {
        if (p.steps === null) break; // censored: only a bound on its ratio
        const ratio = p.steps / ((baseSteps * base.batchSize) / p.batchSize);
        if (ratio > 1.2) {
          const t = Math.log(1.2 / previous.ratio) / Math.log(ratio / previous.ratio);
          expected = previous.batchSize * (p.batchSize / previous.batchSize) ** t;
          break;
        }
        previous = { batchSize: p.batchSize, ratio };
      }
      if (expected === null) expect(o.crossing).toBeNull();
      else {
        expect(o.crossing).toBeCloseTo(expected, 9);
        logs.push({ x: Math.log(o.budget), y: Math.log(expected) });
      }
    }
    expect(logs).toHaveLength(4);
    const mean = (f: (p: { x: number; y: number }) => number) => logs.reduce((sum, p) => sum + f(p), 0) / logs.length;
    const mx = mean((p) => p.x);
    const my = mean((p) => p.y);
    const slope = logs.reduce((sum, p) => sum + (p.x - mx) * (p.y - my), 0) / logs.reduce((sum, p) => sum + (p.x - mx) ** 2, 0);
    expect(results.crossing.measured).toBeCloseTo(slope, 9);
  });
});
