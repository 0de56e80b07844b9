import { describe, expect, it } from 'vitest';
import type { Remote } from 'comlink';
import { defaultConfig } from '../experiment/presets';
import type { RunRecord, RunSpec } from '../experiment/schema';
import { emptyRecord } from '../train/run';
import { ExperimentRunner, type ExperimentHooks, type SweepPersistence } from './experiment-runner';
import type { LabWorker } from './client';
import type { LabWorkerApi } from './lab.worker';
import type { RunSetup } from './protocol';

const noop = () => undefined;
const hooks: ExperimentHooks = {
  experimentStarted: noop,
  runQueued: noop,
  runStarted: noop,
  runProgress: noop,
  runEval: noop,
  runStatus: noop,
  runFinished: noop,
  targetKnown: noop,
  experimentStatus: noop,
  experimentFinished: noop,
};

const store: SweepPersistence = {
  begin: async () => ({ id: 'sweep' }),
  finishedRuns: async () => [],
  saveRun: async () => undefined,
  checkpoint: async () => null,
  saveCheckpoint: async () => undefined,
  markFinished: async () => undefined,
};

describe('ExperimentRunner', () => {
  it('hands each run the economy bounds known when it starts (a setEconomy before train() would reach no run)', async () => {
    const config = { ...defaultConfig(), batchSizes: [4, 8], learningRates: { values: [0.01, 0.02], sqrtScaling: false, baseBatch: 4 }, censorFactor: 3 };
    const given: { spec: RunSpec; economy: RunSetup['economy'] }[] = [];
    // A worker whose runs all reach the target in 40 steps (the reference trains its budget).
    const api = {
      describeTokenizer: async () => ({ id: 'bytes', vocabSize: 257, eotId: 256 }),
      setEconomy: async () => undefined,
      train: async (spec: RunSpec, setup: RunSetup): Promise<RunRecord> => {
        given.push({ spec, economy: setup.economy });
        const record = emptyRecord(spec, 'fake');
        const steps = spec.role === 'reference' ? spec.maxSteps : 40;
        record.evals = [{ step: steps, tokens: 0, ewaLoss: 2, ewaLosses: [2, 2, 2], rawLoss: 3 }];
        Object.assign(record, { status: spec.role === 'reference' ? 'finished' : 'reached-target', stepsDone: steps, stepsToTarget: spec.role === 'reference' ? null : steps });
        return record;
      },
    };
    const worker: LabWorker = { api: api as unknown as Remote<LabWorkerApi>, terminate: noop };
    const limits = { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 } as ConstructorParameters<typeof ExperimentRunner>[1]['limits'];
    await new ExperimentRunner(config, { store, hooks, limits, adapter: 'fake', startWorker: () => worker }).run();
    const at = (B: number, i: number) => given.filter((g) => g.spec.role === 'sweep' && g.spec.batchSize === B)[i].economy;
    // The first run at B = 4 knows nothing yet; the second is bounded by the first's 40 steps.
    expect(at(4, 0)).toEqual({ best: null, censorAfter: null });
    expect(at(4, 1)).toEqual({ best: 40, censorAfter: null });
    // At B = 8: censored past 3 × 40 × 4 / 8 = 60 steps; the second run also by the first's 40.
    expect(at(8, 0)).toEqual({ best: null, censorAfter: 60 });
    expect(at(8, 1)).toEqual({ best: 40, censorAfter: 60 });
  });
});
