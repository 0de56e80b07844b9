// Runs a local-CBS experiment's plan (src/experiment/plan.ts, planLocalCbs) over a pool of
// executors, as runSweep does for a sweep: the base runs first (each keeps checkpoints at the
// requested steps), then every branch from its base run's checkpoint, then, when asked, the
// batch-size warmup comparison that the caller plans from the branches' local CBS. Finished runs
// are never repeated, so a reload resumes where the experiment stopped.
import type { ExperimentConfig, ExperimentResults, GroupTarget, RunRecord, RunSpec } from '../experiment/schema';
import { RESULTS_VERSION } from '../experiment/schema';
import { emptyRecord } from './run';
import { targetFromReferences } from '../experiment/results';
import { inPool, withRetries, type RunExecutor } from './sweep';

export interface LocalCbsHooks {
  /** Called as soon as a run ends (persist it at once). */
  onRunFinished?: (record: RunRecord) => Promise<void> | void;
  /** The base runs' mean final EWA loss: the target of the warmup comparison. */
  onTarget?: (target: GroupTarget) => void;
  maxRetries?: number;
  /**
   * After the branches: the runs of the batch-size warmup comparison, planned from the records so
   * far and the target (the caller reads the local CBS off the branches). Deterministic, so a
   * resumed experiment plans the same runs and skips those that finished.
   */
  comparisonRuns?: (records: readonly RunRecord[], target: GroupTarget) => RunSpec[];
}

/** Why a branch cannot start: its base run ended before the branch's checkpoint; null when it can. */
export function branchBlocked(spec: RunSpec, base: RunRecord | undefined): string | null {
  const from = spec.branch!.fromStep;
  if (!base) return `its base run ${spec.branch!.baseRunId} is not in the plan`;
  if (base.stepsDone >= from) return null;
  const why = base.failure ? `: ${base.failure.reason}` : '';
  return `its base run ended at step ${base.stepsDone} (${base.status}${why}), before the checkpoint at step ${from}`;
}

const BRANCH_POINT = '|branch-point@';

/** Where a base run's checkpoint for its branches is kept: beside the runs' own checkpoints, under this key. */
export function branchPointKey(baseRunId: string, step: number): string {
  return `${baseRunId}${BRANCH_POINT}${step}`;
}

/** Whether a checkpoint key is a branch point's (branchPointKey), not a run's own checkpoint. */
export function isBranchPointKey(key: string): boolean {
  return key.includes(BRANCH_POINT);
}

const NO_ECONOMY = { bestAtBatch: () => null, censorAfter: () => null };

export async function runLocalCbs(
  config: ExperimentConfig,
  plan: RunSpec[],
  execute: RunExecutor,
  alreadyFinished: RunRecord[],
  hooks: LocalCbsHooks = {},
  adapter = '',
): Promise<ExperimentResults> {
  const startedAt = new Date().toISOString();
  const finished = new Map<string, RunRecord>(alreadyFinished.map((r) => [r.spec.id, r]));
  const maxRetries = hooks.maxRetries ?? 1;
  const done = async (record: RunRecord): Promise<void> => {
    finished.set(record.spec.id, record);
    await hooks.onRunFinished?.(record);
  };
  const runAll = (specs: RunSpec[]) =>
    inPool(
      specs.filter((s) => !finished.has(s.id)),
      config.workers,
      async (spec) => done(await withRetries(() => execute(spec, NO_ECONOMY), maxRetries)),
    );

  const bases = plan.filter((s) => s.role === 'base');
  await runAll(bases);

  const branches: RunSpec[] = [];
  for (const spec of plan.filter((s) => s.role === 'branch')) {
    if (finished.has(spec.id)) continue;
    const blocked = branchBlocked(spec, finished.get(spec.branch!.baseRunId));
    if (blocked === null) branches.push(spec);
    else await done({ ...emptyRecord(spec, adapter), status: 'failed', failure: { step: 0, reason: `not run: ${blocked}` } });
  }
  await runAll(branches);

  const target = targetFromReferences(bases.map((s) => finished.get(s.id)!));
  const extra: RunSpec[] = [];
  if (target) {
    hooks.onTarget?.(target);
    if (config.localCbs?.compareSchedule && hooks.comparisonRuns) {
      extra.push(...hooks.comparisonRuns([...finished.values()], target));
      await runAll(extra);
    }
  }

  return {
    version: RESULTS_VERSION,
    config,
    targets: target ? [target] : [],
    runs: [...plan, ...extra].map((s) => finished.get(s.id)).filter((r): r is RunRecord => r !== undefined),
    startedAt,
    finishedAt: new Date().toISOString(),
    adapter,
  };
}
