// Page side of a sweep: a pool of lab workers, the sweep scheduler of src/train/sweep.ts, the
// IndexedDB sweep store, and the run store the UI watches. No React here: the UI calls
// start/pause/resume/cancel, and the headless runner drives the same object.
import * as Comlink from 'comlink';
import type { GpuLimits } from '../gpu/device';
import { chooseMicroBatch } from '../model/config';
import type { DataRevision, DataSourceSpec, EvalPoint, ExperimentConfig, ExperimentResults, GroupTarget, RunRecord, RunSpec, RunStatus, StepStats } from '../experiment/schema';
import { emptyRecord, RunControl, type RunCheckpoint } from '../train/run';
import { planRuns, microBatchLimit } from '../experiment/plan';
import { runSweep, type ExecuteOptions } from '../train/sweep';
import { startLabWorker, type LabWorker } from './client';
import type { RunEvents } from './protocol';
import { pinDataSource, type LocalFiles } from './data-setup';
import { explainError } from '../util/errors';

/** What the runner tells the page as the sweep goes (src/state's run store implements it). */
export interface ExperimentHooks {
  /** `dataRevisions`: the hub revisions the data is read from (empty when it is not on the hub). */
  experimentStarted(config: ExperimentConfig, adapter: string, dataRevisions: DataRevision[]): void;
  runQueued(spec: RunSpec): void;
  runStarted(id: string): void;
  runProgress(id: string, stats: StepStats): void;
  runEval(id: string, point: EvalPoint): void;
  /** A status change without a final record (paused, resumed → running, stopped). */
  runStatus(id: string, status: RunStatus): void;
  runFinished(record: RunRecord): void;
  /** A measurement's target became known (its reference runs finished). */
  targetKnown(target: GroupTarget): void;
  experimentStatus(status: ExperimentStatus): void;
  experimentFinished(): void;
  /** A run's final EWA weights (safetensors), for runs that ended well; absent: none are kept. */
  runWeights?(record: RunRecord, safetensors: Uint8Array): void;
}

export type ExperimentStatus = 'idle' | 'running' | 'paused' | 'finished' | 'stopped';

/**
 * Where a sweep's progress is kept so that a reload resumes it: every finished run, and the
 * latest checkpoint of each run in flight (src/state's IndexedDB sweep store implements it).
 */
export interface SweepPersistence {
  /** Creates the sweep's entry, or returns the one a previous page left. */
  begin(config: ExperimentConfig): Promise<{ id: string }>;
  finishedRuns(id: string): Promise<RunRecord[]>;
  saveRun(id: string, record: RunRecord): Promise<void>;
  checkpoint(id: string, runId: string): Promise<RunCheckpoint | null>;
  saveCheckpoint(id: string, checkpoint: RunCheckpoint): Promise<void>;
  markFinished(id: string): Promise<void>;
}

export interface ExperimentRunnerOptions {
  store: SweepPersistence;
  hooks: ExperimentHooks;
  limits: GpuLimits;
  adapter: string;
  onWarning?: (message: string) => void;
  startWorker?: () => LabWorker;
  /** The picked files of a 'local' data source. */
  files?: LocalFiles | null;
}

/** How often a run in flight is checkpointed: about eight times over its budget, at least every 200 steps. */
export function checkpointInterval(spec: RunSpec): number {
  return Math.max(5, Math.min(200, Math.ceil(spec.maxSteps / 8)));
}

export class ExperimentCancelled extends Error {
  constructor() {
    super('the experiment was cancelled');
    this.name = 'ExperimentCancelled';
  }
}

export class ExperimentRunner {
  private readonly idle: LabWorker[] = [];
  private readonly all: LabWorker[] = [];
  private readonly waiting: ((w: LabWorker) => void)[] = [];
  private readonly running = new Map<string, LabWorker>();
  private readonly gate = new RunControl();
  private cancelled = false;
  private pinned: Promise<{ data: DataSourceSpec; revisions: DataRevision[] }> | null = null;

  constructor(
    readonly config: ExperimentConfig,
    private readonly options: ExperimentRunnerOptions,
  ) {}

  private worker(index: number): LabWorker {
    while (this.all.length <= index) {
      const w = (this.options.startWorker ?? startLabWorker)();
      this.all.push(w);
      this.idle.push(w);
    }
    return this.all[index];
  }

  private acquire(): Promise<LabWorker> {
    const w = this.idle.pop();
    return w ? Promise.resolve(w) : new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(w: LabWorker): void {
    const next = this.waiting.shift();
    if (next) next(w);
    else this.idle.push(w);
  }

  /** The data as every run reads it: hub revisions pinned once, when the experiment starts. */
  private data(): Promise<{ data: DataSourceSpec; revisions: DataRevision[] }> {
    this.pinned ??= pinDataSource(this.config.data, { onWarning: (message) => this.options.onWarning?.(message) });
    return this.pinned;
  }

  /** Plans the experiment (asking a worker for the tokenizer's vocabulary) without training. */
  async plan(): Promise<RunSpec[]> {
    const { data } = await this.data();
    const info = await this.worker(0).api.describeTokenizer({
      data,
      tokenizer: this.config.tokenizer,
      files: this.options.files ?? null,
    });
    const limits = this.options.limits;
    return planRuns(this.config, {
      vocabSize: info.vocabSize,
      // Two micro-batches per step when the config measures the noise scale (microBatchLimit).
      microBatchFor: (model, batchSize) => chooseMicroBatch(model, batchSize, limits, microBatchLimit(this.config, batchSize)),
    });
  }

  async run(): Promise<ExperimentResults> {
    const { hooks, store } = this.options;
    const config = this.config;
    for (let i = 0; i < Math.max(1, config.workers); i++) this.worker(i);
    let plan: RunSpec[];
    let data: DataSourceSpec;
    let revisions: DataRevision[];
    let sweep: { id: string };
    let finished: RunRecord[];
    try {
      plan = await this.plan();
      ({ data, revisions } = await this.data());
      sweep = await store.begin(config);
      finished = await store.finishedRuns(sweep.id);
    } catch (error) {
      // A Start that fails before training (no tokenizer, storage full) must not leave its workers running.
      this.terminate();
      throw error;
    }
    hooks.experimentStarted(config, this.options.adapter, revisions);
    for (const spec of plan) hooks.runQueued(spec);
    for (const record of finished) hooks.runFinished(record);

    const execute = async (spec: RunSpec, opts: ExecuteOptions): Promise<RunRecord> => {
      await this.gate.gate();
      if (this.cancelled) throw new ExperimentCancelled();
      const worker = await this.acquire();
      this.running.set(spec.id, worker);
      // The economy bounds change as other runs finish: pass them on when they do.
      let last = { best: null as number | null, censorAfter: null as number | null };
      const pushBest = () => {
        const next = { best: opts.bestAtBatch(), censorAfter: opts.censorAfter() };
        if (next.best !== last.best || next.censorAfter !== last.censorAfter) {
          last = next;
          void worker.api.setEconomy(next);
        }
      };
      const events: RunEvents = {
        onStep: (stats) => {
          hooks.runProgress(spec.id, stats);
          pushBest();
        },
        onEval: (point) => hooks.runEval(spec.id, point),
        onStatus: (status) => hooks.runStatus(spec.id, status),
        onCheckpoint: (checkpoint) => store.saveCheckpoint(sweep.id, checkpoint),
        onWarning: (message) => this.options.onWarning?.(message),
      };
      try {
        hooks.runStarted(spec.id);
        pushBest();
        const resumeFrom = await store.checkpoint(sweep.id, spec.id);
        const keepWeights = hooks.runWeights !== undefined;
        const record = await worker.api.train(
          spec,
          {
            data,
            tokenizer: config.tokenizer,
            files: this.options.files ?? null,
            economy: last,
            resumeFrom,
            checkpointEvery: checkpointInterval(spec),
            keepWeights,
          },
          Comlink.proxy(events),
        );
        if (keepWeights) {
          const weights = await worker.api.takeWeights();
          if (weights) hooks.runWeights?.(record, weights);
        }
        return record;
      } catch (error) {
        // The worker itself failed (it crashed, or could not load data): the run fails, with why.
        const record = emptyRecord(spec, this.options.adapter);
        record.status = 'failed';
        record.failure = { step: 0, reason: explainError(error) };
        return record;
      } finally {
        this.running.delete(spec.id);
        this.release(worker);
      }
    };

    try {
      const results = await runSweep(
        config,
        plan,
        execute,
        finished,
        {
          onRunFinished: async (record) => {
            // A run stopped by the user's cancel is not finished work: resuming trains it again.
            // A run that cannot be stored (storage full) is still a result: the sweep goes on, and says so.
            if (!(this.cancelled && record.status === 'stopped')) {
              await store.saveRun(sweep.id, record).catch((error: unknown) => this.options.onWarning?.(explainError(error, `run ${record.spec.id} finished but was not saved for a resume`)));
            }
            hooks.runFinished(record);
          },
          onTarget: (target) => hooks.targetKnown(target),
        },
        this.options.adapter,
      );
      await store.markFinished(sweep.id).catch((error: unknown) => this.options.onWarning?.(explainError(error, 'the sweep could not be marked finished (a reload offers to resume it)')));
      hooks.experimentFinished();
      return revisions.length > 0 ? { ...results, dataRevisions: revisions } : results;
    } catch (error) {
      hooks.experimentStatus('stopped');
      throw error;
    } finally {
      this.terminate();
    }
  }

  pause(runId?: string): void {
    if (runId) return void this.running.get(runId)?.api.pause();
    this.gate.pause();
    for (const w of this.running.values()) void w.api.pause();
    this.options.hooks.experimentStatus('paused');
  }

  resume(runId?: string): void {
    if (runId) return void this.running.get(runId)?.api.resume();
    this.gate.resume();
    for (const w of this.running.values()) void w.api.resume();
    this.options.hooks.experimentStatus('running');
  }

  cancel(runId?: string): void {
    if (runId) return void this.running.get(runId)?.api.cancel();
    this.cancelled = true;
    this.gate.cancel();
    for (const w of this.running.values()) void w.api.cancel();
  }

  terminate(): void {
    for (const w of this.all) w.terminate();
    this.all.length = 0;
    this.idle.length = 0;
  }
}
