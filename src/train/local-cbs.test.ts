import { describe, expect, it } from 'vitest';
import { runLocalCbs } from './local-cbs';
import { emptyRecord } from './run';
import { planRuns, planWarmupComparison } from '../experiment/plan';
import { localCbsDemoConfig } from '../experiment/presets';
import type { ExperimentConfig, RunRecord, RunSpec } from '../experiment/schema';

const config: ExperimentConfig = { ...localCbsDemoConfig(), workers: 2 };
const plan = planRuns(config, { vocabSize: 257, microBatchFor: (_m, b) => Math.max(1, b / 2) });

/** A fake executor: a base run ends at loss 2.5 (or diverges at `divergeAt`); a branch at loss 3 − 0.01·k. */
function fake(log: RunSpec[], divergeAt: number | null = null) {
  return async (spec: RunSpec): Promise<RunRecord> => {
    log.push(spec);
    const record = emptyRecord(spec, 'fake');
    if (spec.role === 'base' && divergeAt !== null) {
      return { ...record, status: 'diverged', stepsDone: divergeAt, failure: { step: divergeAt, reason: `the training loss became NaN at step ${divergeAt}` } };
    }
    const loss = spec.role === 'branch' ? 3 - 0.01 * spec.branch!.multiplier : 2.5;
    return { ...record, status: 'finished', stepsDone: spec.maxSteps, evals: [{ step: spec.maxSteps, tokens: 0, ewaLoss: loss, ewaLosses: [loss], rawLoss: loss }] };
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
        return planWarmupComparison(config, base, [{ fromTokens: 0, batchSize: 4, peakLr: 0.01 }, { fromTokens: 6400, batchSize: 8, peakLr: 0.0141421 }], target.loss);
      },
    });
    expect(log.map((s) => s.role)).toEqual(['base', ...Array(15).fill('branch'), 'constant', 'schedule']);
    expect(asked).toBe(16);
    expect(results.targets).toEqual([{ group: expect.stringContaining('D20000'), loss: 2.5, from: [plan[0].id] }]);
    expect(log.at(-1)!.targetLoss).toBe(2.5);
    expect(results.runs).toHaveLength(18);
    expect(saved).toHaveLength(18);
    expect(results.config).toBe(config);
  });

  it('a branch whose checkpoint the base run never reached fails with the reason, without training', async () => {
    const log: RunSpec[] = [];
    const results = await runLocalCbs(config, plan, fake(log, 120), [], { maxRetries: 0 });
    const branches = results.runs.filter((r) => r.spec.role === 'branch');
    // Checkpoints at steps 50 and 100 were reached; 156 was not.
    expect(log.filter((s) => s.role === 'branch').map((s) => s.branch!.fromStep)).toEqual([...Array(5).fill(50), ...Array(5).fill(100)]);
    const blocked = branches.filter((r) => r.spec.branch!.fromStep === 156);
    expect(blocked).toHaveLength(5);
    for (const r of blocked) {
      expect(r.status).toBe('failed');
      expect(r.failure!.reason).toBe('not run: its base run ended at step 120 (diverged: the training loss became NaN at step 120), before the checkpoint at step 156');
    }
    // No target without a finished base run: no comparison.
    expect(results.targets).toEqual([]);
  });

  it('resumes: finished runs are not trained again, and the comparison is planned the same way', async () => {
    const first: RunSpec[] = [];
    const plannedComparison = (records: readonly RunRecord[], target: { loss: number }) => {
      const base = records.find((r) => r.spec.role === 'base')!.spec;
      return planWarmupComparison(config, base, [{ fromTokens: 0, batchSize: 4, peakLr: 0.01 }, { fromTokens: 6400, batchSize: 8, peakLr: 0.0141421 }], target.loss);
    };
    const all = await runLocalCbs(config, plan, fake(first), [], { comparisonRuns: plannedComparison });
    const kept = all.runs.filter((r) => r.spec.role === 'base' || r.spec.role === 'constant' || (r.spec.role === 'branch' && r.spec.branch!.fromStep === 50));
    const again: RunSpec[] = [];
    const resumed = await runLocalCbs(config, plan, fake(again), kept, { comparisonRuns: plannedComparison });
    expect(again.map((s) => s.role)).toEqual([...Array(10).fill('branch'), 'schedule']);
    expect(resumed.runs.map((r) => r.spec.id)).toEqual(all.runs.map((r) => r.spec.id));
  });
});
