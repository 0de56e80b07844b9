// Results as a link carries them: what the charts need, at the precision they need. The JSON
// export keeps every step and evaluation; a results link would not fit (a preset's runs record
// tens of thousands of per-step statistics), so this one function decides what a link keeps:
//
// - Evaluations: each run's first and last, the crossing of its measurement's target (the first
//   evaluation at or below it, and the one before), and up to EVALS_KEPT more spread evenly in
//   log(step). Losses keep 4 significant digits, more where that would carry a loss across the
//   target, and 7 around the crossing when the analysis interpolates it; each EWA decay's own
//   loss (which decay won: no chart draws it) keeps 3.
//   Steps to target, the fit, B* and its interval at the results' own targets are therefore those
//   of the full results (exactly without interpolation); at another target they come from the
//   thinned curve.
// - Per-step statistics: two points per run, the means over the first and the second half of its
//   steps. The gradient noise scale's summary is mean tr(Σ) / mean |G|² over the last half of the
//   steps (src/cbs/noise-scale.ts), and both are linear in the squared norms, so the two means
//   give the same B_simple (src/ui/compact-results.test.ts checks it on every preset).
//
// The output is valid ExperimentResults (the codec validates links as any other results).
import type { EvalPoint, ExperimentResults, RunRecord, StepStats } from '../experiment/schema';
import { DEFAULT_NOISE_SCALE } from '../cbs/noise-scale';
import { targetOf } from '../experiment/results';

/** Evaluations kept per run besides the first, the last and the crossing. */
export const EVALS_KEPT = 6;
const LOSS_DIGITS = 4;
/** Each EWA decay's loss: which decay won is a diagnostic no chart draws. */
const DECAY_LOSS_DIGITS = 3;
const NORM_DIGITS = 6;

const round = (x: number, digits: number) => (Number.isFinite(x) ? Number(x.toPrecision(digits)) : x);

function crossingIndex(evals: readonly EvalPoint[], target: number | null): number {
  if (target === null) return -1;
  return evals.findIndex((e) => Number.isFinite(e.ewaLoss) && e.ewaLoss <= target);
}

/** `x` to the fewest digits (from `digits` up) that keep it on its side of the target. */
function roundBeside(x: number, digits: number, target: number | null): number {
  if (target === null || !Number.isFinite(x)) return round(x, digits);
  for (let d = digits; d < 17; d++) {
    const r = round(x, d);
    if (r <= target === x <= target) return r;
  }
  return x;
}

function compactEvals(record: RunRecord, target: number | null, interpolate: boolean): EvalPoint[] {
  const evals = [...record.evals].sort((p, q) => p.step - q.step);
  const hit = crossingIndex(evals, target);
  // Always kept: the first and last evaluation, and the crossing with the one before it.
  const keep = new Set<number>([0, evals.length - 1]);
  if (hit >= 0) {
    keep.add(hit);
    if (hit > 0) keep.add(hit - 1);
  }
  const logOf = (i: number) => Math.log(Math.max(1, evals[i].step));
  for (let k = 1; k <= EVALS_KEPT && evals.length > 0; k++) {
    const want = logOf(0) + ((logOf(evals.length - 1) - logOf(0)) * k) / (EVALS_KEPT + 1);
    let best = 0;
    for (let i = 1; i < evals.length; i++) if (Math.abs(logOf(i) - want) < Math.abs(logOf(best) - want)) best = i;
    keep.add(best);
  }
  return [...keep]
    .sort((p, q) => p - q)
    .map((i) => {
      const e = evals[i];
      // Interpolation reads the two losses around the crossing: those stay exact, so a link's
      // steps to target are the full results' to the last digit.
      const exact = interpolate && hit >= 0 && (i === hit || i === hit - 1);
      return { ...e, ewaLoss: exact ? e.ewaLoss : roundBeside(e.ewaLoss, LOSS_DIGITS, target), ewaLosses: e.ewaLosses.map((l) => (l === null ? null : round(l, DECAY_LOSS_DIGITS))), rawLoss: e.rawLoss === null ? null : round(e.rawLoss, LOSS_DIGITS) };
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
      evals: compactEvals(run, run.spec.role === 'reference' ? null : (targetOf(results.targets, run.spec) ?? run.spec.targetLoss), results.config.analysis.interpolate),
      steps: compactSteps(run.steps),
    })),
  };
}
