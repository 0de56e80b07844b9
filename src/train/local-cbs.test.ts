import { describe, expect, it } from 'vitest';
import { runLocalCbs } from './local-cbs';
import { emptyRecord } from './run';
import { planRuns, planWarmupComparison } from '../experiment/plan';
import { localCbsDemoConfig } from '../experiment/presets';
import type { BatchPhase, ExperimentConfig, RunRecord, RunSpec } from '../experiment/schema';

const config: ExperimentConfig = { ...localCbsDemoConfig(), workers: 2 };
const plan = planRuns(config, { vocabSize: 257, microBatchFor: (_m, b) => Math.max(1, b / 2) });
const SCHEDULE: BatchPhase[] = [
  { fromTokens: 0, batchSize: 4, peakLr: 0.00324901 },
  { fromTokens: 6400, batchSize: 8, peakLr: 0.00459477 },
];

/** A fake executor: a base run ends at loss 2.5 (or diverges at `divergeAt`); a branch at loss 3 − 0.01·k. */
function fake(log: RunSpec[], divergeAt: number | null = null) {
  return async (spec: RunSpec): Promise<RunRecord> => {
    log.push(spec);
    const record = emptyRecord(spec, 'fake');
    if (spec.role === 'base' && divergeAt !== null) {
      return { ...record, status: 'diverged', stepsDone: divergeAt, failure: { step: divergeAt, reason: `the training loss became NaN at step ${divergeAt}` } };
    }
    const loss = spec.role === 'branch' ? 3 - 0.01 * spec.branch!.multiplier : 2.5;
    return { ...record, status: 'finished', stepsDone: spec.maxSteps, evals: [{ step: spec.maxSteps, tokens: 0, validationTokens: 4096, ewaLoss: loss, ewaLosses: [loss], rawLoss: loss }] };
  };
}

describe('runLocalCbs', () => {
  it('trains the base run, then its branches, then the warmup comparison to the base run\'s final EWA loss', async () => {
    const log: RunSpec[] = [];
    const saved: RunRecord[] = [];
    let asked: number | null = null;
    const results = await runLocalCbs(config, plan, fake(log), [], {
      onRunFinished: (r) => void saved.push(r),
      comparisonRuns: (records, target) => {
        asked = records.length;
        const base = records.find((r) => r.spec.role === 'base')!.spec;
        return planWarmupComparison(config, base, SCHEDULE, target.loss);
      },
    });
    expect(log.map((s) => s.role)).toEqual(['base', ...Array(18).fill('branch'), 'constant', 'schedule']);
    expect(asked).toBe(19);
    expect(results.targets).toEqual([{ group: expect.stringContaining('D20000'), loss: 2.5, from: [plan[0].id] }]);
    expect(log.at(-1)!.targetLoss).toBe(2.5);
    expect(results.runs).toHaveLength(21);
    expect(saved).toHaveLength(21);
    expect(results.config).toBe(config);
  });

  it('a branch whose checkpoint the base run never reached fails with the reason, without training', async () => {
    const log: RunSpec[] = [];
    const results = await runLocalCbs(config, plan, fake(log, 250), [], { maxRetries: 0 });
    const branches = results.runs.filter((r) => r.spec.role === 'branch');
    // Checkpoints at steps 100 and 200 were reached; 312 was not.
    expect(log.filter((s) => s.role === 'branch').map((s) => s.branch!.fromStep)).toEqual([...Array(6).fill(100), ...Array(6).fill(200)]);
    const blocked = branches.filter((r) => r.spec.branch!.fromStep === 312);
    expect(blocked).toHaveLength(6);
    for (const r of blocked) {
      expect(r.status).toBe('failed');
      expect(r.failure!.reason).toBe('not run: its base run ended at step 250 (diverged: the training loss became NaN at step 250), before the checkpoint at step 312');
    }
    // No target without a finished base run: no comparison.
    expect(results.targets).toEqual([]);
  });

  it('resumes: finished runs are not trained again, and the comparison is planned the same way', async () => {
    const first: RunSpec[] = [];
    const plannedComparison = (records: readonly RunRecord[], target: { loss: number }) => {
      const base = records.find((r) => r.spec.role === 'base')!.spec;
      return planWarmupComparison(config, base, SCHEDULE, target.loss);
    };
    const all = await runLocalCbs(config, plan, fake(first), [], { comparisonRuns: plannedComparison });
    const kept = all.runs.filter((r) => r.spec.role === 'base' || r.spec.role === 'constant' || (r.spec.role === 'branch' && r.spec.branch!.fromStep === 100));
    const again: RunSpec[] = [];
    const resumed = await runLocalCbs(config, plan, fake(again), kept, { comparisonRuns: plannedComparison });
    expect(again.map((s) => s.role)).toEqual([...Array(12).fill('branch'), 'schedule']);
    expect(resumed.runs.map((r) => r.spec.id)).toEqual(all.runs.map((r) => r.spec.id));
  });
});
