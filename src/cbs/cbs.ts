// Critical batch size by the overhead rule (the paper's 20% rule): B* is where the steps to target
// are (1 + x) times what linear scaling from a baseline batch B_opt predicts.
import { type CurvePoint, type PaperFit, paperCurve } from './fit';

/**
 * Closed form on the fitted curve R(B) = a + b/B with R_lin(B) = R(B_opt)·B_opt/B:
 *   a + b/B = (1+x)(a·B_opt + b)/B  ⇔  B* = (1+x)·B_opt + x·b/a.
 * Infinity when a = 0 (the fitted curve never leaves linear scaling).
 */
export function cbsClosedForm(a: number, b: number, baselineBatch: number, overhead: number): number {
  if (a <= 0) return Infinity;
  return (1 + overhead) * baselineBatch + (overhead * b) / a;
}

/**
 * The same B*, found numerically: bisection of g(B) = R(B) − (1+x)·R_lin(B) on [B_opt, ∞).
 * g(B_opt) = −x·R(B_opt) < 0 and g → a > 0, so the root is bracketed once the upper end has g > 0.
 * Used by the tests to check the closed form against the definition. Infinity when a = 0.
 */
export function cbsNumericRoot(a: number, b: number, baselineBatch: number, overhead: number): number {
  if (a <= 0) return Infinity;
  const lin = (batch: number) => (paperCurve(a, b, baselineBatch) * baselineBatch) / batch;
  const g = (batch: number) => paperCurve(a, b, batch) - (1 + overhead) * lin(batch);
  let lo = baselineBatch;
  let hi = 2 * baselineBatch;
  while (g(hi) <= 0) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * hi; i++) {
    const mid = 0.5 * (lo + hi);
    if (g(mid) > 0) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

export interface CbsEstimate {
  /** ok: a finite B*; unbounded: the fit has a = 0 so B* is beyond any batch size; no-fit: the fit failed (see note). */
  status: 'ok' | 'unbounded' | 'no-fit';
  note: string | null;
  bStar: number | null;
  /** null when no batch size was measured at all (there is nothing to be a baseline). */
  baselineBatch: number | null;
  overhead: number;
  /** Fitted steps at the baseline and at B*. */
  baselineSteps: number | null;
  stepsAtBStar: number | null;
  /** True when B* lies beyond the largest measured batch size (an extrapolation of the fit). */
  extrapolated: boolean;
}

/** B* from a fit (closed form). `largestMeasured` flags extrapolation. */
export function cbsFromFit(fit: PaperFit, baselineBatch: number | null, overhead: number, largestMeasured: number): CbsEstimate {
  const base = { baselineBatch, overhead };
  if (fit.a === null || fit.b === null || baselineBatch === null) {
    const note = fit.note ?? (baselineBatch === null ? 'no batch size was measured: no baseline' : 'no fit');
    return { ...base, status: 'no-fit', note, bStar: null, baselineSteps: null, stepsAtBStar: null, extrapolated: false };
  }
  const baselineSteps = paperCurve(fit.a, fit.b, baselineBatch);
  if (fit.a <= 0) {
    return {
      ...base,
      status: 'unbounded',
      note: `the fitted curve has a = 0, so it follows linear scaling exactly: B* exceeds every batch size (at least the largest measured, ${largestMeasured})`,
      bStar: null,
      baselineSteps,
      stepsAtBStar: null,
      extrapolated: true,
    };
  }
  const bStar = cbsClosedForm(fit.a, fit.b, baselineBatch, overhead);
  const extrapolated = bStar > largestMeasured;
  return {
    ...base,
    status: 'ok',
    note: extrapolated ? `B* = ${bStar.toPrecision(4)} lies beyond the largest measured batch size ${largestMeasured}: an extrapolation of the fit` : null,
    bStar,
    baselineSteps,
    stepsAtBStar: paperCurve(fit.a, fit.b, bStar),
    extrapolated,
  };
}

export interface RawCheck {
  batchSize: number;
  /** R(B), or its lower bound when `censored`. */
  steps: number;
  /** True when no run at this B reached the target: R(B) > steps. */
  censored: boolean;
  /** Linear scaling from the measured baseline: R(B_opt)·B_opt/B. */
  linear: number;
  /** steps / linear: at most 1 + overhead counts as within (for a censored point, a lower bound). */
  ratio: number;
  /** null when a censored bound is too low to tell. */
  within: boolean | null;
}

export interface RawCbs {
  /**
   * ok: a first batch size beyond the rule was found; all-within: none of the measured batch sizes
   * exceeds the rule, so B* ≥ the largest measured one (a lower bound); undetermined: a censored
   * batch size stopped below the rule's bound, so whether it is within cannot be told (B* ≥ the
   * last one within); too-few-points: nothing measured above the baseline; baseline-not-measured:
   * the baseline has no measured R.
   */
  status: 'ok' | 'all-within' | 'undetermined' | 'too-few-points' | 'baseline-not-measured';
  note: string | null;
  /** Largest measured B such that it and every measured B between the baseline and it are within the rule. */
  bStar: number | null;
  /** True when bStar is only a lower bound (all-within, undetermined). */
  lowerBound: boolean;
  /** First measured B above bStar that breaks the rule (null when none did). */
  firstOutside: number | null;
  /**
   * Where the measured R(B) crosses the rule's line, (1+x)·R(B_opt)·B_opt/B: interpolated
   * linearly in log B against log(R/linear) between bStar and firstOutside (status ok only, and
   * null when the first batch size outside is censored: its ratio is only a bound). Unlike bStar
   * it is not tied to the measured grid, so it can be followed across data budgets.
   */
  crossing: number | null;
  /** null when no batch size was measured at all. */
  baselineBatch: number | null;
  baselineSteps: number | null;
  checks: RawCheck[];
}

/**
 * The fit-free answer: walking up from the measured baseline, the largest measured B whose
 * measured R(B) stays within (1+x)·R(B_opt)·B_opt/B, stopping at the first one that does not.
 * Points with duplicate batch sizes are reduced to their minimum first; a batch size with only
 * censored points (R(B) > bound) is outside when its bound already exceeds the rule, and stops
 * the walk as undetermined otherwise.
 */
export function rawCbs(points: readonly CurvePoint[], baselineBatch: number | null, overhead: number): RawCbs {
  const best = new Map<number, number>();
  const bound = new Map<number, number>();
  for (const p of points) {
    if (p.censored) bound.set(p.batchSize, Math.max(bound.get(p.batchSize) ?? 0, p.steps));
    else best.set(p.batchSize, Math.min(best.get(p.batchSize) ?? Infinity, p.steps));
  }
  const baselineSteps = baselineBatch === null ? null : (best.get(baselineBatch) ?? null);
  const base = { baselineBatch, baselineSteps };
  if (baselineBatch === null || baselineSteps === null) {
    return {
      ...base,
      status: 'baseline-not-measured',
      note:
        baselineBatch === null
          ? 'no batch size reached the target: the raw rule has no baseline to start from'
          : `no measured R at the baseline batch size ${baselineBatch}: the raw rule needs it (the fitted B* does not)`,
      bStar: null,
      lowerBound: false,
      firstOutside: null,
      crossing: null,
      checks: [],
    };
  }
  const above = [...new Set([...best.keys(), ...bound.keys()])].filter((b) => b > baselineBatch).sort((p, q) => p - q);
  const limit = 1 + overhead + 1e-12;
  const checks: RawCheck[] = above.map((batchSize) => {
    const reached = best.get(batchSize);
    const censored = reached === undefined;
    const steps = censored ? (bound.get(batchSize) as number) : reached;
    const linear = (baselineSteps * baselineBatch) / batchSize;
    const ratio = steps / linear;
    return { batchSize, steps, censored, linear, ratio, within: censored ? (ratio > limit ? false : null) : ratio <= limit };
  });
  if (checks.length === 0) {
    return { ...base, status: 'too-few-points', note: `no measured batch size above the baseline ${baselineBatch}`, bStar: null, lowerBound: false, firstOutside: null, crossing: null, checks };
  }
  const firstBad = checks.findIndex((c) => c.within !== true);
  if (firstBad < 0) {
    const largest = checks[checks.length - 1].batchSize;
    return {
      ...base,
      status: 'all-within',
      note: `every measured batch size stays within ${Math.round(overhead * 100)}% of linear scaling: B* ≥ ${largest} (a lower bound)`,
      bStar: largest,
      lowerBound: true,
      firstOutside: null,
      crossing: null,
      checks,
    };
  }
  const bStar = firstBad === 0 ? baselineBatch : checks[firstBad - 1].batchSize;
  const stop = checks[firstBad];
  if (stop.within === null) {
    return {
      ...base,
      status: 'undetermined',
      note: `B = ${stop.batchSize} stopped unreached after ${stop.steps} steps, only ${stop.ratio.toFixed(2)}× linear scaling: it may still be within the rule, so B* ≥ ${bStar}`,
      bStar,
      lowerBound: true,
      firstOutside: null,
      crossing: null,
      checks,
    };
  }
  const laterWithin = checks.slice(firstBad + 1).filter((c) => c.within === true).map((c) => c.batchSize);
  // The baseline itself sits on linear scaling (ratio 1).
  const last = firstBad === 0 ? { batchSize: baselineBatch, ratio: 1 } : checks[firstBad - 1];
  const t = Math.log(1 + overhead) - Math.log(last.ratio);
  const crossing = stop.censored ? null : Math.exp(Math.log(last.batchSize) + (t / (Math.log(stop.ratio) - Math.log(last.ratio))) * (Math.log(stop.batchSize) - Math.log(last.batchSize)));
  return {
    ...base,
    status: 'ok',
    note: laterWithin.length > 0 ? `non-monotone: B = ${laterWithin.join(', ')} come back within the rule after ${stop.batchSize} broke it` : null,
    bStar,
    lowerBound: false,
    firstOutside: stop.batchSize,
    crossing,
    checks,
  };
}
