// Runs an experiment's plan over a pool of executors (one Web Worker each, in the app). The
// reference run of each (model, data size) group goes first where the target comes from it;
// finished runs are never repeated, so a reload resumes where the sweep stopped.
import type { ExperimentConfig, ExperimentResults, RunRecord, RunSpec } from '../experiment/schema';
import { RESULTS_VERSION } from '../experiment/schema';

export interface ExecuteOptions {
  /** Best steps-to-target so far among finished runs at this run's (group, batch size). */
  bestAtBatch: () => number | null;
}

/** Trains one run to its end (worker side); resolves with its record, whatever the outcome. */
export type RunExecutor = (spec: RunSpec, options: ExecuteOptions) => Promise<RunRecord>;

export interface SweepHooks {
  /** Called as soon as a run ends (persist it at once). */
  onRunFinished?: (record: RunRecord) => Promise<void> | void;
  onTarget?: (groupKey: string, targetLoss: number) => void;
  /** Failed runs (a lost device, say) are retried up to this many times. */
  maxRetries?: number;
}

/** Runs with the same model and data size share a target and a CBS. */
export function groupKey(spec: RunSpec): string {
  const m = spec.model;
  return `${m.name}:L${m.layers}d${m.dModel}h${m.heads}T${m.context}|D${spec.dataSize}`;
}

/** The target a reference run sets: its final EWA validation loss after exactly D tokens. */
export function targetFromReference(record: RunRecord): number | null {
  if (record.status !== 'finished' && record.status !== 'reached-target') return null;
  return record.evals.at(-1)?.ewaLoss ?? null;
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
  const targets = new Map<string, number>();
  const maxRetries = hooks.maxRetries ?? 1;

  const resolveTarget = (spec: RunSpec): number | null => spec.targetLoss ?? targets.get(groupKey(spec)) ?? null;
  const bestAt = (spec: RunSpec) => () => {
    let best: number | null = null;
    for (const r of finished.values()) {
      if (r.spec.isReference || r.spec.batchSize !== spec.batchSize || groupKey(r.spec) !== groupKey(spec)) continue;
      if (r.stepsToTarget !== null && (best === null || r.stepsToTarget < best)) best = r.stepsToTarget;
    }
    return best;
  };

  const runOne = async (spec: RunSpec): Promise<RunRecord> => {
    let record: RunRecord | null = null;
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      record = await execute(spec, { bestAtBatch: bestAt(spec) });
      if (record.status !== 'failed') break;
    }
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

  // Reference runs first: the target of their group comes from them.
  await runPool(plan.filter((s) => s.isReference));
  for (const spec of plan.filter((s) => s.isReference)) {
    const target = targetFromReference(finished.get(spec.id)!);
    if (target !== null) {
      targets.set(groupKey(spec), target);
      hooks.onTarget?.(groupKey(spec), target);
    }
  }

  // A group whose reference failed has no target: its runs are not started, and say why.
  const sweepRuns: RunSpec[] = [];
  for (const spec of plan.filter((s) => !s.isReference)) {
    const targetLoss = resolveTarget(spec);
    if (targetLoss === null) {
      if (!finished.has(spec.id)) {
        const skipped: RunRecord = {
          spec,
          status: 'failed',
          evals: [],
          steps: [],
          stepsToTarget: null,
          stepsDone: 0,
          tokensDone: 0,
          failure: { step: 0, reason: 'no target: the reference run of this model and data size did not finish' },
          wallSeconds: 0,
          adapter,
        };
        finished.set(spec.id, skipped);
        await hooks.onRunFinished?.(skipped);
      }
      continue;
    }
    sweepRuns.push({ ...spec, targetLoss });
  }
  await runPool(sweepRuns);

  const targetValues = [...new Set(plan.map((s) => resolveTarget(s)).filter((t): t is number => t !== null))];
  return {
    version: RESULTS_VERSION,
    config,
    targetLoss: targetValues.length === 1 ? targetValues[0] : null,
    runs: plan.map((s) => finished.get(s.id)).filter((r): r is RunRecord => r !== undefined),
    startedAt,
    finishedAt: new Date().toISOString(),
    adapter,
  };
}
