// The lab's compute worker: owns one WebGPU device and trains one run at a time, exposed to
// the page as a typed comlink API. Several workers each hold their own run.
import * as Comlink from 'comlink';
import { acquireGpu, describeAdapter, describeError, GpuError } from '../gpu';
import type { GpuContext } from '../gpu';
import { TokenCache, type CacheUsage, type ProgressEvent } from '../data';
import { exportModelSafetensors } from '../model/safetensors';
import type { GpuTrainingEngine as Engine } from '../train/gpu-engine';
import type { RunRecord, RunSpec } from '../experiment/schema';
import { RunControl, trainRun, type RunCheckpoint } from '../train/run';
import { createEngine, prepareRunData } from '../train/setup';
import { datasetFor, tokenizerFor } from './data-setup';
import { calibrateCost, type CalibrationRequest, type CalibrationResult } from './calibrate';
import type { ProbeResult, RunEvents, RunSetup, TokenizerInfo } from './protocol';

let gpuPromise: Promise<GpuContext> | null = null;
let cachePromise: Promise<TokenCache | null> | null = null;
let current: { control: RunControl; engine: Engine | null; economy: Economy } | null = null;

/** The economy bounds of the run in flight, as the page's scheduler last sent them. */
export interface Economy {
  best: number | null;
  censorAfter: number | null;
}

function gpu(): Promise<GpuContext> {
  if (!gpuPromise) {
    gpuPromise = acquireGpu();
    // A failed or lost device is forgotten, so the next call tries again.
    gpuPromise.catch(() => (gpuPromise = null));
    void gpuPromise.then((ctx) => ctx.lost.then(() => (gpuPromise = null)));
  }
  return gpuPromise;
}

/** The tokenized-shard cache in IndexedDB; training still works, uncached, where it is unavailable. */
function tokenCache(): Promise<TokenCache | null> {
  cachePromise ??= TokenCache.open().catch(() => null);
  return cachePromise;
}

/** What a person should hear about a download: a broken connection and how it was recovered. */
function downloadNote(event: ProgressEvent): string | null {
  switch (event.type) {
    case 'resumed':
      return `the download of ${event.url} broke; resumed from byte ${event.fromByte} with a Range request (attempt ${event.attempt})`;
    case 'restarted':
      return `the download of ${event.url} broke and the server cannot resume it (${event.reason}); restarted from the beginning (attempt ${event.attempt})`;
    case 'gunzip-fallback':
      return `${event.url}: the browser's gunzip refused this file (${event.reason}); read it with fflate instead`;
    default:
      return null;
  }
}

const api = {
  async probe(): Promise<ProbeResult> {
    try {
      const ctx = await gpu();
      return { ok: true, adapter: ctx.adapter, description: describeAdapter(ctx.adapter) };
    } catch (error) {
      return { ok: false, kind: error instanceof GpuError ? error.kind : 'unknown', message: describeError(error) };
    }
  },

  /** The tokenizer an experiment will use: its vocabulary sets the models' embedding size. */
  async describeTokenizer(setup: Pick<RunSetup, 'data' | 'tokenizer' | 'files'>): Promise<TokenizerInfo> {
    const tokenizer = await tokenizerFor(setup.tokenizer, setup.data, await tokenCache(), setup.files ?? null);
    return { id: tokenizer.id, vocabSize: tokenizer.vocabSize, eotId: tokenizer.eotId };
  },

  /**
   * Measures the cost model on this adapter (src/worker/calibrate.ts): the probe's FLOP/s, and per
   * model shape the seconds of a training step, of an evaluation pass and of the engine's setup.
   * The page caches the result per adapter and shape.
   */
  async calibrateCost(request: CalibrationRequest): Promise<CalibrationResult> {
    const acquiring = performance.now();
    const ctx = await gpu();
    return calibrateCost(ctx, { ...request, deviceSeconds: (performance.now() - acquiring) / 1000 });
  },

  /**
   * Seconds to prepare a run's data as a run does (tokenizer, shards, pool, validation set), timed
   * the second time: the first fills the token cache, which the experiment's runs then find warm.
   */
  async measureDataPreparation(spec: RunSpec, setup: Pick<RunSetup, 'data' | 'tokenizer' | 'files'>): Promise<number> {
    const prepare = async () => {
      const cache = await tokenCache();
      const tokenizer = await tokenizerFor(setup.tokenizer, setup.data, cache, setup.files ?? null);
      await prepareRunData(spec, datasetFor(setup.data, setup.files ?? null), tokenizer, { cache });
    };
    await prepare();
    const start = performance.now();
    await prepare();
    return (performance.now() - start) / 1000;
  },

  /** Trains one run to its end and returns its record; progress arrives through `events`. */
  async train(spec: RunSpec, setup: RunSetup, events: RunEvents): Promise<RunRecord> {
    if (current) throw new Error('this worker is already training a run');
    const control = new RunControl();
    // The bounds known when the run starts come with it: a setEconomy before train() would find no run.
    current = { control, engine: null, economy: setup.economy ?? { best: null, censorAfter: null } };
    const acquiring = performance.now();
    const ctx = await gpu();
    // The device is acquired once per worker: its first run's setup includes it.
    const deviceSeconds = (performance.now() - acquiring) / 1000;
    const adapter = describeAdapter(ctx.adapter);
    try {
      let mark = performance.now();
      const since = () => {
        const now = performance.now();
        const elapsed = (now - mark) / 1000;
        mark = now;
        return elapsed;
      };
      const cache = await tokenCache();
      const files = setup.files ?? null;
      const tokenizer = await tokenizerFor(setup.tokenizer, setup.data, cache, files);
      const data = await prepareRunData(spec, datasetFor(setup.data, files), tokenizer, {
        cache,
        onWarning: (message) => void events.onWarning(message),
        onProgress: (event) => {
          const note = downloadNote(event);
          if (note) void events.onWarning(note);
        },
      });
      const dataSeconds = since();
      const engine = await createEngine(ctx, spec);
      current.engine = engine;
      const setupSeconds = deviceSeconds + since();
      // A lost device ends the run with its reason instead of hanging on GPU work.
      const lost = ctx.lost.then((error) => {
        control.cancel();
        return error;
      });
      const record = await trainRun(spec, {
        engine,
        data: data.source,
        validation: data.validation,
        control,
        adapter,
        checkpointEvery: setup.checkpointEvery,
        resumeFrom: setup.resumeFrom ?? undefined,
        bestAtBatch: () => current?.economy.best ?? null,
        censorAfter: () => current?.economy.censorAfter ?? null,
        preparation: { dataSeconds, setupSeconds },
        onStep: (stats, r) => void events.onStep(stats, r.timing ?? null),
        onEval: (point) => void events.onEval(point),
        onStatus: (r) => void events.onStatus(r.status),
        onCheckpoint: (checkpoint: RunCheckpoint) => events.onCheckpoint(checkpoint),
      });
      const lostError = await Promise.race([lost, Promise.resolve(null)]);
      if (lostError) {
        record.status = 'failed';
        record.failure = { step: record.stepsDone, reason: lostError.message };
      }
      return record;
    } finally {
      current.engine?.destroy();
      current = null;
    }
  },

  pause(): void {
    current?.control.pause();
  },
  resume(): void {
    current?.control.resume();
  },
  cancel(): void {
    current?.control.cancel();
  },
  /** Economy: the best steps-to-target at this run's batch size found by other runs, and the censoring bound. */
  setEconomy(economy: Economy): void {
    if (current) current.economy = economy;
  },

  /** What the tokenized-shard cache holds (null where IndexedDB is unavailable). */
  async cacheUsage(): Promise<CacheUsage | null> {
    const cache = await tokenCache();
    return cache ? cache.usage() : null;
  },
  async clearCache(): Promise<void> {
    await (await tokenCache())?.clear();
  },

  /** The current run's raw weights as safetensors (tensor names in docs/model.md). */
  async exportWeights(): Promise<Uint8Array> {
    const engine = current?.engine;
    if (!engine) throw new Error('no run is training in this worker');
    const bytes = exportModelSafetensors(engine.layout, await engine.exportWeights());
    return Comlink.transfer(bytes, [bytes.buffer as ArrayBuffer]);
  },
};

export type LabWorkerApi = typeof api;
Comlink.expose(api);
