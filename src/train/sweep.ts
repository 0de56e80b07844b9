// Runs an experiment's plan over a pool of executors (one Web Worker each, in the app). Where the
// target comes from reference runs, every measurement's references go first and its target is
// their mean final EWA loss. Finished runs are never repeated, so a reload resumes where the
// sweep stopped. Economy: a run stops once another run at its batch size (same measurement and
// replicate) has reached the target in fewer steps, or once it is censored (censorFactor).
import type { ExperimentConfig, ExperimentResults, GroupTarget, RunRecord, RunRetry, RunSpec } from '../experiment/schema';
import { RESULTS_VERSION } from '../experiment/schema';
import { measurementKey } from '../experiment/plan';
import { targetFromReferences } from '../experiment/results';

export interface ExecuteOptions {
  /** Best steps-to-target so far among finished runs at this run's (measurement, replicate, batch size). */
  bestAtBatch: () => number | null;
  /** The step count past which this run is censored; null while unknown or when the config has no economy bound. */
  censorAfter: () => number | null;
}

/** Trains one run to its end (worker side); resolves with its record, whatever the outcome. */
export type RunExecutor = (spec: RunSpec, options: ExecuteOptions) => Promise<RunRecord>;

export interface SweepHooks {
  /** Called as soon as a run ends (persist it at once). */
  onRunFinished?: (record: RunRecord) => Promise<void> | void;
  onTarget?: (target: GroupTarget) => void;
  /** Failed runs (a lost device, say) are retried up to this many times. */
  maxRetries?: number;
}

/** The measurement a run belongs to: runs with the same key share a target and a CBS. */
export function groupKey(spec: RunSpec): string {
  return measurementKey(spec.model, spec.dataSize);
}

/**
 * A run that failed (a lost device, say) is tried again, up to `maxRetries` more times. Failed
 * attempts before the one that counts stay in its record: a retried run is not the same evidence
 * as a clean one.
 */
export async function withRetries(attempt: () => Promise<RunRecord>, maxRetries: number): Promise<RunRecord> {
  let record = await attempt();
  const retries: RunRetry[] = [];
  for (let i = 0; i < maxRetries && record.status === 'failed'; i++) {
    retries.push({ step: record.failure?.step ?? record.stepsDone, reason: record.failure?.reason ?? 'failed' });
    record = await attempt();
  }
  return retries.length > 0 ? { ...record, retries } : record;
}

/** Works through `items` in order with at most `workers` of them in flight at once. */
export async function inPool<T>(items: readonly T[], workers: number, each: (item: T) => Promise<unknown>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(workers, queue.length)) }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await each(item);
    }),
  );
}

export async function runSweep(
  config: ExperimentConfig,
  plan: RunSpec[],
  execute: RunExecutor,
  alreadyFinished: RunRecord[],
  hooks: SweepHooks = {},
  adapter = '',
): Promise<ExperimentResults> {
  const startedAt = new Date().toISOString();
  const finished = new Map<string, RunRecord>(alreadyFinished.map((r) => [r.spec.id, r]));
  const targets = new Map<string, GroupTarget>();
  const maxRetries = hooks.maxRetries ?? 1;
  if (config.target.kind === 'fixed') {
    for (const spec of plan) targets.set(groupKey(spec), { group: groupKey(spec), loss: config.target.loss, from: [] });
  }

  const sameCell = (r: RunSpec, spec: RunSpec) => r.role === 'sweep' && r.replicate === spec.replicate && groupKey(r) === groupKey(spec);
  const bestAt = (spec: RunSpec, batchSize: number): number | null => {
    let best: number | null = null;
    for (const r of finished.values()) {
      if (!sameCell(r.spec, spec) || r.spec.batchSize !== batchSize) continue;
      if (r.stepsToTarget !== null && (best === null || r.stepsToTarget < best)) best = r.stepsToTarget;
    }
    return best;
  };
  const baselineBatch = Math.min(...config.batchSizes);
  const censorAfter = (spec: RunSpec) => (): number | null => {
    if (config.censorFactor === null || spec.batchSize <= baselineBatch) return null;
    const baseline = bestAt(spec, baselineBatch);
    if (baseline === null) return null;
    return Math.ceil((config.censorFactor * baseline * baselineBatch) / spec.batchSize);
  };

  const runOne = async (spec: RunSpec): Promise<RunRecord> => {
    const record = await withRetries(() => execute(spec, { bestAtBatch: () => bestAt(spec, spec.batchSize), censorAfter: censorAfter(spec) }), maxRetries);
    finished.set(spec.id, record);
    await hooks.onRunFinished?.(record);
    return record;
  };

  /** Runs the specs not finished yet, `workers` at a time; `then` follows each one as it ends. */
  const runPool = (specs: RunSpec[], then?: (spec: RunSpec) => void): Promise<void> =>
    inPool(
      specs.filter((s) => !finished.has(s.id)),
      config.workers,
      async (spec) => {
        await runOne(spec);
        then?.(spec);
      },
    );

  // Reference runs first: the target of their measurement comes from them. Each measurement's
  // target is announced as soon as its own references have finished, so that the page draws it
  // while the other measurements' references still train.
  const references = plan.filter((s) => s.role === 'reference');
  const referencesOf = new Map<string, RunSpec[]>();
  for (const spec of references) referencesOf.set(groupKey(spec), [...(referencesOf.get(groupKey(spec)) ?? []), spec]);
  const settleTarget = (group: string): void => {
    const specs = referencesOf.get(group) ?? [];
    if (targets.has(group) || !specs.every((s) => finished.has(s.id))) return;
    const target = targetFromReferences(specs.map((s) => finished.get(s.id)!));
    if (target) {
      targets.set(target.group, target);
      hooks.onTarget?.(target);
    }
  };
  await runPool(references, (spec) => settleTarget(groupKey(spec)));
  // Measurements whose references had all finished before a resume.
  for (const group of referencesOf.keys()) settleTarget(group);

  // A measurement whose references all failed has no target: its runs are not started, and say why.
  const sweepRuns: RunSpec[] = [];
  for (const spec of plan.filter((s) => s.role === 'sweep')) {
    const target = targets.get(groupKey(spec));
    if (!target) {
      if (!finished.has(spec.id)) {
        const skipped: RunRecord = {
          spec,
          status: 'failed',
          evals: [],
          steps: [],
          stepsToTarget: null,
          stepsDone: 0,
          tokensDone: 0,
          failure: { step: 0, reason: 'no target: no reference run of this model and data size finished' },
          wallSeconds: 0,
          adapter,
        };
        finished.set(spec.id, skipped);
        await hooks.onRunFinished?.(skipped);
      }
      continue;
    }
    sweepRuns.push({ ...spec, targetLoss: target.loss });
  }
  await runPool(sweepRuns);

  return {
    version: RESULTS_VERSION,
    config,
    // In plan order, whichever measurement's references finished first (with several workers).
    targets: [...new Set(plan.map(groupKey))].flatMap((group) => {
      const target = targets.get(group);
      return target ? [target] : [];
    }),
    runs: plan.map((s) => finished.get(s.id)).filter((r): r is RunRecord => r !== undefined),
    startedAt,
    finishedAt: new Date().toISOString(),
    adapter,
  };
}
