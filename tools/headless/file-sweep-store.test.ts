// The file-based sweep persistence of the Node engine: exact round trips, atomic writes that a
// kill cannot tear, a folder that belongs to another experiment, and the page's runner resuming
// through it without training finished runs again (workers faked: no GPU needed here).
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importJson } from '../../src/experiment/codec';
import type { ExperimentConfig, RunRecord, RunSpec } from '../../src/experiment/schema';
import type { GpuLimits } from '../../src/gpu/device';
import { emptyRecord, type RunCheckpoint } from '../../src/train/run';
import type { LabWorker } from '../../src/worker/client';
import { ExperimentRunner, type ExperimentHooks } from '../../src/worker/experiment-runner';
import type { LabCalls } from '../../src/worker/lab-api';
import type { RunEvents, RunSetup } from '../../src/worker/protocol';
import { fileSweepStore, SweepFolderError, writeFileAtomic } from './file-sweep-store';

const tmp = () => mkdtempSync(join(tmpdir(), 'cbs-sweep-store-'));

function fixture(): ExperimentConfig {
  const decoded = importJson(readFileSync('e2e/fixtures/tiny.json', 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.config;
}

function spec(id: string): RunSpec {
  return { id, role: 'sweep', batchSize: 4, maxSteps: 10 } as RunSpec;
}

function record(id: string, loss: number): RunRecord {
  const r = emptyRecord(spec(id), 'test adapter');
  r.status = 'finished';
  r.evals = [{ step: 10, tokens: 1280, ewaLoss: loss, ewaLosses: [loss, NaN, null], rawLoss: null, validationTokens: 4096 }];
  return r;
}

function checkpoint(id: string, step: number): RunCheckpoint {
  return {
    spec: spec(id),
    step,
    initialLoss: 5.5,
    record: record(id, 4.25),
    engine: { params: Float32Array.of(0.1, -0.2, 3e-39), adamM: new Float32Array(3), adamV: Float32Array.of(1, 2, 3), ewas: [Float32Array.of(7, 8, 9)] },
    data: { position: 17, epoch: 0 },
  };
}

describe('fileSweepStore', () => {
  it('keeps finished runs and checkpoints exactly (NaN, subnormal floats, typed arrays)', async () => {
    const dir = tmp();
    const store = fileSweepStore(dir);
    const { id } = await store.begin(fixture());
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8'))).toMatchObject({ id, name: fixture().name, finishedAt: null });
    expect(await store.finishedRuns(id)).toEqual([]);
    expect(await store.checkpoint(id, 'a|b')).toBeNull();

    await store.saveCheckpoint(id, checkpoint('a|b', 5));
    const back = await store.checkpoint(id, 'a|b');
    expect(back).toEqual(checkpoint('a|b', 5));
    expect(back!.engine.params).toBeInstanceOf(Float32Array);
    expect(back!.engine.params[2]).toBe(Math.fround(3e-39));
    // A newer checkpoint replaces the older.
    await store.saveCheckpoint(id, checkpoint('a|b', 10));
    expect((await store.checkpoint(id, 'a|b'))!.step).toBe(10);

    // A finished run is kept and its checkpoint dropped.
    await store.saveRun(id, record('a|b', 3.5));
    expect(await store.checkpoint(id, 'a|b')).toBeNull();
    const [kept] = await store.finishedRuns(id);
    expect(kept).toEqual(record('a|b', 3.5));
    expect(Number.isNaN(kept.evals[0].ewaLosses[1])).toBe(true);

    await store.markFinished(id);
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).finishedAt).toMatch(/^\d{4}-/);
    // The same experiment again (a finished one too) finds its runs: nothing is retrained.
    const again = fileSweepStore(dir);
    expect((await again.begin(fixture())).id).toBe(id);
    expect(await again.finishedRuns(id)).toHaveLength(1);
  });

  it('a write killed before its rename leaves the previous file, and its temporary file is cleared', async () => {
    const dir = tmp();
    const store = fileSweepStore(dir);
    const { id } = await store.begin(fixture());
    await store.saveCheckpoint(id, checkpoint('r', 5));
    const name = readdirSync(join(dir, 'checkpoints'))[0];
    // What a kill in the middle of writeFileAtomic leaves: half a file under the temporary name.
    writeFileSync(join(dir, 'checkpoints', `${name}.4242.tmp`), 'half a checkp');
    const reopened = fileSweepStore(dir);
    await reopened.begin(fixture());
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual([name]);
    expect((await reopened.checkpoint(id, 'r'))!.step).toBe(5);

    const path = join(dir, 'x.json');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('a checkpoint killed between the run record and its removal is dropped on resume', async () => {
    const dir = tmp();
    const store = fileSweepStore(dir);
    const { id } = await store.begin(fixture());
    await store.saveCheckpoint(id, checkpoint('r', 5));
    const name = readdirSync(join(dir, 'checkpoints'))[0];
    await store.saveRun(id, record('r', 3));
    writeFileSync(join(dir, 'checkpoints', name), readFileSync(join(dir, 'runs', name)));
    await fileSweepStore(dir).begin(fixture());
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual([]);
  });

  it('refuses a folder that holds another experiment, and changes nothing in it', async () => {
    const dir = tmp();
    const store = fileSweepStore(dir);
    const { id } = await store.begin(fixture());
    await store.saveRun(id, record('r', 3));
    const other = { ...fixture(), name: 'another experiment', batchSizes: [4, 8] };
    await expect(fileSweepStore(dir).begin(other)).rejects.toThrow(SweepFolderError);
    await expect(fileSweepStore(dir).begin(other)).rejects.toThrow(/holds the sweep of another experiment \("Headless test: tiny CBS sweep"/);
    expect(await fileSweepStore(dir).finishedRuns(id)).toHaveLength(1);
  });

  it('an unreadable file is reported and trained again, not fatal', async () => {
    const dir = tmp();
    const warnings: string[] = [];
    const store = fileSweepStore(dir, (m) => warnings.push(m));
    const { id } = await store.begin(fixture());
    await store.saveCheckpoint(id, checkpoint('r', 5));
    writeFileSync(join(dir, 'checkpoints', readdirSync(join(dir, 'checkpoints'))[0]), 'not v8');
    expect(await store.checkpoint(id, 'r')).toBeNull();
    expect(warnings[0]).toMatch(/checkpoint unreadable .* it is ignored and trained again/);
  });
});

const LIMITS = {
  maxStorageBufferBindingSize: 2 ** 30,
  maxBufferSize: 2 ** 30,
  maxComputeWorkgroupStorageSize: 32768,
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
  maxComputeWorkgroupSizeY: 256,
  maxComputeWorkgroupsPerDimension: 65535,
  maxStorageBuffersPerShaderStage: 10,
} satisfies GpuLimits;

const hooks: ExperimentHooks = {
  experimentStarted: () => undefined,
  runQueued: () => undefined,
  runStarted: () => undefined,
  runProgress: () => undefined,
  runEval: () => undefined,
  runStatus: () => undefined,
  runFinished: () => undefined,
  targetKnown: () => undefined,
  experimentStatus: () => undefined,
  experimentFinished: () => undefined,
};

/** A worker that "trains" by returning a record at once; `hangOn` checkpoints and then never ends, like a killed process. */
function fakeWorker(calls: { id: string; resumeStep: number | null }[], hangs: (s: RunSpec) => boolean): LabWorker {
  const api = {
    describeTokenizer: async () => ({ id: 'bytes', vocabSize: 257, eotId: 256 }),
    setEconomy: async () => undefined,
    cancel: async () => undefined,
    async train(s: RunSpec, setup: RunSetup, events: RunEvents): Promise<RunRecord> {
      calls.push({ id: s.id, resumeStep: setup.resumeFrom?.step ?? null });
      const r = emptyRecord(s, 'fake');
      if (hangs(s)) {
        await events.onCheckpoint({ spec: s, step: 3, initialLoss: 5, record: r, engine: { params: new Float32Array(1), adamM: new Float32Array(1), adamV: new Float32Array(1), ewas: [] }, data: 0 });
        return new Promise<RunRecord>(() => undefined);
      }
      r.status = s.role === 'reference' ? 'finished' : 'reached-target';
      r.stepsDone = s.role === 'reference' ? s.maxSteps : Math.ceil(64 / s.batchSize);
      r.stepsToTarget = s.role === 'reference' ? null : r.stepsDone;
      r.evals = [{ step: r.stepsDone, tokens: 0, ewaLoss: 3, ewaLosses: [3], rawLoss: null, validationTokens: 4096 }];
      return r;
    },
  };
  return { api: api as unknown as LabCalls, terminate: () => undefined };
}

describe('the runner resumes a killed sweep from its folder', () => {
  it('keeps finished runs, continues the interrupted one from its checkpoint, trains the rest', async () => {
    const dir = tmp();
    const config = fixture();
    const first: { id: string; resumeStep: number | null }[] = [];
    // The first process: the reference run finishes, the B = 4 run checkpoints and then the process "dies".
    const interrupted = (s: RunSpec) => s.role === 'sweep' && s.batchSize === 4;
    const killed = new ExperimentRunner(config, { store: fileSweepStore(dir), hooks, limits: LIMITS, adapter: 'fake', startWorker: () => fakeWorker(first, interrupted) });
    const plan = await killed.plan();
    const hangingId = plan.find(interrupted)!.id;
    void killed.run();
    await expect.poll(() => existsSync(join(dir, 'checkpoints', `${encodeURIComponent(hangingId)}.v8`))).toBe(true);
    expect(first.map((c) => c.id)).toEqual([plan.find((s) => s.role === 'reference')!.id, hangingId]);

    // The same command again.
    const second: { id: string; resumeStep: number | null }[] = [];
    const resumed = new ExperimentRunner(config, { store: fileSweepStore(dir), hooks, limits: LIMITS, adapter: 'fake', startWorker: () => fakeWorker(second, () => false) });
    const results = await resumed.run();
    expect(second).toEqual(plan.filter((s) => s.role === 'sweep').map((s) => ({ id: s.id, resumeStep: s.id === hangingId ? 3 : null })));
    expect(results.runs.map((r) => r.spec.id)).toEqual(plan.map((s) => s.id));
    expect(readdirSync(join(dir, 'runs'))).toHaveLength(plan.length);
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual([]);
    expect(JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')).finishedAt).not.toBeNull();
  });
});
