// The lab's compute API: owns one WebGPU device and trains one run at a time. The same object
// serves the page (lab.worker.ts exposes it over comlink in a Web Worker) and Node (called in
// process by the headless runner's Node engine); what differs between the two is injected as a
// LabEnvironment: how the device is acquired, where tokenized shards are cached, and where the
// bundled data is served from.
import { describeAdapter, describeError, GpuError } from '../gpu';
import type { GpuContext } from '../gpu';
import { skippedLines, type CacheUsage, type ProgressEvent, type TokenCache } from '../data';
import { explainError } from '../util/errors';
import { flopsPerToken } from '../model/config';
import { exportModelSafetensors } from '../model/safetensors';
import { GpuTrainingEngine as Engine } from '../train/gpu-engine';
import { randomInts } from '../util/random';
import type { RunRecord, RunSpec, ShardNote } from '../experiment/schema';
import { bestDecayIndex, RunControl, trainRun, type RunCheckpoint } from '../train/run';
import { createEngine, prepareRunData } from '../train/setup';
import { datasetFor, tokenizerFor } from './data-setup';
import { tokenizerJsonOf } from '../data/tokenizer';
import { ewaDebiasRef } from '../kernels/ewa.ref';
import { reacquiring } from './gpu-once';
import type { ProbeResult, RunEvents, RunSetup, TokenizerInfo } from './protocol';

export interface LabEnvironment {
  /** A WebGPU device: navigator.gpu in a Web Worker, Dawn (the `webgpu` package) in Node. */
  acquireGpu(): Promise<GpuContext>;
  /** The tokenized-shard cache; null where there is none (every run then tokenizes its data). */
  openTokenCache(): Promise<TokenCache | null>;
  /** The site root the bundled data is served under; the page's own origin when absent. */
  dataBaseUrl?: string;
}

/** The economy bounds of the run in flight, as the runner last sent them. */
export interface Economy {
  best: number | null;
  censorAfter: number | null;
}

/**
 * The run's averaged weights as safetensors: of its EWA copies, the one whose last evaluation was
 * lowest (the loss the run reports), debiased (w̄ / (1 − τ^t)).
 */
async function ewaSafetensors(engine: Engine, record: RunRecord): Promise<Uint8Array> {
  const { ewas } = await engine.saveState();
  const best = bestDecayIndex(record.evals.at(-1));
  const decay = record.spec.ewaDecays[best];
  const weights = ewaDebiasRef(ewas[best], decay, record.stepsDone);
  return exportModelSafetensors(engine.layout, weights, { weights: 'ewa', ewa_decay: String(decay), run: record.spec.id, steps: String(record.stepsDone) });
}

/** What a person should hear about a download: a broken connection and how it was recovered. */
function downloadNote(event: ProgressEvent): string | null {
  switch (event.type) {
    case 'resumed':
      return `the download of ${event.url} broke; resumed from byte ${event.fromByte} with a Range request (attempt ${event.attempt})`;
    case 'restarted':
      return `the download of ${event.url} broke and the server cannot resume it (${event.reason}); restarted from the beginning (attempt ${event.attempt})`;
    case 'gunzip-fallback':
      return `${event.url}: the built-in gunzip refused this file (${event.reason}); read it with fflate instead`;
    case 'redownload':
      return `${event.url}: ${event.reason}, so it was downloaded again`;
    case 'revalidation-failed':
      return `${event.url}: the cached copy could not be checked against the server (${event.reason}); trained on the cached copy`;
    case 'cache-write-failed':
      return explainError(event.error, `${event.url} was not kept in the data cache (this run trains on it anyway)`);
    default:
      return null;
  }
}

/** A shard's skipped lines in words, or null when it skipped none. */
function skippedNote(note: ShardNote): string | null {
  const s = note.stats;
  if (!s || skippedLines(s) === 0) return null;
  const parts = [
    s.badJson > 0 ? `${s.badJson} not JSON` : null,
    s.noText > 0 ? `${s.noText} without text` : null,
    s.badUtf8 > 0 ? `${s.badUtf8} not valid UTF-8` : null,
    s.tooLong > 0 ? `${s.tooLong} too long` : null,
  ].filter((p) => p !== null);
  return `${note.shard} (${note.split}): ${skippedLines(s)} of ${s.lines} lines skipped (${parts.join(', ')})`;
}

/** The run a worker is training: how to steer it, and its engine once created. */
interface CurrentRun {
  control: RunControl;
  engine: Engine | null;
  economy: Economy;
}

export function createLabApi(env: LabEnvironment) {
  let cachePromise: Promise<TokenCache | null> | null = null;
  let current: CurrentRun | null = null;
  /** The last run's final EWA weights, kept when its setup asked (the engine is destroyed after each run). */
  let keptWeights: Uint8Array | null = null;

  const gpu: () => Promise<GpuContext> = reacquiring(() => env.acquireGpu());

  /** Training still works, uncached, where the cache is unavailable. */
  function tokenCache(): Promise<TokenCache | null> {
    cachePromise ??= env.openTokenCache().catch(() => null);
    return cachePromise;
  }

  return {
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
      const tokenizer = await tokenizerFor(setup.tokenizer, setup.data, await tokenCache(), setup.files ?? null, env.dataBaseUrl);
      return { id: tokenizer.id, vocabSize: tokenizer.vocabSize, eotId: tokenizer.eotId };
    },

    /**
     * Measures this adapter's training throughput: a few steps of a small model on random ids,
     * timed after a warm-up step (pipeline compilation). The page caches the figure per adapter
     * and uses it for wall-time estimates.
     */
    async calibrate(): Promise<{ flopsPerSecond: number; how: string }> {
      const ctx = await gpu();
      const model = { name: 'calibration', layers: 1, dModel: 64, heads: 2, context: 32, vocabSize: 257 };
      const microBatch = 8;
      const engine = await Engine.create(ctx, { model, microBatch, initSeed: 1, ewaCount: 1 });
      try {
        const n = microBatch * model.context;
        const batch = { inputs: randomInts(n, model.vocabSize, 1), targets: randomInts(n, model.vocabSize, 2), sequences: microBatch };
        const hp = { step: 1, lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, clipNorm: 1, ewaDecays: [0.9] };
        await engine.step([batch], hp);
        const steps = 3;
        const start = performance.now();
        for (let i = 0; i < steps; i++) await engine.step([batch], { ...hp, step: i + 2 });
        const seconds = (performance.now() - start) / 1000;
        return {
          flopsPerSecond: (flopsPerToken(model).total * n * steps) / seconds,
          how: `${steps} training steps of a 1-layer d64 model, ${n} tokens each`,
        };
      } finally {
        engine.destroy();
      }
    },

    /** Trains one run to its end and returns its record; progress arrives through `events`. */
    async train(spec: RunSpec, setup: RunSetup, events: RunEvents): Promise<RunRecord> {
      if (current) throw new Error('this worker is already training a run');
      const control = new RunControl();
      // The bounds known when the run starts come with it: a setEconomy before train() finds no run.
      const run: CurrentRun = { control, engine: null, economy: setup.economy ?? { best: null, censorAfter: null } };
      current = run;
      try {
        // Inside the try: without an adapter the run fails, and this worker can still take the next one.
        const ctx = await gpu();
        const adapter = describeAdapter(ctx.adapter);
        const cache = await tokenCache();
        const files = setup.files ?? null;
        const tokenizer = await tokenizerFor(setup.tokenizer, setup.data, cache, files, env.dataBaseUrl);
        const shards: ShardNote[] = [];
        const data = await prepareRunData(spec, datasetFor(setup.data, files, env.dataBaseUrl), tokenizer, {
          cache,
          onWarning: (message) => void events.onWarning(message),
          onProgress: (event) => {
            const note = downloadNote(event);
            if (note) void events.onWarning(note);
          },
          onShard: (load) => {
            shards.push(load);
            const note = skippedNote(load);
            if (note) void events.onWarning(note);
          },
        });
        const engine = await createEngine(ctx, spec);
        run.engine = engine;
        // A lost device ends the run with its reason instead of hanging on GPU work.
        const lost = ctx.lost.then((error) => {
          control.cancel();
          return error;
        });
        const record = await trainRun(spec, {
          engine,
          data: data.source,
          validation: data.validation,
          probe: data.probe,
          control,
          adapter,
          checkpointEvery: setup.checkpointEvery,
          resumeFrom: setup.resumeFrom ?? undefined,
          bestAtBatch: () => run.economy.best,
          censorAfter: () => run.economy.censorAfter,
          onStep: (stats) => void events.onStep(stats),
          onEval: (point) => void events.onEval(point),
          onStatus: (r) => void events.onStatus(r.status),
          onCheckpoint: (checkpoint: RunCheckpoint) => events.onCheckpoint(checkpoint),
          onWarning: (message) => void events.onWarning(message),
        });
        record.shards = shards;
        const lostError = await Promise.race([lost, Promise.resolve(null)]);
        if (lostError) {
          record.status = 'failed';
          record.failure = { step: record.stepsDone, reason: lostError.message };
        }
        keptWeights = null;
        if (setup.keepWeights && (record.status === 'reached-target' || record.status === 'finished') && record.stepsDone > 0) {
          keptWeights = await ewaSafetensors(engine, record);
        }
        return record;
      } finally {
        run.engine?.destroy();
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

    /** What the tokenized-shard cache holds (null where there is no cache). */
    async cacheUsage(): Promise<CacheUsage | null> {
      const cache = await tokenCache();
      return cache ? cache.usage() : null;
    },
    async clearCache(): Promise<void> {
      await (await tokenCache())?.clear();
    },

    /** The last run's final EWA weights (see RunSetup.keepWeights), once: the worker forgets them. */
    takeWeights(): Uint8Array | null {
      const bytes = keptWeights;
      keptWeights = null;
      return bytes;
    },

    /** The experiment's tokenizer as a Hugging Face tokenizer.json (null for GPT-2: use the hub's). */
    async tokenizerJson(setup: Pick<RunSetup, 'data' | 'tokenizer' | 'files'>): Promise<Record<string, unknown> | null> {
      return tokenizerJsonOf(await tokenizerFor(setup.tokenizer, setup.data, await tokenCache(), setup.files ?? null, env.dataBaseUrl));
    },

    /** The current run's raw weights as safetensors (tensor names in docs/model.md). */
    async exportWeights(): Promise<Uint8Array> {
      const engine = current?.engine;
      if (!engine) throw new Error('no run is training in this worker');
      return exportModelSafetensors(engine.layout, await engine.exportWeights());
    },
  };
}

export type LabApi = ReturnType<typeof createLabApi>;

/** The lab's API as a caller sees it through any transport: every call answers with a promise. */
export type LabCalls = { [K in keyof LabApi]: (...args: Parameters<LabApi[K]>) => Promise<Awaited<ReturnType<LabApi[K]>>> };
