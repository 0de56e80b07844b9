// The gradient noise scale B_simple = tr(Σ)/|G|² (McCandlish et al. 2018), from the two batch
// sizes every accumulated step already has: one micro-batch (B_s) and the accumulated batch (B_b).
// Reported beside the measured CBS, never as a substitute for it.
import type { StepStats } from '../experiment/schema';

export interface NoiseScaleOptions {
  /** EMA decay applied to the |G|² and tr(Σ) estimates separately (debiased); 0.95 by default. */
  emaDecay: number;
  /** The summary averages the raw estimates over this last fraction of the steps (0.5 by default). */
  summaryFraction: number;
}

export const DEFAULT_NOISE_SCALE: NoiseScaleOptions = { emaDecay: 0.95, summaryFraction: 0.5 };

export interface NoiseScalePoint {
  step: number;
  /** Smoothed |G|² and tr(Σ) estimates. */
  gradSq: number;
  traceSigma: number;
  /** Smoothed tr(Σ) / smoothed |G|², in sequences; null while the smoothed |G|² is not positive. */
  bSimple: number | null;
}

export interface NoiseScaleEstimate {
  status: 'ok' | 'undefined';
  /** Why it is undefined (or a caveat), as a sentence. */
  note: string | null;
  microBatch: number;
  batchSize: number;
  emaDecay: number;
  series: NoiseScalePoint[];
  /** mean tr(Σ) / mean |G|² over the last `summaryFraction` of the steps; null when undefined. */
  summary: number | null;
  /** The last point of the smoothed series. */
  final: number | null;
  /** Steps used (finite squared norms). */
  stepsUsed: number;
}

/** The unbiased two-batch estimates for one step. */
export function twoBatchEstimate(microGradSq: number, batchGradSq: number, microBatch: number, batchSize: number): { gradSq: number; traceSigma: number } {
  const gradSq = (batchSize * batchGradSq - microBatch * microGradSq) / (batchSize - microBatch);
  const traceSigma = (microGradSq - batchGradSq) / (1 / microBatch - 1 / batchSize);
  return { gradSq, traceSigma };
}

/**
 * B_simple over a run:
 *   |G|² ≈ (B_b|G_b|² − B_s|G_s|²)/(B_b − B_s),  tr(Σ) ≈ (|G_s|² − |G_b|²)/(1/B_s − 1/B_b),
 * each smoothed with a debiased EMA (decay `emaDecay`) before the ratio. Undefined when the
 * micro-batch equals the batch (no second batch size), when no step has finite norms, or when
 * the summary |G|² is not positive; in those cases `summary` is null, never NaN.
 */
export function estimateNoiseScale(steps: readonly StepStats[], microBatch: number, batchSize: number, options: Partial<NoiseScaleOptions> = {}): NoiseScaleEstimate {
  const opts = { ...DEFAULT_NOISE_SCALE, ...options };
  const base = { microBatch, batchSize, emaDecay: opts.emaDecay };
  const undef = (note: string, series: NoiseScalePoint[] = [], stepsUsed = 0): NoiseScaleEstimate => ({ ...base, status: 'undefined', note, series, summary: null, final: null, stepsUsed });
  if (!(opts.emaDecay >= 0 && opts.emaDecay < 1)) throw new RangeError(`EMA decay must be in [0, 1) (got ${opts.emaDecay})`);
  if (!(microBatch > 0 && batchSize > 0)) return undef(`batch sizes must be positive (micro ${microBatch}, batch ${batchSize})`);
  if (microBatch >= batchSize) {
    return undef(
      microBatch === batchSize
        ? `micro-batch equals batch size (${batchSize}): no gradient accumulation, so there is no second batch size for the two-batch estimator`
        : `micro-batch ${microBatch} is larger than batch ${batchSize}`,
    );
  }
  const usable = steps.filter((s) => Number.isFinite(s.microGradSq) && Number.isFinite(s.batchGradSq)).slice();
  usable.sort((p, q) => p.step - q.step);
  if (usable.length === 0) return undef('no step has finite micro-batch and batch gradient norms');

  const raw = usable.map((s) => ({ step: s.step, ...twoBatchEstimate(s.microGradSq, s.batchGradSq, microBatch, batchSize) }));
  const series: NoiseScalePoint[] = [];
  let emaG = 0;
  let emaT = 0;
  let weight = 0;
  for (const r of raw) {
    emaG = opts.emaDecay * emaG + (1 - opts.emaDecay) * r.gradSq;
    emaT = opts.emaDecay * emaT + (1 - opts.emaDecay) * r.traceSigma;
    weight = opts.emaDecay * weight + (1 - opts.emaDecay);
    const gradSq = emaG / weight;
    const traceSigma = emaT / weight;
    series.push({ step: r.step, gradSq, traceSigma, bSimple: gradSq > 0 ? traceSigma / gradSq : null });
  }
  const from = Math.min(raw.length - 1, Math.floor(raw.length * (1 - opts.summaryFraction)));
  const tail = raw.slice(from);
  const meanG = tail.reduce((s, r) => s + r.gradSq, 0) / tail.length;
  const meanT = tail.reduce((s, r) => s + r.traceSigma, 0) / tail.length;
  const final = series[series.length - 1].bSimple;
  if (!(meanG > 0)) {
    return { ...undef(`the estimated |G|² over the last ${Math.round(opts.summaryFraction * 100)}% of steps is not positive (${meanG.toPrecision(3)}): the gradient is lost in its noise`, series, raw.length), final };
  }
  if (!(meanT > 0)) {
    // tr(Σ) cannot be negative; a negative estimate means the runs are too short or their
    // batches too close for the difference of the two norms to rise above its own noise.
    return {
      ...undef(
        `the estimated tr(Σ) over the last ${Math.round(opts.summaryFraction * 100)}% of steps is not positive (${meanT.toPrecision(3)}): the gradient noise is not resolved`,
        series,
        raw.length,
      ),
      final,
    };
  }
  return { ...base, status: 'ok', note: null, series, summary: meanT / meanG, final, stepsUsed: raw.length };
}
