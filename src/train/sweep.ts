// Runs an experiment's plan over a pool of executors (one Web Worker each, in the app). Where the
// target comes from reference runs, every measurement's references go first and its target is
// their mean final EWA loss. Finished runs are never repeated, so a reload resumes where the
// sweep stopped. Economy: a run stops once another run at its batch size (same measurement and
// replicate) has reached the target in fewer steps, or once it is censored (censorFactor).
import type { ExperimentConfig, ExperimentResults, GroupTarget, RunRecord, RunSpec } from '../experiment/schema';
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
    let record: RunRecord | null = null;
    // Failed attempts before the one that counts stay in its record: a retried run is not the same evidence as a clean one.
    const retries: { step: number; reason: string }[] = [];
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      if (record) retries.push({ step: record.failure?.step ?? record.stepsDone, reason: record.failure?.reason ?? 'failed' });
      record = await execute(spec, { bestAtBatch: () => bestAt(spec, spec.batchSize), censorAfter: censorAfter(spec) });
      if (record.status !== 'failed') break;
    }
    if (retries.length > 0) record = { ...record!, retries };
    finished.set(spec.id, record!);
    await hooks.onRunFinished?.(record!);
    return record!;
  };

  const runPool = async (specs: RunSpec[]): Promise<void> => {
    const queue = specs.filter((s) => !finished.has(s.id));
    const workers = Math.max(1, Math.min(config.workers, queue.length));
    await Promise.all(
      Array.from({ length: workers }, async () => {
        for (let spec = queue.shift(); spec; spec = queue.shift()) await runOne(spec);
      }),
    );
  };

  // Reference runs first: the target of their measurement comes from them.
  const references = plan.filter((s) => s.role === 'reference');
  await runPool(references);
  const referenceGroups = new Map<string, RunRecord[]>();
  for (const spec of references) referenceGroups.set(groupKey(spec), [...(referenceGroups.get(groupKey(spec)) ?? []), finished.get(spec.id)!]);
  for (const records of referenceGroups.values()) {
    const target = targetFromReferences(records);
    if (target) {
      targets.set(target.group, target);
      hooks.onTarget?.(target);
    }
  }

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
    targets: [...targets.values()],
    runs: plan.map((s) => finished.get(s.id)).filter((r): r is RunRecord => r !== undefined),
    startedAt,
    finishedAt: new Date().toISOString(),
    adapter,
  };
}
