// The experiment runner with fake workers: a Start that fails while planning must not leave its
// workers running (each holds a WebGPU device).
import { describe, expect, it } from 'vitest';
import { ExperimentRunner, type ExperimentHooks, type SweepPersistence } from './experiment-runner';
import type { LabWorker } from './client';
import { defaultConfig } from '../experiment/presets';
import { emptyRecord } from '../train/run';
import type { RunSpec } from '../experiment/schema';
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
