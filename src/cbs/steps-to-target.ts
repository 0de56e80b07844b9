// Steps to target: when a run's EWA validation loss first reaches the target, and R(B), the
// smallest such step over all runs at one batch size. Pure TypeScript (Node and workers).
import type { EvalPoint, RunRecord } from '../experiment/schema';
import type { CurvePoint } from './fit';

/** Where a run crossed the target, or why it did not. Never NaN: `steps` is null when unreached. */
export type Crossing =
  | {
      reached: true;
      /** Steps to target: the first evaluation step at or below the target, or the log-step interpolation. */
      steps: number;
      /** The first evaluation at or below the target. */
      atStep: number;
      /** The evaluation before it (above the target), or null when the first evaluation already reached it. */
      previousStep: number | null;
      interpolated: boolean;
    }
  | {
      reached: false;
      steps: null;
      reason: string;
      /** Lowest finite EWA loss seen, null when there was none. */
      bestLoss: number | null;
      lastStep: number | null;
    };

/**
 * Steps to target from a run's evaluations (EWA loss).
 *
 * Without interpolation (the paper's rule and the default): the first evaluation step whose EWA
 * loss is at or below `target`.
 *
 * With interpolation: the loss is taken as linear in log(step) between the evaluation before the
 * crossing (s0, L0 > target) and the first one at or below it (s1, L1 ≤ target):
 *   log R = log s0 + (L0 − target)/(L0 − L1) · (log s1 − log s0).
 * When there is no earlier evaluation, or it is at step 0 (log undefined), the result is s1.
 *
 * Evaluations are sorted by step; those with a non-finite loss are skipped (a diverged tail cannot
 * count as reaching the target). Only evaluations on the full validation set (the largest
 * validationTokens of the run) can be the crossing; the one before it may be on the probe.
 */
export function stepsToTarget(evals: readonly EvalPoint[], target: number, interpolate: boolean): Crossing {
  if (!Number.isFinite(target)) {
    return { reached: false, steps: null, reason: `target loss ${String(target)} is not a finite number`, bestLoss: null, lastStep: null };
  }
  const finite = evals.filter((e) => Number.isFinite(e.ewaLoss) && Number.isFinite(e.step)).slice();
  finite.sort((p, q) => p.step - q.step);
  if (finite.length === 0) {
    return { reached: false, steps: null, reason: 'no evaluations with a finite EWA loss', bestLoss: null, lastStep: null };
  }
  // Only the full validation set decides the crossing: a run evaluates a smaller probe far from
  // the target (EvalPoint.validationTokens), whose reading can wander below it by noise.
  const fullTokens = Math.max(...finite.map((e) => e.validationTokens));
  const index = finite.findIndex((e) => e.validationTokens === fullTokens && e.ewaLoss <= target);
  if (index < 0) {
    const bestLoss = Math.min(...finite.map((e) => e.ewaLoss));
    const lastStep = finite[finite.length - 1].step;
    return {
      reached: false,
      steps: null,
      reason: `never reached the target ${target} (best EWA loss ${bestLoss.toPrecision(5)} by step ${lastStep})`,
      bestLoss,
      lastStep,
    };
  }
  const hit = finite[index];
  const before = index > 0 ? finite[index - 1] : null;
  // The anchor below the crossing must be above the target (a probe reading below it is not one).
  const prev = before !== null && before.ewaLoss > target ? before : null;
  if (!interpolate || prev === null || prev.step <= 0 || prev.step >= hit.step) {
    return { reached: true, steps: hit.step, atStep: hit.step, previousStep: prev ? prev.step : null, interpolated: false };
  }
  return {
    reached: true,
    steps: interpolateLogStep(prev.step, prev.ewaLoss, hit.step, hit.ewaLoss, target),
    atStep: hit.step,
    previousStep: prev.step,
    interpolated: true,
  };
}

/** The step where a loss linear in log(step) between (s0, l0) and (s1, l1) equals `target` (l1 ≤ target < l0). */
export function interpolateLogStep(s0: number, l0: number, s1: number, l1: number, target: number): number {
  if (!(l0 > l1)) return s1;
  const fraction = Math.min(1, Math.max(0, (l0 - target) / (l0 - l1)));
  return Math.exp(Math.log(s0) + fraction * (Math.log(s1) - Math.log(s0)));
}

/** One run's outcome against the target. */
export interface RunOutcome {
  runId: string;
  batchSize: number;
  /** Peak learning rate (null for table rows). */
  peakLr: number | null;
  /** Run status from the record ('table' for table rows). */
  status: string;
  /** Seed replicate (0 for table rows). */
  replicate: number;
  /** Steps to target, or null when the run never reached it. */
  steps: number | null;
  /**
   * For a run that stopped unreached because of its cap or the economy bound (not a failure or
   * another run's win): R(B) > this many steps. null otherwise.
   */
  censoredAbove: number | null;
  /** Why it did not reach the target (null when it did). */
  reason: string | null;
  interpolated: boolean;
}

/** R(B) of one seed replicate at one batch size: the best of its runs (learning rates). */
export interface ReplicatePoint {
  replicate: number;
  /** min steps over the replicate's runs that reached the target; null when none did. */
  steps: number | null;
  /** When none reached it: the largest censoring bound among its runs (R(B) > this), else null. */
  censoredAbove: number | null;
  bestRunId: string | null;
  bestLr: number | null;
}

/** R(B) at one batch size: per seed replicate, and pooled. */
export interface BatchPoint {
  batchSize: number;
  /** The geometric mean of the replicates' R(B) when every replicate reached the target; null otherwise. */
  steps: number | null;
  replicates: ReplicatePoint[];
  /** Id and learning rate of the best run over all replicates (the one that gave the smallest R). */
  bestRunId: string | null;
  bestLr: number | null;
  runs: RunOutcome[];
}

/** Outcome of one stored run against `target` (recomputed from its evaluations). */
export function runOutcome(record: RunRecord, target: number, interpolate: boolean): RunOutcome {
  const base = { runId: record.spec.id, batchSize: record.spec.batchSize, peakLr: record.spec.peakLr, status: record.status, replicate: record.spec.replicate };
  const crossing = stepsToTarget(record.evals, target, interpolate);
  if (crossing.reached) return { ...base, steps: crossing.steps, censoredAbove: null, reason: null, interpolated: crossing.interpolated };
  // Ran to its cap, or was stopped by the economy bound: both say R(B) > the steps it took.
  const censored = record.status === 'finished' || record.status === 'censored' || record.status === 'reached-target';
  const why = record.failure ? `${crossing.reason}; run ${record.status} at step ${record.failure.step}: ${record.failure.reason}` : crossing.reason;
  return { ...base, steps: null, censoredAbove: censored && record.stepsDone > 0 ? record.stepsDone : null, reason: why, interpolated: false };
}

function geometricMean(values: readonly number[]): number {
  if (values.length === 1) return values[0];
  return Math.exp(values.reduce((s, v) => s + Math.log(v), 0) / values.length);
}

/** Groups outcomes by batch size (ascending) and replicate; R(B) of a replicate is the minimum over its runs that reached the target. */
export function batchPoints(outcomes: readonly RunOutcome[]): BatchPoint[] {
  const byBatch = new Map<number, RunOutcome[]>();
  for (const o of outcomes) byBatch.set(o.batchSize, [...(byBatch.get(o.batchSize) ?? []), o]);
  return [...byBatch.keys()]
    .sort((p, q) => p - q)
    .map((batchSize) => {
      const runs = byBatch.get(batchSize) ?? [];
      const replicateIds = [...new Set(runs.map((r) => r.replicate))].sort((p, q) => p - q);
      const replicates = replicateIds.map((replicate): ReplicatePoint => {
        const mine = runs.filter((r) => r.replicate === replicate);
        let best: RunOutcome | null = null;
        for (const r of mine) if (r.steps !== null && (best === null || r.steps < (best.steps as number))) best = r;
        const bounds = mine.map((r) => r.censoredAbove).filter((b): b is number => b !== null);
        return {
          replicate,
          steps: best ? best.steps : null,
          censoredAbove: best === null && bounds.length > 0 ? Math.max(...bounds) : null,
          bestRunId: best ? best.runId : null,
          bestLr: best ? best.peakLr : null,
        };
      });
      const reached = replicates.filter((r) => r.steps !== null);
      const overall = reached.reduce<ReplicatePoint | null>((b, r) => (b === null || (r.steps as number) < (b.steps as number) ? r : b), null);
      return {
        batchSize,
        steps: reached.length > 0 && reached.length === replicates.length ? geometricMean(reached.map((r) => r.steps as number)) : null,
        replicates,
        bestRunId: overall?.bestRunId ?? null,
        bestLr: overall?.bestLr ?? null,
        runs,
      };
    });
}

/**
 * The points the fit and the bootstrap use: one per replicate and batch size, R(B) where the
 * replicate reached the target, its censoring bound (R(B) > bound) where it stopped unreached.
 */
export function curvePoints(points: readonly BatchPoint[]): (CurvePoint & { replicate: number })[] {
  const out: (CurvePoint & { replicate: number })[] = [];
  for (const p of points) {
    for (const r of p.replicates) {
      if (r.steps !== null) out.push({ batchSize: p.batchSize, steps: r.steps, replicate: r.replicate });
      else if (r.censoredAbove !== null) out.push({ batchSize: p.batchSize, steps: r.censoredAbove, censored: true, replicate: r.replicate });
    }
  }
  return out;
}

/**
 * One value per batch size for the fit-free rule: the geometric mean over replicates, a lower
 * bound (censored) when some replicate only has a bound there.
 */
export function pooledPoints(points: readonly BatchPoint[]): CurvePoint[] {
  const out: CurvePoint[] = [];
  for (const p of points) {
    const values = p.replicates.map((r) => r.steps ?? r.censoredAbove).filter((v): v is number => v !== null);
    if (values.length !== p.replicates.length || values.length === 0) continue;
    const censored = p.replicates.some((r) => r.steps === null);
    out.push({ batchSize: p.batchSize, steps: geometricMean(values), ...(censored ? { censored: true } : {}) });
  }
  return out;
}
