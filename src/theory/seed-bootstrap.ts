// The exponent's interval over the seeds: resample whole seeds and analyse again.
//
// The power-law fit's t-interval (TheoryResults.interval) counts only the scatter of B* about the
// line across budgets. The budgets are not independent draws: every budget reads the same seeds'
// sample streams (one stream per seed, shared by every batch size and learning rate), so a lucky
// or unlucky seed moves all budgets' B* together and the t-interval does not see it. Resampling
// whole seeds with replacement and repeating the whole analysis (targets, seed-mean curves, R(B),
// B* per budget, the exponent) puts that seed-to-seed variation into the interval.
import { quantileSorted } from '../cbs/bootstrap';
import { mulberry32 } from '../util/random';
import { type TheoryRun, analyzeTheoryRuns } from './experiment';
import type { TheoryConfig } from './config';

export interface SeedBootstrapOptions {
  resamples: number;
  level: number;
  seed: number;
}

export interface SeedBootstrap {
  /** degenerate: every resample gave the same exponents (the seeds' runs are identical): no interval to show. */
  status: 'ok' | 'too-few-seeds' | 'degenerate';
  note: string | null;
  level: number;
  resamples: number;
  /** Resamples whose analysis gave an exponent (fit: of the fitted B*; crossing: of the fit-free crossing). */
  used: { fit: number; crossing: number };
  /** Percentile intervals of the exponent over the resamples; null where fewer than half the resamples gave one. */
  fit: [number, number] | null;
  crossing: [number, number] | null;
}

/** Fewer seeds than this give too few distinct resamples for a percentile interval to mean anything. */
export const MIN_BOOTSTRAP_SEEDS = 4;

/**
 * The runs of resampled seeds: draw k picks the runs of seed `picks[k]` and relabels them as seed
 * k + 1, so a seed drawn twice counts twice. The order of the runs (reference runs first) is kept.
 */
export function resampleSeeds(config: TheoryConfig, runs: readonly TheoryRun[], picks: readonly number[]): { config: TheoryConfig; runs: TheoryRun[] } {
  const labels = picks.map((_, k) => k + 1);
  const out: TheoryRun[] = [];
  for (const run of runs) picks.forEach((seed, k) => seed === run.seed && out.push({ ...run, seed: labels[k] }));
  return { config: { ...config, seeds: labels }, runs: out };
}

export function seedBootstrap(config: TheoryConfig, runs: readonly TheoryRun[], options: SeedBootstrapOptions): SeedBootstrap {
  const { resamples, level, seed } = options;
  const base = { level, resamples };
  if (config.seeds.length < MIN_BOOTSTRAP_SEEDS) {
    return { ...base, status: 'too-few-seeds', note: `${config.seeds.length} seeds: a seed bootstrap needs at least ${MIN_BOOTSTRAP_SEEDS}`, used: { fit: 0, crossing: 0 }, fit: null, crossing: null };
  }
  const random = mulberry32(seed);
  // Only the per-budget point estimates are needed: the smallest inner bootstrap keeps this cheap.
  const inner: TheoryConfig = { ...config, analysis: { ...config.analysis, bootstrapResamples: 10 } };
  const fits: number[] = [];
  const crossings: number[] = [];
  for (let r = 0; r < resamples; r++) {
    const picks = config.seeds.map(() => config.seeds[Math.floor(random() * config.seeds.length)]);
    const resampled = resampleSeeds(inner, runs, picks);
    const results = analyzeTheoryRuns(resampled.config, resampled.runs);
    if (results.measured !== null) fits.push(results.measured);
    if (results.crossing.measured !== null) crossings.push(results.crossing.measured);
  }
  const used = { fit: fits.length, crossing: crossings.length };
  const spread = (values: number[]) => (values.length === 0 ? 0 : Math.max(...values) - Math.min(...values));
  if (spread(fits) === 0 && spread(crossings) === 0) {
    return { ...base, status: 'degenerate', note: 'every resample of the seeds gave the same exponents: the seeds do not differ, so they cannot show an interval', used, fit: null, crossing: null };
  }
  const interval = (values: number[]): [number, number] | null => {
    if (values.length < resamples / 2) return null;
    const sorted = [...values].sort((p, q) => p - q);
    return [quantileSorted(sorted, (1 - level) / 2), quantileSorted(sorted, (1 + level) / 2)];
  };
  return { ...base, status: 'ok', note: null, used, fit: interval(fits), crossing: interval(crossings) };
}
