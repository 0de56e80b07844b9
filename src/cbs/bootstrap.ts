// A seeded bootstrap confidence interval for B*. Every resample refits log R = log(a + b/B) and
// takes the closed-form B* at the same baseline and overhead as the point estimate.
import { mulberry32 } from '../util/random';
import { cbsClosedForm } from './cbs';
import { type CurvePoint, fitPaperCurve } from './fit';

/**
 * - replicates (the default when some batch size has several seed replicates): at each batch
 *   size, resample its replicates' R(B) with replacement. The interval then carries the
 *   seed-to-seed variation of the measurement (init and data order), which is what a reader
 *   asks of it.
 * - points: resample the (B, R) points with replacement. Works with one replicate (CSV input,
 *   single-seed sweeps) and carries any lack of fit into the interval, since it does not assume
 *   the curve is right.
 * - residuals: keep the batch sizes, add resampled log residuals of the fit (scaled by
 *   sqrt(n/dof)) to the fitted curve. Assumes the curve's shape is right; useful with few points.
 * Censored points (R(B) > bound) are resampled like the others and enter each refit as bounds.
 */
export type BootstrapMethod = 'replicates' | 'points' | 'residuals';

export interface BootstrapOptions {
  /** null chooses: replicates when some batch size has several, else points. */
  method: BootstrapMethod | null;
  /** Two-sided confidence level, 0.9 by default. */
  level: number;
  resamples: number;
  seed: number;
  /**
   * Fewer points than this (or fewer than 3 distinct batch sizes that reached the target) gives
   * no interval: with three points the two-parameter fit has one residual degree of freedom,
   * too little for a resampled spread to mean anything (default 4).
   */
  minPoints: number;
}

/** method null: replicates when some batch size has several, else points. */
export const DEFAULT_BOOTSTRAP: BootstrapOptions = { method: null, level: 0.9, resamples: 1000, seed: 1, minPoints: 4 };

export interface BootstrapInterval {
  /** degenerate: every resample gave the same B*, so the data cannot show its uncertainty (no interval). */
  status: 'ok' | 'too-few-points' | 'degenerate' | 'failed';
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

/** An interval as [lower, upper], with upper = Infinity where it is unbounded; null where there is none. */
export function intervalSpan(iv: BootstrapInterval | null | undefined): [number, number] | null {
  if (iv?.status !== 'ok' || iv.lower === null) return null;
  return [iv.lower, iv.upperUnbounded || iv.upper === null ? Infinity : iv.upper];
}

/**
 * Whether two B* intervals are disjoint (neither reaches the other; one unbounded above overlaps
 * anything over its lower end); null when either has no interval. The page's headline and the
 * headless summary both say it from here.
 */
export function intervalsDisjoint(a: BootstrapInterval | null | undefined, b: BootstrapInterval | null | undefined): boolean | null {
  const [p, q] = [intervalSpan(a), intervalSpan(b)];
  if (p === null || q === null) return null;
  return p[1] < q[0] || q[1] < p[0];
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
function bStarOf(points: CurvePoint[], baselineBatch: number | null, overhead: number): number | null {
  const fit = fitPaperCurve(points);
  if (fit.a === null || fit.b === null || baselineBatch === null) return null;
  return cbsClosedForm(fit.a, fit.b, baselineBatch, overhead);
}

/**
 * Bootstrap interval for B* from the fit's points (one per replicate and batch size; censored
 * ones are bounds). Deterministic for a given seed.
 */
export function bootstrapCbs(points: readonly CurvePoint[], baselineBatch: number | null, overhead: number, options: Partial<BootstrapOptions> = {}): BootstrapInterval {
  const opts = { ...DEFAULT_BOOTSTRAP, ...options };
  const byBatch = new Map<number, CurvePoint[]>();
  for (const p of points) byBatch.set(p.batchSize, [...(byBatch.get(p.batchSize) ?? []), p]);
  const method: BootstrapMethod = opts.method ?? ([...byBatch.values()].some((v) => v.length > 1) ? 'replicates' : 'points');
  const distinct = new Set(points.filter((p) => !p.censored).map((p) => p.batchSize)).size;
  const base = { method, level: opts.level, resamples: opts.resamples, seed: opts.seed };
  const empty = { lower: null, upper: null, upperUnbounded: false, median: null, used: 0, discarded: 0, unbounded: 0 };
  if (points.length < opts.minPoints || distinct < 3) {
    return {
      ...base,
      ...empty,
      status: 'too-few-points',
      note: `${points.length} point${points.length === 1 ? '' : 's'} over ${distinct} batch size${distinct === 1 ? '' : 's'} that reached the target: an interval needs at least ${opts.minPoints} points and 3 batch sizes (the two-parameter fit must keep residual degrees of freedom)`,
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
  if (method === 'residuals') {
    const fit = fitPaperCurve(points);
    if (fit.a === null || fit.dof <= 0) {
      return { ...base, ...empty, status: 'failed', note: 'the fit has no residual degrees of freedom: residual resampling needs more points than parameters' };
    }
    const free = fit.residuals.filter((r) => !r.censored);
    const mean = free.reduce((s, r) => s + r.logResidual, 0) / free.length;
    const scale = Math.sqrt(fit.residuals.length / fit.dof);
    residualSetup = { fitted: fit.residuals.map((r) => r.fitted), scaled: free.map((r) => (r.logResidual - mean) * scale) };
  }
  if (method === 'replicates' && [...byBatch.values()].every((v) => v.length <= 1)) {
    note = 'every batch size has one replicate, so resampling replicates has no spread: the points method gives an interval that means something';
  }

  const groups = [...byBatch.values()];
  for (let k = 0; k < opts.resamples; k++) {
    let sample: CurvePoint[];
    if (method === 'points') {
      sample = points.map(() => points[pick(points.length)]);
    } else if (method === 'replicates') {
      sample = groups.flatMap((g) => g.map(() => g[pick(g.length)]));
    } else {
      const setup = residualSetup as { fitted: number[]; scaled: number[] };
      // Censored points keep their bounds; the others get the fitted value times a resampled residual.
      sample = points.map((p, i) => (p.censored ? p : { batchSize: p.batchSize, steps: setup.fitted[i] * Math.exp(setup.scaled[pick(setup.scaled.length)]) }));
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
  if (Number.isFinite(upper) && upper - lower <= 1e-9 * Math.abs(upper)) {
    return {
      ...base,
      ...empty,
      used,
      discarded,
      unbounded,
      status: 'degenerate',
      note: 'every resample gave the same B*: the points leave the fit no freedom, so the data cannot show its uncertainty (no interval)',
    };
  }
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
