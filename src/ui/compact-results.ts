// Results as a link carries them: what the charts need, at the precision they need. The JSON
// export keeps every step and evaluation; a results link would not fit (a preset's runs record
// tens of thousands of per-step statistics), so this one function decides what a link keeps:
//
// - Evaluations: each run's first and last, the crossing of its target (the first evaluation at
//   or below it, and the one before, unrounded), and up to EVALS_KEPT more spread evenly in
//   log(step), with losses to 4 significant digits (never rounded across the target). Steps to
//   target, the fit, B* and its interval at the results' own targets are therefore exactly those
//   of the full results; at another target they come from the thinned curve.
// - Per-step statistics: two points per run, the means over the first and the second half of its
//   steps. The gradient noise scale's summary is mean tr(Σ) / mean |G|² over the last half of the
//   steps (src/cbs/noise-scale.ts), and both are linear in the squared norms, so the two means
//   give the same B_simple (src/ui/compact-results.test.ts checks it on every preset).
//
// The output is valid ExperimentResults (the codec validates links as any other results).
import type { EvalPoint, ExperimentResults, RunRecord, StepStats } from '../experiment/schema';
import { DEFAULT_NOISE_SCALE } from '../cbs/noise-scale';

/** Evaluations kept per run besides the first, the last and the crossing. */
export const EVALS_KEPT = 6;
const LOSS_DIGITS = 4;
const NORM_DIGITS = 6;

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

function crossingIndex(evals: readonly EvalPoint[], target: number | null): number {
  if (target === null) return -1;
  return evals.findIndex((e) => Number.isFinite(e.ewaLoss) && e.ewaLoss <= target);
}

function compactEvals(record: RunRecord, target: number | null): EvalPoint[] {
  const evals = [...record.evals].sort((p, q) => p.step - q.step);
  if (evals.length <= EVALS_KEPT + 2) return evals;
  const hit = crossingIndex(evals, target);
  const exact = new Set<number>([0, evals.length - 1]);
  if (hit >= 0) {
    exact.add(hit);
    if (hit > 0) exact.add(hit - 1);
  }
  const keep = new Set(exact);
  const logFirst = Math.log(Math.max(1, evals[0].step));
  const logLast = Math.log(Math.max(1, evals[evals.length - 1].step));
  for (let k = 1; k <= EVALS_KEPT; k++) {
    const want = logFirst + ((logLast - logFirst) * k) / (EVALS_KEPT + 1);
    let best = 0;
    for (let i = 1; i < evals.length; i++) {
      if (Math.abs(Math.log(Math.max(1, evals[i].step)) - want) < Math.abs(Math.log(Math.max(1, evals[best].step)) - want)) best = i;
    }
    keep.add(best);
  }
  return [...keep]
    .sort((p, q) => p - q)
    .map((i) => {
      const e = evals[i];
      if (exact.has(i)) return { ...e };
      const ewaLoss = round(e.ewaLoss, LOSS_DIGITS);
      // Before the crossing every loss is above the target; rounding must not carry it across.
      const crosses = target !== null && (hit < 0 || i < hit) && e.ewaLoss > target && !(ewaLoss > target);
      return { ...e, ewaLoss: crosses ? e.ewaLoss : ewaLoss, rawLoss: round(e.rawLoss, LOSS_DIGITS) };
    });
}

function meanStep(block: readonly StepStats[]): StepStats {
  const mean = (k: keyof StepStats) => block.reduce((s, x) => s + x[k], 0) / block.length;
  return {
    step: block[block.length - 1].step,
    trainLoss: round(mean('trainLoss'), LOSS_DIGITS),
    lr: round(mean('lr'), LOSS_DIGITS),
    gradNorm: round(mean('gradNorm'), LOSS_DIGITS),
    microGradSq: round(mean('microGradSq'), NORM_DIGITS),
    batchGradSq: round(mean('batchGradSq'), NORM_DIGITS),
    tokensPerSecond: round(mean('tokensPerSecond'), 3),
  };
}

function compactSteps(steps: readonly StepStats[]): StepStats[] {
  const usable = steps.filter((s) => Number.isFinite(s.microGradSq) && Number.isFinite(s.batchGradSq)).sort((p, q) => p.step - q.step);
  if (usable.length <= 2) return usable.map((s) => ({ ...s }));
  // The noise-scale summary's window: the steps from index `from` on (see the file comment).
  const from = Math.min(usable.length - 1, Math.floor(usable.length * (1 - DEFAULT_NOISE_SCALE.summaryFraction)));
  return [meanStep(usable.slice(0, from)), meanStep(usable.slice(from))];
}

/** The results a link carries (see the file comment); the input is not changed. */
export function compactResults(results: ExperimentResults): ExperimentResults {
  return {
    ...results,
    runs: results.runs.map((run) => ({
      ...run,
      evals: compactEvals(run, run.spec.isReference ? null : (run.spec.targetLoss ?? results.targetLoss)),
      steps: compactSteps(run.steps),
    })),
  };
}
