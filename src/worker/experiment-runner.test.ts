// The experiment runner with fake workers: a Start that fails while planning must not leave its
// workers running (each holds a WebGPU device).
import { describe, expect, it } from 'vitest';
import { ExperimentRunner, type ExperimentHooks, type SweepPersistence } from './experiment-runner';
import type { LabWorker } from './client';
import { defaultConfig } from '../experiment/presets';
import { emptyRecord } from '../train/run';
import type { RunRecord, RunSpec } from '../experiment/schema';
import type { RunSetup } from './protocol';
import { STORAGE_FULL } from '../util/errors';

const noop = () => undefined;
const hooks: ExperimentHooks = {
  experimentStarted: noop, runQueued: noop, runStarted: noop, runProgress: noop, runEval: noop,
  runStatus: noop, runFinished: noop, targetKnown: noop, experimentStatus: noop, experimentFinished: noop,
};
const store: SweepPersistence = {
  begin: async () => ({ id: 'sweep' }), finishedRuns: async () => [], saveRun: async () => undefined,
  checkpoint: async () => null, saveCheckpoint: async () => undefined, markFinished: async () => undefined,
};

describe('ExperimentRunner', () => {
  it('hands each run the economy bounds known when it starts (a setEconomy before train() would reach no run)', async () => {
    const config = { ...defaultConfig(), batchSizes: [4, 8], learningRates: { values: [0.01, 0.02], exponent: 0, baseBatch: 4 }, censorFactor: 3, workers: 1 };
    const given: { spec: RunSpec; economy: RunSetup['economy'] }[] = [];
    // A worker whose sweep runs all reach the target in 40 steps (a reference trains its budget).
    const api = {
      describeTokenizer: async () => ({ id: 'bytes', vocabSize: 257, eotId: 256 }),
      setEconomy: async () => undefined,
      train: async (spec: RunSpec, setup: RunSetup): Promise<RunRecord> => {
        given.push({ spec, economy: setup.economy });
        const record = emptyRecord(spec, 'fake');
        const steps = spec.role === 'reference' ? spec.maxSteps : 40;
        record.evals = [{ step: steps, tokens: 0, validationTokens: 4096, ewaLoss: 2, ewaLosses: [2, 2, 2], rawLoss: 3 }];
        Object.assign(record, { status: spec.role === 'reference' ? 'finished' : 'reached-target', stepsDone: steps, stepsToTarget: spec.role === 'reference' ? null : steps });
        return record;
      },
    };
    const worker: LabWorker = { api: api as unknown as LabWorker['api'], terminate: noop };
    await new ExperimentRunner(config, { store, hooks, limits: { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 } as never, adapter: 'fake', startWorker: () => worker }).run();
    const at = (B: number, i: number) => given.filter((g) => g.spec.role === 'sweep' && g.spec.batchSize === B)[i].economy;
    // The first run at B = 4 knows nothing yet; the second is bounded by the first's 40 steps.
    expect(at(4, 0)).toEqual({ best: null, censorAfter: null });
    expect(at(4, 1)).toEqual({ best: 40, censorAfter: null });
    // At B = 8: censored past 3 × 40 × 4 / 8 = 60 steps; the second run also by the first's 40.
    expect(at(8, 0)).toEqual({ best: null, censorAfter: 60 });
    expect(at(8, 1)).toEqual({ best: 40, censorAfter: 60 });
  });

  it('terminates every worker it started when planning fails', async () => {
    const started: { terminated: boolean }[] = [];
    const startWorker = (): LabWorker => {
      const w = { terminated: false };
      started.push(w);
      const api = { describeTokenizer: () => Promise.reject(new Error('the tokenizer could not be loaded')) };
      return { api: api as unknown as LabWorker['api'], terminate: () => void (w.terminated = true) };
    };
    for (let attempt = 0; attempt < 3; attempt++) {
      const runner = new ExperimentRunner({ ...defaultConfig(), workers: 2 }, {
        store, hooks, limits: {} as never, adapter: 'fake', startWorker,
      });
      await expect(runner.run()).rejects.toThrow('the tokenizer could not be loaded');
    }
    expect(started).toHaveLength(6);
    expect(started.filter((w) => !w.terminated)).toEqual([]);
  });

  it('a finished run that cannot be stored (storage full) is a warning: the sweep goes on and returns every run', async () => {
    const startWorker = (): LabWorker => {
      const api = {
        describeTokenizer: async () => ({ id: 'bytes', vocabSize: 257, eotId: 256 }),
        setBest: async () => undefined,
        train: async (spec: RunSpec) => ({ ...emptyRecord(spec, 'fake'), status: 'finished' as const, evals: [{ step: spec.maxSteps, tokens: 1, ewaLoss: 3, ewaLosses: [3], rawLoss: 3 }] }),
      };
      return { api: api as unknown as LabWorker['api'], terminate: noop };
    };
    const full = Object.assign(new Error(''), { name: 'QuotaExceededError' });
    const warnings: string[] = [];
    const runner = new ExperimentRunner(defaultConfig(), {
      store: { ...store, saveRun: () => Promise.reject(full), markFinished: () => Promise.reject(full) },
      hooks, limits: { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 } as never, adapter: 'fake', startWorker,
      onWarning: (m) => void warnings.push(m),
    });
    const results = await runner.run();
    expect(results.runs.map((r) => r.status)).toEqual(results.runs.map(() => 'finished'));
    expect(results.runs.length).toBeGreaterThan(1);
    expect(warnings).toHaveLength(results.runs.length + 1);
    expect(warnings.every((w) => w.startsWith(STORAGE_FULL))).toBe(true);
  });
});
