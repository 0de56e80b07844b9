// The theory experiment's config: plain JSON with a version, so that it can join the lab's
// versioned codec (share links, files) next to the language-model experiment config, and a
// validator that says in words what is wrong and where (the codec's ValidationIssue shape).
import { makeProblem, predictedExponent, resolvedDirections } from './problem';
import { MAX_AVERAGES, MAX_LANES_PER_GROUP, MAX_THEORY_DIM } from './trainer.plan';
import { isInt, isNum, isObj, type JsonObject } from '../util/guards';

export const THEORY_CONFIG_VERSION = 2;

export interface TheoryAnalysisConfig {
  /** x of the overhead rule: B* is where steps to target are (1 + x)× linear scaling (0.2 in the paper). */
  overhead: number;
  /** B_opt of the rule; null: the smallest batch size that reached the target. */
  baselineBatch: number | null;
  /** Steps to target interpolated in log(step) between the evaluations around the crossing. */
  interpolate: boolean;
  /** Confidence level of the intervals (the exponent's t-interval, the bootstrap). */
  level: number;
  /** Bootstrap resamples of B* per budget (src/cbs needs at least 10). */
  bootstrapResamples: number;
  /**
   * mean-risk: each run's risk curve averaged over the seeds (same batch size and learning rate),
   * then the analysis on those mean curves: the expected risk the theory is about, estimated.
   * replicates: each seed analysed on its own, R(B) fit over every seed's points, as the
   * language-model sweeps take replicates. Taking the fastest of many learning rates on one
   * seed's noisy curve favours lucky runs, most at small budgets: docs/science.md.
   */
  seeds: TheorySeedAnalysis;
}

export const THEORY_SEED_ANALYSES = ['mean-risk', 'replicates'] as const;
export type TheorySeedAnalysis = (typeof THEORY_SEED_ANALYSES)[number];

export interface TheoryConfig {
  version: typeof THEORY_CONFIG_VERSION;
  kind: 'theory';
  /** Capacity exponent: λ_i = i^(−a), a > 1. */
  a: number;
  /** Source exponent: λ_i (w*_i)² = i^(−b), b > 1. */
  b: number;
  /** Model dimension M. */
  dim: number;
  /** Label-noise variance σ². */
  noiseVariance: number;
  /** Data budgets D (samples). */
  budgets: number[];
  batchSizes: number[];
  learningRates: number[];
  /**
   * grid: every learning rate at every batch size. monotone: batch sizes in increasing order, each
   * with only the learning rates at or above the smallest best learning rate (over the budgets) of
   * the batch size before it, since the best learning rate does not fall as B grows; much cheaper,
   * and the same R(B) wherever that holds.
   */
  learningRateSearch: 'grid' | 'monotone';
  averaging: { kind: 'uniform' } | { kind: 'ewa'; decays: number[] };
  seeds: number[];
  /** The batch size of the reference runs: the target at budget D is the best final risk of a run at this batch size after D samples. */
  referenceBatch: number;
  /** A run stops after sampleCap × (the largest budget) samples if it has not reached the lowest target. */
  sampleCap: number;
  /** Evaluations per doubling of the step count (every step up to 32). */
  evalsPerOctave: number;
  analysis: TheoryAnalysisConfig;
}

export const DEFAULT_THEORY_ANALYSIS: TheoryAnalysisConfig = { overhead: 0.2, baselineBatch: null, interpolate: true, level: 0.9, bootstrapResamples: 200, seeds: 'mean-risk' };

/**
 * 2^(k/2) for an integer k, the same double in every JavaScript engine: a power of two times
 * Math.SQRT2 is exact, whereas 2 ** -4.5 differs in the last bit between Node's and Chromium's
 * V8, and a config made on the command line must equal the page's.
 */
export function halfOctave(k: number): number {
  return k % 2 === 0 ? 2 ** (k / 2) : 2 ** ((k - 1) / 2) * Math.SQRT2;
}

/** Learning rates 2^(k/2), from 2^lo to 2^hi. */
export function halfOctaveRates(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = 2 * lo; k <= 2 * hi; k++) out.push(halfOctave(k));
  return out;
}

/** Powers of two from 2^lo to 2^hi. */
export function powersOfTwo(lo: number, hi: number, stride = 1): number[] {
  const out: number[] = [];
  for (let k = lo; k <= hi; k += stride) out.push(2 ** k);
  return out;
}

// ---------- validation ----------

export interface TheoryConfigIssue {
  /** Where, e.g. "budgets[2]" or "analysis.level"; "" for the whole config. */
  path: string;
  message: string;
}

type Obj = JsonObject;
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? 'a list' : v === null ? 'null' : String(v));

const CONFIG_KEYS = ['version', 'kind', 'a', 'b', 'dim', 'noiseVariance', 'budgets', 'batchSizes', 'learningRates', 'learningRateSearch', 'averaging', 'seeds', 'referenceBatch', 'sampleCap', 'evalsPerOctave', 'analysis'] as const;
const ANALYSIS_KEYS = ['overhead', 'baselineBatch', 'interpolate', 'level', 'bootstrapResamples', 'seeds'] as const;

/** Fewest evaluation steps a reference run needs at the smallest budget for its final risk to be a target (not the first few steps of the transient). */
export const MIN_REFERENCE_STEPS = 64;
/** Fewest eigen-directions the smallest budget must resolve for the power laws to apply. */
export const MIN_RESOLVED_DIRECTIONS = 4;
/** M must hold this many times the directions the largest budget resolves. */
export const DIM_HEADROOM = 4;

class Issues {
  readonly list: TheoryConfigIssue[] = [];
  add(path: string, message: string): false {
    this.list.push({ path, message });
    return false;
  }
  keys(v: Obj, path: string, allowed: readonly string[]): void {
    for (const key of Object.keys(v)) if (!allowed.includes(key)) this.add(path ? `${path}.${key}` : key, `unknown setting ${JSON.stringify(key)}`);
    for (const key of allowed) if (!(key in v)) this.add(path ? `${path}.${key}` : key, `${key} is missing`);
  }
  /** A list of minCount…maxCount distinct integers in [min, max]. */
  integers(v: unknown, path: string, what: string, range: [number, number], count: [number, number], why = ''): boolean {
    const [min, max] = range;
    const [minCount, maxCount] = count;
    if (!Array.isArray(v)) return this.add(path, `${what} must be a list of integers (got ${show(v)})`);
    if (v.length < minCount || v.length > maxCount) return this.add(path, `${minCount} to ${maxCount} ${what} are needed (got ${v.length})${why}`);
    let ok = true;
    v.forEach((x, i) => {
      if (!isInt(x) || x < min || x > max) ok = this.add(`${path}[${i}]`, `${what} must be integers from ${min} to ${max} (got ${show(x)})`);
    });
    if (ok && new Set(v).size !== v.length) ok = this.add(path, `${what} must be distinct`);
    return ok;
  }
}

export interface ValidationOptions {
  /**
   * Refuse an M smaller than DIM_HEADROOM × the directions the largest budget resolves (default
   * true). A sweep over M turns it off on purpose: the small-M regime is what it shows.
   */
  checkModelSize?: boolean;
}

/** Every problem with a theory config, in words; an empty list means it is valid. */
export function validateTheoryConfig(value: unknown, options: ValidationOptions = {}): TheoryConfigIssue[] {
  const c = new Issues();
  if (!isObj(value)) return [{ path: '', message: `a theory config must be an object (got ${show(value)})` }];
  c.keys(value, '', CONFIG_KEYS);
  if (value.version !== THEORY_CONFIG_VERSION) c.add('version', `version must be ${THEORY_CONFIG_VERSION} (got ${show(value.version)})`);
  if (value.kind !== 'theory') c.add('kind', `kind must be "theory" (got ${show(value.kind)})`);

  const { a, b } = value;
  const aOk = isNum(a) && a > 1 && a <= 6;
  if (!isNum(a)) c.add('a', `a must be a number (got ${show(a)})`);
  else if (a <= 1) c.add('a', `a must be greater than 1 (got ${a}): with λ_i = i^(−a) and a ≤ 1 the spectrum's sum Σ λ_i diverges, so the features of the infinite-dimensional model would have infinite variance`);
  else if (a > 6) c.add('a', `a must be at most 6 (got ${a}): steeper spectra underflow float32 in the trainer`);
  const bOk = isNum(b) && b > 1 && b <= 40;
  if (!isNum(b)) c.add('b', `b must be a number (got ${show(b)})`);
  else if (b <= 0) c.add('b', `b must be greater than 1 (got ${b}): with λ_i (w*_i)² = i^(−b) and b ≤ 0 the target's energy grows along the spectrum instead of decaying`);
  else if (b <= 1) c.add('b', `b must be greater than 1 (got ${b}): the target's energy Σ i^(−b) diverges for b ≤ 1, so the infinite-dimensional target would have infinite risk`);
  else if (b > 40) c.add('b', `b must be at most 40 (got ${b})`);

  const dimOk = isInt(value.dim) && value.dim >= 1 && value.dim <= MAX_THEORY_DIM;
  if (!dimOk) c.add('dim', `the model dimension M must be an integer from 1 to ${MAX_THEORY_DIM} (got ${show(value.dim)})`);
  const noiseOk = isNum(value.noiseVariance) && value.noiseVariance > 0 && value.noiseVariance <= 1e6;
  if (!noiseOk) c.add('noiseVariance', `the label-noise variance σ² must be a number in (0, 1e6] (got ${show(value.noiseVariance)}): without noise there is no variance-dominated regime, which is where B* grows with D`);

  const budgetsOk = c.integers(value.budgets, 'budgets', 'budgets', [1, 2 ** 28], [2, 32], ' (an exponent needs at least 2)');
  const batchesOk = c.integers(value.batchSizes, 'batchSizes', 'batch sizes', [1, 2 ** 20], [3, 32], ' (the fit has 2 parameters)');
  let ratesOk = Array.isArray(value.learningRates) && value.learningRates.length > 0 && value.learningRates.length <= MAX_LANES_PER_GROUP;
  if (!ratesOk) c.add('learningRates', `learningRates must be a list of 1 to ${MAX_LANES_PER_GROUP} numbers (got ${show(value.learningRates)})`);
  else {
    (value.learningRates as unknown[]).forEach((x, i) => {
      if (!isNum(x) || x <= 0 || x > 4) ratesOk = c.add(`learningRates[${i}]`, `learning rates must be in (0, 4] (got ${show(x)}); with λ_1 = 1, SGD diverges beyond 2 anyway`);
    });
    if (ratesOk && new Set(value.learningRates as number[]).size !== (value.learningRates as number[]).length) ratesOk = c.add('learningRates', 'learning rates must be distinct');
  }
  if (value.learningRateSearch !== 'grid' && value.learningRateSearch !== 'monotone') {
    c.add('learningRateSearch', `learningRateSearch must be "grid" or "monotone" (got ${show(value.learningRateSearch)})`);
  }
  const seedsOk = c.integers(value.seeds, 'seeds', 'seeds', [0, 2 ** 32 - 1], [1, 16]);

  const avg = value.averaging;
  if (!isObj(avg) || (avg.kind !== 'uniform' && avg.kind !== 'ewa')) c.add('averaging', `averaging must be {"kind": "uniform"} or {"kind": "ewa", "decays": [...]} (got ${show(avg)})`);
  else if (avg.kind === 'uniform') c.keys(avg, 'averaging', ['kind']);
  else {
    c.keys(avg, 'averaging', ['kind', 'decays']);
    const d = avg.decays;
    if (!Array.isArray(d) || d.length === 0 || d.length > MAX_AVERAGES) c.add('averaging.decays', `decays must be a list of 1 to ${MAX_AVERAGES} numbers in (0, 1) (got ${show(d)})`);
    else d.forEach((x, i) => {
      if (!isNum(x) || x <= 0 || x >= 1) c.add(`averaging.decays[${i}]`, `an EWA decay must be in (0, 1) (got ${show(x)})`);
    });
  }

  const refOk = isInt(value.referenceBatch) && batchesOk && (value.batchSizes as number[]).includes(value.referenceBatch);
  if (!refOk) c.add('referenceBatch', `the reference batch size must be one of the batch sizes (got ${show(value.referenceBatch)})`);
  const capOk = isNum(value.sampleCap) && value.sampleCap >= 1 && value.sampleCap <= 64;
  if (!capOk) c.add('sampleCap', `sampleCap must be a number from 1 to 64 (got ${show(value.sampleCap)})`);
  if (!(isInt(value.evalsPerOctave) && value.evalsPerOctave >= 4 && value.evalsPerOctave <= 64)) c.add('evalsPerOctave', `evalsPerOctave must be an integer from 4 to 64 (got ${show(value.evalsPerOctave)})`);

  const an = value.analysis;
  if (!isObj(an)) c.add('analysis', `analysis must be an object (got ${show(an)})`);
  else {
    c.keys(an, 'analysis', ANALYSIS_KEYS);
    if (!(isNum(an.overhead) && an.overhead > 0 && an.overhead <= 1)) c.add('analysis.overhead', `the overhead x must be in (0, 1] (got ${show(an.overhead)})`);
    if (an.baselineBatch !== null && !(isInt(an.baselineBatch) && batchesOk && (value.batchSizes as number[]).includes(an.baselineBatch))) {
      c.add('analysis.baselineBatch', `the baseline batch size must be null or one of the batch sizes (got ${show(an.baselineBatch)})`);
    }
    if (typeof an.interpolate !== 'boolean') c.add('analysis.interpolate', `interpolate must be true or false (got ${show(an.interpolate)})`);
    if (!(isNum(an.level) && an.level > 0 && an.level < 1)) c.add('analysis.level', `the confidence level must be in (0, 1) (got ${show(an.level)})`);
    if (!(isInt(an.bootstrapResamples) && an.bootstrapResamples >= 10 && an.bootstrapResamples <= 10000)) {
      c.add('analysis.bootstrapResamples', `bootstrapResamples must be an integer from 10 to 10000 (got ${show(an.bootstrapResamples)})`);
    }
    if (!THEORY_SEED_ANALYSES.includes(an.seeds as TheorySeedAnalysis)) c.add('analysis.seeds', `seeds must be "mean-risk" or "replicates" (got ${show(an.seeds)})`);
  }

  // What the budgets, the batch sizes and M must satisfy together.
  if (c.list.length === 0 && aOk && bOk && dimOk && noiseOk && budgetsOk && batchesOk && refOk && capOk && seedsOk) {
    const cfg = value as unknown as TheoryConfig;
    const problem = makeProblem({ a: cfg.a, b: cfg.b, dim: cfg.dim, noiseVariance: cfg.noiseVariance });
    const dMin = Math.min(...cfg.budgets);
    const dMax = Math.max(...cfg.budgets);
    cfg.budgets.forEach((d, i) => {
      if (d % cfg.referenceBatch !== 0) c.add(`budgets[${i}]`, `every budget must be a multiple of the reference batch size ${cfg.referenceBatch} (got ${d}), so that the reference run ends exactly at it`);
    });
    if (dMin / cfg.referenceBatch < MIN_REFERENCE_STEPS) {
      c.add('budgets', `the smallest budget is too small to resolve the target: ${dMin} samples give the reference run (batch ${cfg.referenceBatch}) only ${Math.floor(dMin / cfg.referenceBatch)} steps; it needs at least ${MIN_REFERENCE_STEPS}, i.e. a budget of at least ${MIN_REFERENCE_STEPS * cfg.referenceBatch}`);
    }
    const kMin = resolvedDirections(problem, dMin);
    if (kMin < MIN_RESOLVED_DIRECTIONS) {
      const need = Math.ceil(MIN_RESOLVED_DIRECTIONS ** Math.min(cfg.b, 2 * cfg.a + 1) * problem.effectiveNoiseVariance);
      c.add('budgets', `the smallest budget is too small to resolve the target: with ${dMin} samples SGD resolves about ${kMin.toFixed(1)} directions of the spectrum ((D/σ²)^(1/min(b, 2a+1))), and the power laws need at least ${MIN_RESOLVED_DIRECTIONS}: use budgets of at least ${need} samples, or more noise`);
    }
    const kMax = resolvedDirections(problem, dMax);
    if ((options.checkModelSize ?? true) && cfg.dim < DIM_HEADROOM * kMax) {
      c.add('dim', `M = ${cfg.dim} is too small for the budget: the largest budget (${dMax} samples) resolves about ${kMax.toFixed(1)} directions, and M must be at least ${DIM_HEADROOM}× that (M ≥ ${Math.ceil(DIM_HEADROOM * kMax)}) for B* not to depend on M; a smaller M measures the finite-model regime instead`);
    }
    const samples = cfg.sampleCap * dMax + Math.max(...cfg.batchSizes);
    if (samples >= 2 ** 32) c.add('sampleCap', `sampleCap × the largest budget (${samples} samples) passes the 2^32 sample counter`);
    if (predictedExponent(cfg.a, cfg.b) <= 0) {
      c.add('b', `b = ${cfg.b} ≤ a = ${cfg.a}: the predicted exponent 1 − a/min(b, 2a+1) is not positive, so B* does not grow with D and there is nothing to measure; use b > a`);
    }
  }
  return c.list;
}

export type TheoryConfigResult = { ok: true; config: TheoryConfig } | { ok: false; issues: TheoryConfigIssue[] };

/**
 * An older config brought to this version; anything else is returned as it is (validation then
 * says what is wrong). Version 1 analysed seeds as replicates only: it keeps that meaning.
 */
export function migrateTheoryConfig(value: unknown): unknown {
  if (!isObj(value) || value.version !== 1) return value;
  const analysis = isObj(value.analysis) ? { ...value.analysis, seeds: 'replicates' } : value.analysis;
  return { ...value, version: 2, analysis };
}

export function parseTheoryConfig(value: unknown): TheoryConfigResult {
  const migrated = migrateTheoryConfig(value);
  const issues = validateTheoryConfig(migrated);
  return issues.length === 0 ? { ok: true, config: migrated as TheoryConfig } : { ok: false, issues };
}

/** The issues as lines a person reads: "budgets: …". */
export function describeIssues(issues: readonly TheoryConfigIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join('\n');
}
