import { describe, expect, it } from 'vitest';
import { groupKey, runSweep } from './sweep';
import { validateResults } from '../experiment/validate';
import { measurementKey, planRuns } from '../experiment/plan';
import { emptyRecord } from './run';
import type { ExperimentConfig, RunRecord, RunSpec } from '../experiment/schema';
import { defaultConfig } from '../experiment/presets';

const config: ExperimentConfig = {
  ...defaultConfig(),
  name: 'sweep test',
  preset: null,
  models: [{ name: 'tiny', layers: 1, dModel: 16, heads: 2, context: 8, vocabSize: 0 }],
  dataSizes: [4096],
  batchSizes: [2, 4, 8],
  learningRates: { values: [1e-3, 2e-3], exponent: 0, baseBatch: 2 },
  target: { kind: 'reference', batchSize: 4, learningRates: [2e-3] },
  evaluation: { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 64, probeTokens: 0 },
  workers: 2,
};

/** A fake executor: steps to target 100 + 400/B; replicate r's reference ends at loss 3.25 + 0.1·r. */
function fakeExecutor(log: RunSpec[]) {
  return async (spec: RunSpec): Promise<RunRecord> => {
    log.push(spec);
    const record = emptyRecord(spec, 'fake');
    if (spec.role === 'reference') {
      const loss = 3.25 + 0.1 * spec.replicate;
      record.status = 'finished';
      record.evals = [{ step: spec.maxSteps, tokens: 0, validationTokens: 4096, ewaLoss: loss, ewaLosses: [loss], rawLoss: 3.3 }];
    } else {
      record.status = 'reached-target';
      record.stepsToTarget = Math.round(100 + 400 / spec.batchSize + (spec.peakLr > 1.5e-3 ? 5 : 0));
    }
    return record;
  };
}

describe('runSweep', () => {
  const plan = planRuns(config, { vocabSize: 257, microBatchFor: () => 2 });

  it('runs the reference first, hands its final EWA loss to every run of its group as the target', async () => {
    const log: RunSpec[] = [];
    const persisted: RunRecord[] = [];
    const results = await runSweep(config, plan, fakeExecutor(log), [], { onRunFinished: (r) => void persisted.push(r) });
    expect(log[0].role).toBe('reference');
    expect(log.slice(1).every((s) => s.targetLoss === 3.25)).toBe(true);
    expect(results.runs).toHaveLength(plan.length);
    expect(results.targets).toEqual([{ group: groupKey(plan[0]), loss: 3.25, from: [plan[0].id] }]);
    expect(persisted).toHaveLength(plan.length);
    expect(new Set(plan.map(groupKey)).size).toBe(1);
    // The analysis groups by the same key (src/cbs/report.ts).
    expect(plan.map(groupKey)).toEqual(plan.map((s) => measurementKey(s.model, s.dataSize)));
  });

  it("announces each measurement's target as soon as its own references finish, before the next measurement's references start", async () => {
    const twoBudgets: ExperimentConfig = { ...config, dataSizes: [4096, 8192], workers: 1 };
    const twoPlan = planRuns(twoBudgets, { vocabSize: 257, microBatchFor: () => 2 });
    const events: string[] = [];
    const execute = fakeExecutor([]);
    const logged = (spec: RunSpec) => {
      events.push(`${spec.role} D=${spec.dataSize}`);
      return execute(spec);
    };
    await runSweep(twoBudgets, twoPlan, logged, [], { onTarget: (t) => void events.push(`target ${t.group}`) });
    const [first, second] = [...new Set(twoPlan.filter((s) => s.role === 'reference').map(groupKey))];
    const firstD = twoPlan.find((s) => groupKey(s) === first)!.dataSize;
    const secondD = twoPlan.find((s) => groupKey(s) === second)!.dataSize;
    expect(events.slice(0, 4)).toEqual([`reference D=${firstD}`, `target ${first}`, `reference D=${secondD}`, `target ${second}`]);
    // Every sweep run starts after both targets are known.
    expect(events.slice(4).every((e) => e.startsWith('sweep'))).toBe(true);
  });

  it('never repeats a finished run when resumed', async () => {
    const first: RunRecord[] = [];
    await runSweep(config, plan, fakeExecutor([]), [], { onRunFinished: (r) => void first.push(r) });
    const log: RunSpec[] = [];
    const kept = first.slice(0, 4);
    const results = await runSweep(config, plan, fakeExecutor(log), kept);
    expect(log.map((s) => s.id).sort()).toEqual(plan.slice(4).map((s) => s.id).sort());
    expect(results.runs).toHaveLength(plan.length);
  });

  it('a run that succeeds on its retry keeps the failed attempt in its record', async () => {
    const attempts = new Map<string, number>();
    const base = fakeExecutor([]);
    const lostOnce = async (spec: RunSpec): Promise<RunRecord> => {
      const n = (attempts.get(spec.id) ?? 0) + 1;
      attempts.set(spec.id, n);
      if (n === 1 && spec.batchSize === 4 && spec.role === 'sweep') {
        const r = emptyRecord(spec, 'fake');
        r.status = 'failed';
        r.failure = { step: 17, reason: 'The WebGPU device was lost' };
        return r;
      }
      return base(spec);
    };
    const results = await runSweep(config, plan, lostOnce, [], { maxRetries: 1 });
    const retried = results.runs.filter((r) => r.retries !== undefined);
    expect(retried.map((r) => r.spec.id).sort()).toEqual(plan.filter((s) => s.role === 'sweep' && s.batchSize === 4).map((s) => s.id).sort());
    expect(retried.length).toBeGreaterThan(0);
    for (const r of retried) {
      expect(r.status).toBe('reached-target');
      expect(r.retries).toEqual([{ step: 17, reason: 'The WebGPU device was lost' }]);
    }
    expect(validateResults(JSON.parse(JSON.stringify(results)))).toEqual([]);
  });

  it('retries a failed run, and reports the group without a target when its reference fails', async () => {
    let calls = 0;
    const flaky = async (spec: RunSpec): Promise<RunRecord> => {
      calls++;
      const r = emptyRecord(spec, 'fake');
      r.status = 'failed';
      r.failure = { step: 3, reason: 'The WebGPU device was lost' };
      return r;
    };
    const results = await runSweep(config, plan, flaky, [], { maxRetries: 1 });
    expect(calls).toBe(2); // the reference, tried twice; the rest never start
    const skipped = results.runs.filter((r) => r.spec.role === 'sweep');
    expect(skipped.every((r) => r.failure?.reason.startsWith('no target'))).toBe(true);
  });

  it('with replicates: every reference first, the target is their mean, and the economy is per replicate', async () => {
    const replicated = { ...config, workers: 1, seeds: [{ init: 1, data: 1 }, { init: 2, data: 2 }] };
    const plan2 = planRuns(replicated, { vocabSize: 257, microBatchFor: () => 2 });
    const log: RunSpec[] = [];
    const seen: { id: string; best: number | null }[] = [];
    const exec = fakeExecutor(log);
    const results = await runSweep(replicated, plan2, async (spec, opts) => {
      seen.push({ id: spec.id, best: opts.bestAtBatch() });
      return exec(spec);
    }, []);
    expect(log.slice(0, 2).map((s) => s.role)).toEqual(['reference', 'reference']);
    expect(results.targets[0].loss).toBeCloseTo(3.3, 12);
    expect(results.targets[0].from).toHaveLength(2);
    // The second learning rate at B = 2 sees the first one's steps, but only within its own replicate.
    const second = plan2.filter((s) => s.role === 'sweep' && s.batchSize === 2);
    expect(seen.find((x) => x.id === second[1].id)?.best).toBe(300);
    expect(seen.find((x) => x.id === second[2].id)?.best).toBeNull();
  });

  it('censors runs past censorFactor × linear scaling from the smallest batch size', async () => {
    const bounds: { batchSize: number; censor: number | null }[] = [];
    const exec = fakeExecutor([]);
    await runSweep({ ...config, workers: 1, censorFactor: 3 }, plan, async (spec, opts) => {
      if (spec.role === 'sweep') bounds.push({ batchSize: spec.batchSize, censor: opts.censorAfter() });
      return exec(spec);
    }, []);
    // R(2) = 300 steps: at B = 8 linear scaling predicts 75, so the bound is 3 × 75 = 225 steps.
    expect(bounds.filter((b) => b.batchSize === 2).every((b) => b.censor === null)).toBe(true);
    expect(bounds.filter((b) => b.batchSize === 8).map((b) => b.censor)).toEqual([225, 225]);
  });
});
