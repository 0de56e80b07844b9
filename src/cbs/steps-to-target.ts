// Steps to target: when a run's EWA validation loss first reaches the target, and R(B), the
// smallest such step over all runs at one batch size. Pure TypeScript (Node and workers).
import type { EvalPoint, RunRecord } from '../experiment/schema';

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
 * count as reaching the target).
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
  const index = finite.findIndex((e) => e.ewaLoss <= target);
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
  const prev = index > 0 ? finite[index - 1] : null;
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
  /** Peak learning rate (null for CSV rows). */
  peakLr: number | null;
  /** Run status from the record ('csv' for CSV rows). */
  status: string;
  /** Steps to target, or null when the run never reached it. */
  steps: number | null;
  /** Why it did not reach the target (null when it did). */
  reason: string | null;
  interpolated: boolean;
}

/** R(B) at one batch size: the best run, and every run. */
export interface BatchPoint {
  batchSize: number;
  /** R(B) = min steps over the runs that reached the target; null when none did. */
  steps: number | null;
  /** Id and learning rate of the run that gave R(B). */
  bestRunId: string | null;
  bestLr: number | null;
  runs: RunOutcome[];
}

/** Outcome of one stored run against `target` (recomputed from its evaluations). */
export function runOutcome(record: RunRecord, target: number, interpolate: boolean, useStored: boolean): RunOutcome {
  const base = { runId: record.spec.id, batchSize: record.spec.batchSize, peakLr: record.spec.peakLr, status: record.status };
  if (record.evals.length === 0 && useStored && record.stepsToTarget !== null && Number.isFinite(record.stepsToTarget)) {
    // No stored evaluations to recompute from: use the step the trainer recorded.
    return { ...base, steps: record.stepsToTarget, reason: null, interpolated: false };
  }
  const crossing = stepsToTarget(record.evals, target, interpolate);
  if (crossing.reached) return { ...base, steps: crossing.steps, reason: null, interpolated: crossing.interpolated };
  const why = record.failure ? `${crossing.reason}; run ${record.status} at step ${record.failure.step}: ${record.failure.reason}` : crossing.reason;
  return { ...base, steps: null, reason: why, interpolated: false };
}

/** Groups outcomes by batch size (ascending) and takes R(B) = the minimum over runs that reached the target. */
export function batchPoints(outcomes: readonly RunOutcome[]): BatchPoint[] {
  const byBatch = new Map<number, RunOutcome[]>();
  for (const o of outcomes) {
    const list = byBatch.get(o.batchSize) ?? [];
    list.push(o);
    byBatch.set(o.batchSize, list);
  }
  return [...byBatch.keys()]
    .sort((p, q) => p - q)
    .map((batchSize) => {
      const runs = byBatch.get(batchSize) ?? [];
      let best: RunOutcome | null = null;
      for (const r of runs) if (r.steps !== null && (best === null || best.steps === null || r.steps < best.steps)) best = r;
      return { batchSize, steps: best ? best.steps : null, bestRunId: best ? best.runId : null, bestLr: best ? best.peakLr : null, runs };
    });
}
