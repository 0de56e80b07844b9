// A seeded bootstrap confidence interval for B*. Every resample refits log R = log(a + b/B) and
// takes the closed-form B* at the same baseline and overhead as the point estimate.
import { mulberry32 } from '../util/random';
import { cbsClosedForm } from './cbs';
import { type CurvePoint, fitPaperCurve } from './fit';

/**
 * - points (default): resample the (B, R(B)) points with replacement, i.e. the best run at each
 *   batch size. Works with one run per batch size (CSV input, economical sweeps) and carries any
 *   lack of fit of the curve into the interval, because it does not assume the curve is right.
 * - runs: resample the runs within each batch size with replacement and retake R(B) = min. Only
 *   informative with several runs per batch size (seeds or learning rates); with one run per B it
 *   has no spread at all, which the note says.
 * - residuals: keep the batch sizes, add resampled log residuals of the fit (scaled by
 *   sqrt(n/dof)) to the fitted curve. Assumes the curve's shape is right; useful with few points.
 */
export type BootstrapMethod = 'points' | 'runs' | 'residuals';

export interface BootstrapOptions {
  method: BootstrapMethod;
  /** Two-sided confidence level, 0.9 by default. */
  level: number;
  resamples: number;
  seed: number;
  /** Fewer distinct measured batch sizes than this gives no interval (default 3). */
  minDistinct: number;
}

export const DEFAULT_BOOTSTRAP: BootstrapOptions = { method: 'points', level: 0.9, resamples: 1000, seed: 1, minDistinct: 3 };

export interface BootstrapInterval {
  status: 'ok' | 'too-few-points' | 'failed';
  note: string | null;
  method: BootstrapMethod;
  level: number;
  resamples: number;
  seed: number;
  /** Percentile interval for B*; upper is null when it is unbounded (fits with a = 0 reach that percentile). */
  lower: number | null;
  upper: number | null;
  upperUnbounded: boolean;
  median: number | null;
  /** Resamples that gave a fit; discarded ones had fewer than 2 distinct batch sizes. */
  used: number;
  discarded: number;
  /** Resamples whose fit had a = 0 (B* unbounded). */
  unbounded: number;
}

/** Type-7 (linear) quantile of sorted values; Infinity when the interpolation touches an infinite value. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  if (!Number.isFinite(sorted[hi]) || !Number.isFinite(sorted[lo])) return Infinity;
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

/** B* of one resample, or null when it cannot be fitted. */
function bStarOf(points: CurvePoint[], baselineBatch: number, overhead: number): number | null {
  const fit = fitPaperCurve(points);
  if (fit.a === null || fit.b === null) return null;
  return cbsClosedForm(fit.a, fit.b, baselineBatch, overhead);
}

/** Runs at one batch size: their steps to target, null for runs that never reached it. */
export interface RunsAtBatch {
  batchSize: number;
  steps: (number | null)[];
}

/**
 * Bootstrap interval for B*. `runsByBatch` gives every run (needed by the 'runs' method; for
 * the others R(B) is the minimum over its runs). Deterministic for a given seed.
 */
export function bootstrapCbs(
  runsByBatch: readonly RunsAtBatch[],
  baselineBatch: number,
  overhead: number,
  options: Partial<BootstrapOptions> = {},
): BootstrapInterval {
  const opts = { ...DEFAULT_BOOTSTRAP, ...options };
  const points: CurvePoint[] = [];
  for (const r of runsByBatch) {
    const reached = r.steps.filter((s): s is number => s !== null);
    if (reached.length > 0) points.push({ batchSize: r.batchSize, steps: Math.min(...reached) });
  }
  const distinct = new Set(points.map((p) => p.batchSize)).size;
  const base = { method: opts.method, level: opts.level, resamples: opts.resamples, seed: opts.seed };
  const empty = { lower: null, upper: null, upperUnbounded: false, median: null, used: 0, discarded: 0, unbounded: 0 };
  if (distinct < opts.minDistinct) {
    return {
      ...base,
      ...empty,
      status: 'too-few-points',
      note: `only ${distinct} batch size${distinct === 1 ? '' : 's'} reached the target: a bootstrap interval needs at least ${opts.minDistinct}`,
    };
  }
  if (!(opts.level > 0 && opts.level < 1)) throw new RangeError(`confidence level must be in (0, 1) (got ${opts.level})`);
  if (!(Number.isInteger(opts.resamples) && opts.resamples >= 10)) throw new RangeError(`resamples must be an integer ≥ 10 (got ${opts.resamples})`);

  const uniform = mulberry32(opts.seed);
  const pick = (n: number) => Math.min(n - 1, Math.floor(uniform() * n));
  const values: number[] = [];
  let discarded = 0;
  let note: string | null = null;

  let residualSetup: { fitted: number[]; scaled: number[] } | null = null;
  if (opts.method === 'residuals') {
    const fit = fitPaperCurve(points);
    if (fit.a === null || fit.dof <= 0) {
      return { ...base, ...empty, status: 'failed', note: 'the fit has no residual degrees of freedom: residual resampling needs more points than parameters' };
    }
    const mean = fit.residuals.reduce((s, r) => s + r.logResidual, 0) / fit.residuals.length;
    const scale = Math.sqrt(fit.residuals.length / fit.dof);
    residualSetup = { fitted: fit.residuals.map((r) => r.fitted), scaled: fit.residuals.map((r) => (r.logResidual - mean) * scale) };
  }
  if (opts.method === 'runs' && runsByBatch.every((r) => r.steps.filter((s) => s !== null).length <= 1)) {
    note = 'every batch size has at most one run that reached the target, so resampling runs has no spread: use the points method for an interval that means something';
  }

  for (let k = 0; k < opts.resamples; k++) {
    let sample: CurvePoint[];
    if (opts.method === 'points') {
      sample = points.map(() => points[pick(points.length)]);
    } else if (opts.method === 'runs') {
      sample = [];
      for (const r of runsByBatch) {
        let best = Infinity;
        for (let i = 0; i < r.steps.length; i++) {
          const s = r.steps[pick(r.steps.length)];
          if (s !== null && s < best) best = s;
        }
        if (Number.isFinite(best)) sample.push({ batchSize: r.batchSize, steps: best });
      }
    } else {
      const setup = residualSetup as { fitted: number[]; scaled: number[] };
      sample = points.map((p, i) => ({ batchSize: p.batchSize, steps: setup.fitted[i] * Math.exp(setup.scaled[pick(setup.scaled.length)]) }));
    }
    const value = bStarOf(sample, baselineBatch, overhead);
    if (value === null) discarded++;
    else values.push(value);
  }
  values.sort((p, q) => p - q);
  const used = values.length;
  const unbounded = values.filter((v) => !Number.isFinite(v)).length;
  if (used < opts.resamples / 2) {
    return { ...base, ...empty, used, discarded, unbounded, status: 'failed', note: `only ${used} of ${opts.resamples} resamples could be fitted` };
  }
  const alpha = (1 - opts.level) / 2;
  const lower = quantileSorted(values, alpha);
  const upper = quantileSorted(values, 1 - alpha);
  const med = quantileSorted(values, 0.5);
  const notes = [note, discarded > 0 ? `${discarded} resamples with fewer than 2 distinct batch sizes were discarded` : null, unbounded > 0 ? `${unbounded} resamples fitted a = 0 (B* unbounded)` : null].filter(
    (s): s is string => s !== null,
  );
  return {
    ...base,
    status: 'ok',
    note: notes.length > 0 ? notes.join('; ') : null,
    lower: Number.isFinite(lower) ? lower : null,
    upper: Number.isFinite(upper) ? upper : null,
    upperUnbounded: !Number.isFinite(upper),
    median: Number.isFinite(med) ? med : null,
    used,
    discarded,
    unbounded,
  };
}
