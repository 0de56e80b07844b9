// Local CBS by branching (Merrill et al. 2025, "Critical Batch Size Revisited"; docs/local-cbs.md):
// from a checkpoint of a run at batch B, branches at k·B with the learning rate
// scaled by √k train Δ tokens each; their losses are smoothed by an exponential moving average;
// the local CBS is k*·B, k* the largest k whose smoothed loss is within ε of every smaller k's:
//   k* = max { k : L_k ≤ L_k' + ε for every tested k' < k }.
// Done at several checkpoints this gives CBS against tokens seen, shown beside the base run's
// gradient noise scale, and a batch-size warmup schedule derived from it. Pure functions of stored
// results; the report is JSON-able (no NaN, no Infinity).
import type { BatchPhase, ExperimentConfig, ExperimentResults, GroupTarget, LocalCbsConfig, RunRecord, RunSpec } from '../experiment/schema';
import { localCbsOf, planWarmupComparison } from '../experiment/plan';
import { formatCount } from '../util/format';
import { estimateNoiseScale, type NoiseScaleEstimate } from './noise-scale';

/**
 * The exponential moving average of a loss series with weight α on the newest value, started at
 * the first: s₁ = x₁, s_t = α·x_t + (1 − α)·s_{t−1}. NaN for an empty series; a non-finite value
 * anywhere makes it non-finite.
 */
export function smoothedLoss(values: readonly number[], alpha: number): number {
  if (!(alpha > 0 && alpha <= 1)) throw new RangeError(`the smoothing weight α must be in (0, 1] (got ${alpha})`);
  if (values.length === 0) return NaN;
  let s = values[0];
  for (let i = 1; i < values.length; i++) s = alpha * values[i] + (1 - alpha) * s;
  return s;
}

/** One branch's smoothed loss at a checkpoint (null: it has none, and `note` says why). */
export interface BranchLoss {
  multiplier: number;
  loss: number | null;
  note: string | null;
}

export interface BranchVerdict extends BranchLoss {
  /** The bar it had to clear: the least smoothed loss of the smaller k's, plus ε (null for the smallest k). */
  threshold: number | null;
  within: boolean;
  /** Why it is, or is not, within tolerance, in words. */
  reason: string;
}

export interface LocalCbsRule {
  /** Largest multiplier within tolerance; null when no branch has a loss. */
  kStar: number | null;
  /** One verdict per branch, by increasing k. */
  verdicts: BranchVerdict[];
}

/**
 * The rule of Merrill et al. on one checkpoint's branch losses. A branch without a loss (diverged,
 * failed) is not within tolerance; as a smaller batch it sets no bar (its loss counts as +∞).
 */
export function applyLocalCbsRule(branches: readonly BranchLoss[], tolerance: number): LocalCbsRule {
  const sorted = [...branches].sort((a, b) => a.multiplier - b.multiplier);
  let best = Infinity;
  let bestK: number | null = null;
  let kStar: number | null = null;
  const verdicts = sorted.map((b): BranchVerdict => {
    const threshold = bestK === null ? null : best + tolerance;
    let within: boolean;
    let reason: string;
    if (b.loss === null) {
      within = false;
      reason = `not within tolerance: ${b.note ?? 'no loss'}`;
    } else if (threshold === null) {
      within = true;
      reason = 'the smallest batch with a loss: nothing smaller to compare with';
    } else if (b.loss <= threshold) {
      within = true;
      reason = `${fmt(b.loss)} ≤ ${fmt(best)} (k = ${bestK}) + ε: as low as every smaller batch`;
    } else {
      within = false;
      reason = `${fmt(b.loss)} > ${fmt(best)} (k = ${bestK}) + ε = ${fmt(threshold)}: the bigger batch lost loss per token`;
    }
    if (within) kStar = b.multiplier;
    if (b.loss !== null && b.loss < best) {
      best = b.loss;
      bestK = b.multiplier;
    }
    return { ...b, threshold, within, reason };
  });
  return { kStar, verdicts };
}

const fmt = (x: number) => x.toFixed(4);

/** The local CBS at one checkpoint, in sequences. */
export interface LocalCbsPoint {
  step: number;
  tokens: number;
  verdicts: BranchVerdict[];
  kStar: number | null;
  /** k*·B: the largest batch within tolerance (null when no branch has a loss). */
  lower: number | null;
  /** The next batch tried above it, which was not; null when k* is the largest tried (censored). */
  upper: number | null;
  /** The geometric mean of lower and upper, as the paper plots it; the lower bound when censored. */
  estimate: number | null;
  censored: boolean;
}

/** The losses a branch's rule smooths: every step's training loss, or its final validation losses. */
export function branchLossSeries(record: RunRecord, loss: LocalCbsConfig['loss']): number[] {
  if (loss === 'train') return record.steps.map((s) => s.trainLoss);
  return record.evals.map((e) => (e.rawLoss === null ? NaN : e.rawLoss));
}

const ENDED = new Set(['finished', 'reached-target']);

/** A branch record's smoothed loss; null with a note when it has none (diverged, failed, not run). */
export function branchLoss(record: RunRecord | undefined, local: Pick<LocalCbsConfig, 'loss' | 'smoothing'>): { loss: number | null; note: string | null } {
  if (!record) return { loss: null, note: 'not run yet' };
  if (record.status === 'diverged') return { loss: null, note: `diverged${record.failure ? ` (${record.failure.reason})` : ''}` };
  if (!ENDED.has(record.status)) return { loss: null, note: `${record.status}${record.failure ? ` (${record.failure.reason})` : ''}` };
  const series = branchLossSeries(record, local.loss);
  if (series.length === 0) return { loss: null, note: `no ${local.loss} loss was recorded` };
  const s = smoothedLoss(series, local.smoothing);
  if (!Number.isFinite(s)) return { loss: null, note: `its smoothed loss is ${s}: diverged` };
  return { loss: s, note: null };
}

/**
 * The local CBS at each checkpoint. With several seed replicates, each k's loss is the mean of
 * the replicates' smoothed losses (a replicate without one makes it missing) and the rule reads
 * the means.
 */
export function localCbsPoints(runs: readonly RunRecord[], local: LocalCbsConfig): LocalCbsPoint[] {
  const branches = runs.filter((r) => r.spec.role === 'branch' && r.spec.branch);
  const steps = [...new Set(branches.map((r) => r.spec.branch!.fromStep))].sort((a, b) => a - b);
  const multipliers = [...local.multipliers].sort((a, b) => a - b);
  return steps.map((step) => {
    const at = branches.filter((r) => r.spec.branch!.fromStep === step);
    const losses: BranchLoss[] = multipliers.map((k) => {
      const replicates = at.filter((r) => r.spec.branch!.multiplier === k);
      if (replicates.length === 0) return { multiplier: k, loss: null, note: 'not run yet' };
      const each = replicates.map((r) => branchLoss(r, local));
      const missing = each.find((e) => e.loss === null);
      if (missing) return { multiplier: k, loss: null, note: missing.note };
      return { multiplier: k, loss: each.reduce((s, e) => s + e.loss!, 0) / each.length, note: null };
    });
    const { kStar, verdicts } = applyLocalCbsRule(losses, local.tolerance);
    const B = local.baseBatch;
    const lower = kStar === null ? null : kStar * B;
    const nextK = kStar === null ? undefined : multipliers.find((k) => k > kStar);
    const upper = nextK === undefined ? null : nextK * B;
    const estimate = lower === null ? null : upper === null ? lower : Math.sqrt(lower * upper);
    return { step, tokens: at[0].spec.branch!.fromTokens, verdicts, kStar, lower, upper, estimate, censored: lower !== null && upper === null };
  });
}

/**
 * Batch-size warmup from a local-CBS curve (Merrill et al. 2025, section 4.1: double the batch
 * when the CBS exceeds twice the current one, scaling the learning rate by √2). Start at the base
 * batch B and learning rate η; at each checkpoint, in token order, grow the batch to the largest
 * B·2^j that does not exceed the checkpoint's lower bound k*·B (the biggest batch measured within
 * tolerance), never shrinking it; the peak learning rate follows √(batch/B)·η. On the doubling
 * lattice this is the paper's "B*_t > 2·B_t" with B*_t the geometric mean it plots.
 */
export function proposeBatchSchedule(points: readonly LocalCbsPoint[], baseBatch: number, baseLr: number): BatchPhase[] {
  const schedule: BatchPhase[] = [{ fromTokens: 0, batchSize: baseBatch, peakLr: baseLr }];
  let current = baseBatch;
  for (const point of [...points].sort((a, b) => a.tokens - b.tokens)) {
    if (point.lower === null) continue;
    let next = current;
    while (next * 2 <= point.lower) next *= 2;
    if (next > current) {
      current = next;
      schedule.push({ fromTokens: point.tokens, batchSize: next, peakLr: Number((baseLr * Math.sqrt(next / baseBatch)).toPrecision(6)) });
    }
  }
  return schedule;
}

/**
 * The batch-size warmup comparison an experiment trains after its branches: the schedule their
 * local CBS proposes, against the constant batch, for each base run, to `target`. None when the
 * schedule never grows past the base batch (there would be nothing to compare).
 */
export function warmupComparisonRuns(config: ExperimentConfig, records: readonly RunRecord[], target: GroupTarget): RunSpec[] {
  const local = localCbsOf(config);
  const schedule = proposeBatchSchedule(localCbsPoints(records, local), local.baseBatch, local.learningRate);
  if (schedule.length < 2) return [];
  const bases = records.filter((r) => r.spec.role === 'base').sort((a, b) => a.spec.replicate - b.spec.replicate);
  return bases.flatMap((base) => planWarmupComparison(config, base.spec, schedule, target.loss));
}

/** Steps and tokens to the target of one run of the warmup comparison. */
export interface ToTarget {
  runId: string;
  status: RunRecord['status'];
  steps: number | null;
  tokens: number | null;
  /** Steps and tokens it ran (a run that never reached the target: at least this many). */
  stepsDone: number;
  tokensDone: number;
}

export interface WarmupComparison {
  replicate: number;
  schedule: BatchPhase[];
  constant: ToTarget;
  scheduled: ToTarget;
  /** 1 − scheduled steps / constant steps; null unless both reached the target. */
  stepsSaved: number | null;
  /** scheduled tokens / constant tokens − 1; null unless both reached the target. */
  extraTokens: number | null;
}

function toTarget(record: RunRecord): ToTarget {
  const steps = record.stepsToTarget;
  const at = steps === null ? undefined : record.evals.find((e) => e.step === steps);
  return { runId: record.spec.id, status: record.status, steps, tokens: at ? at.tokens : null, stepsDone: record.stepsDone, tokensDone: record.tokensDone };
}

export function warmupComparisons(runs: readonly RunRecord[]): WarmupComparison[] {
  const out: WarmupComparison[] = [];
  for (const s of runs.filter((r) => r.spec.role === 'schedule')) {
    const c = runs.find((r) => r.spec.role === 'constant' && r.spec.replicate === s.spec.replicate);
    if (!c) continue;
    const constant = toTarget(c);
    const scheduled = toTarget(s);
    const both = constant.steps !== null && scheduled.steps !== null && constant.tokens !== null && scheduled.tokens !== null;
    out.push({
      replicate: s.spec.replicate,
      schedule: s.spec.batchSchedule ?? [],
      constant,
      scheduled,
      stepsSaved: both ? 1 - scheduled.steps! / constant.steps! : null,
      extraTokens: both ? scheduled.tokens! / constant.tokens! - 1 : null,
    });
  }
  return out.sort((a, b) => a.replicate - b.replicate);
}

/** The gradient noise scale of a base run, against tokens seen. */
export interface BaseNoiseScale {
  runId: string;
  replicate: number;
  estimate: NoiseScaleEstimate;
  /** The smoothed B_simple (sequences) against tokens, thinned to at most 200 points. */
  series: { tokens: number; bSimple: number | null }[];
}

function thin<T>(xs: readonly T[], most: number): T[] {
  if (xs.length <= most) return [...xs];
  const every = Math.ceil(xs.length / most);
  return xs.filter((_, i) => i % every === 0 || i === xs.length - 1);
}

export function baseNoiseScale(record: RunRecord): BaseNoiseScale {
  const spec = record.spec;
  const estimate = estimateNoiseScale(record.steps, spec.microBatch, spec.batchSize);
  const tokensPerStep = spec.batchSize * spec.model.context;
  return {
    runId: spec.id,
    replicate: spec.replicate,
    estimate: { ...estimate, series: thin(estimate.series, 200) },
    series: thin(estimate.series, 200).map((p) => ({ tokens: p.step * tokensPerStep, bSimple: p.bSimple })),
  };
}

export interface LocalCbsReport {
  baseBatch: number;
  context: number;
  tolerance: number;
  smoothing: number;
  loss: LocalCbsConfig['loss'];
  points: LocalCbsPoint[];
  noiseScale: BaseNoiseScale[];
  /** The batch-size schedule the curve proposes (its first phase is the base batch). */
  schedule: BatchPhase[];
  comparisons: WarmupComparison[];
  /** One or two sentences reading the result. */
  reading: string;
}

/** The whole local-CBS analysis of a local-CBS experiment's results. */
export function analyzeLocalCbs(results: Pick<ExperimentResults, 'config' | 'runs'>): LocalCbsReport {
  const local = results.config.localCbs;
  if (results.config.kind !== 'local-cbs' || !local) throw new Error(`"${results.config.name}" is not a local-CBS experiment`);
  const points = localCbsPoints(results.runs, local);
  const noiseScale = results.runs.filter((r) => r.spec.role === 'base').map(baseNoiseScale);
  const report: Omit<LocalCbsReport, 'reading'> = {
    baseBatch: local.baseBatch,
    context: results.config.models[0].context,
    tolerance: local.tolerance,
    smoothing: local.smoothing,
    loss: local.loss,
    points,
    noiseScale,
    schedule: proposeBatchSchedule(points, local.baseBatch, local.learningRate),
    comparisons: warmupComparisons(results.runs),
  };
  return { ...report, reading: readLocalCbs(report) };
}

const seq = (n: number) => `${formatCount(n)} sequence${n === 1 ? '' : 's'}`;

/** "4–8 sequences", or "at least 32 sequences" when even the largest branch was within tolerance. */
function cbsPhrase(p: LocalCbsPoint): string {
  return p.censored ? `at least ${seq(p.lower!)}` : `${formatCount(p.lower!)}–${seq(p.upper!)}`;
}

/** A plain reading of the report: how the local CBS moves, how the noise scale compares, what warmup saved. */
export function readLocalCbs(report: Omit<LocalCbsReport, 'reading'>): string {
  const known = report.points.filter((p) => p.lower !== null);
  if (known.length === 0) return 'No checkpoint has a local CBS yet: its branches have not finished, or none has a loss.';
  const first = known[0];
  const last = known[known.length - 1];
  const sentences: string[] = [];
  const at = (p: LocalCbsPoint) => `${formatCount(p.tokens)} tokens`;
  if (known.length === 1) sentences.push(`The local CBS is ${cbsPhrase(first)} at ${at(first)}.`);
  else if (last.estimate === first.estimate && last.censored === first.censored) {
    sentences.push(`The local CBS is ${cbsPhrase(first)} at every checkpoint, from ${at(first)} to ${at(last)}.`);
  } else {
    const trend = last.estimate! > first.estimate! ? 'grows' : 'falls';
    sentences.push(`The local CBS ${trend} from ${cbsPhrase(first)} at ${at(first)} to ${cbsPhrase(last)} at ${at(last)}.`);
  }
  if (last.censored) sentences.push('Even the largest branch stayed within tolerance at the last checkpoint: try larger multipliers to find its upper end.');
  const noise = report.noiseScale.map((n) => n.estimate.summary).filter((x): x is number => x !== null);
  if (noise.length > 0) {
    const b = noise.reduce((s, x) => s + x, 0) / noise.length;
    const ratio = last.estimate! / b;
    // A censored local CBS is a lower bound: the noise scale can only be said to be below or above that bound.
    const lastCbs = last.censored ? "the last local CBS's lower bound" : 'the last local CBS';
    sentences.push(
      `The base run's gradient noise scale is about ${seq(Number(b.toPrecision(2)))}, ` +
        (ratio >= 1 ? `${ratio.toPrecision(2)}× below ${lastCbs}.` : `${(1 / ratio).toPrecision(2)}× above ${lastCbs}.`),
    );
  }
  if (report.schedule.length < 2) sentences.push(`It never reached twice the base batch, so batch-size warmup would keep B = ${report.baseBatch}: there is nothing to compare.`);
  const done = report.comparisons.filter((c) => c.stepsSaved !== null);
  if (done.length > 0) {
    const saved = done.reduce((s, c) => s + c.stepsSaved!, 0) / done.length;
    const extra = done.reduce((s, c) => s + c.extraTokens!, 0) / done.length;
    sentences.push(
      `Batch-size warmup reached the target in ${Math.abs(Math.round(saved * 100))}% ${saved >= 0 ? 'fewer' : 'more'} steps than the constant batch, ` +
        `reading ${Math.abs(Math.round(extra * 100))}% ${extra >= 0 ? 'more' : 'fewer'} tokens.`,
    );
  } else if (report.comparisons.length > 0) sentences.push('Batch-size warmup and the constant batch have not both reached the target.');
  return sentences.join(' ');
}
