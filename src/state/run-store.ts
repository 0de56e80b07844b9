// Live state of the experiment that is training, fed by the experiment runner through the
// ExperimentHooks it declares, and the results the charts show: live, or loaded from a link, a
// file or the history. Plain data only.
import { create } from 'zustand';
import { sharedTarget } from '../experiment/results';
import { hfConfigJson } from '../model/hf-config';
import { RESULTS_VERSION, type DataRevision, type GroupTarget, type EvalPoint, type ExperimentConfig, type ExperimentResults, type RunRecord, type RunSpec, type RunStatus } from '../experiment/schema';
import { groupKey } from '../train/sweep';
import type { ExperimentHooks, ExperimentStatus } from '../worker/experiment-runner';

export type { ExperimentStatus };

export interface LiveRun {
  spec: RunSpec;
  status: RunStatus;
  stepsDone: number;
  tokensDone: number;
  /** Train loss per step, thinned to at most MAX_LIVE_POINTS. */
  trainLoss: { step: number; loss: number }[];
  evals: EvalPoint[];
  tokensPerSecond: number | null;
  /** Seconds left at the current speed, to maxSteps (or null before the first step). */
  etaSeconds: number | null;
  startedAtMs: number | null;
  failure: { step: number; reason: string } | null;
}

export type ResultsOrigin = 'live' | 'link' | 'import' | 'history' | 'fixture';

/** The trained model kept for one (model, D) group: its run, and its final EWA weights. */
export interface KeptWeights {
  spec: RunSpec;
  /** The run's final EWA validation loss. */
  finalLoss: number;
  safetensors: Uint8Array;
}

/** The config.json beside a kept model's weights: the Hugging Face layout, with the run's provenance. */
export function keptModelConfig(w: KeptWeights): Record<string, unknown> {
  return hfConfigJson(w.spec.model, { run: w.spec.id, batch_size: w.spec.batchSize, data_size: w.spec.dataSize, final_ewa_loss: w.finalLoss, weights: 'ewa' });
}

export const MAX_LIVE_POINTS = 2000;

export interface RunStoreState extends ExperimentHooks {
  status: ExperimentStatus;
  config: ExperimentConfig | null;
  startedAt: string | null;
  adapter: string;
  /** The hub revisions the live experiment's data is read from. */
  dataRevisions: DataRevision[];
  /** Target per (model, D) group (sweep.ts's groupKey), as the reference runs set them. */
  targets: Record<string, GroupTarget>;
  /** The one target when every group shares it (or it is fixed); null otherwise or while unknown. */
  targetLoss: number | null;
  /** Run ids in queue order. */
  order: string[];
  runs: Record<string, LiveRun>;
  /** Finished runs' full records (what results are made of). */
  records: Record<string, RunRecord>;
  /** What the charts show. */
  results: ExperimentResults | null;
  resultsOrigin: ResultsOrigin | null;
  /**
   * The trained model of each group (sweep.ts's groupKey), in this page only: the reference run's
   * (trained for exactly D tokens), or where there is none the run with the lowest final EWA loss.
   */
  weights: Record<string, KeptWeights>;

  // The runner's hooks (ExperimentHooks) are the scheduler-facing actions.

  // --- called by the page ---
  /** Shows results from elsewhere (null hides them); live runs are left as they are. */
  showResults(results: ExperimentResults | null, origin: ResultsOrigin | null): void;
  clear(): void;
}

/** One run's progress as the automation handle (window.cbsLab.state) and the Node runner report it. */
export interface RunProgressRow {
  id: string;
  status: string;
  stepsDone: number;
  maxSteps: number;
  tokensPerSecond: number | null;
  batchSize: number;
}

/** Every run's progress, in queue order. */
export function progressRows(s: Pick<RunStoreState, 'order' | 'runs'>): RunProgressRow[] {
  return s.order.map((id) => {
    const r = s.runs[id];
    return { id, status: r.status, stepsDone: r.stepsDone, maxSteps: r.spec.maxSteps, tokensPerSecond: r.tokensPerSecond, batchSize: r.spec.batchSize };
  });
}

function resultsFrom(s: Pick<RunStoreState, 'config' | 'records' | 'order' | 'targets' | 'startedAt' | 'adapter' | 'dataRevisions'>, finished: boolean): ExperimentResults | null {
  if (!s.config) return null;
  const runs = s.order.map((id) => s.records[id]).filter((r): r is RunRecord => r !== undefined);
  return {
    version: RESULTS_VERSION,
    config: s.config,
    targets: Object.values(s.targets),
    runs,
    startedAt: s.startedAt ?? new Date().toISOString(),
    finishedAt: finished ? new Date().toISOString() : null,
    adapter: s.adapter,
    ...(s.dataRevisions.length > 0 ? { dataRevisions: s.dataRevisions } : {}),
  };
}

function thin<T>(list: T[], max: number): T[] {
  if (list.length <= max) return list;
  return list.filter((_, i) => i % 2 === 0 || i === list.length - 1);
}

const initial = {
  status: 'idle' as ExperimentStatus,
  config: null,
  startedAt: null,
  adapter: '',
  dataRevisions: [] as DataRevision[],
  targets: {},
  targetLoss: null,
  order: [],
  runs: {},
  records: {},
  results: null,
  resultsOrigin: null,
  weights: {},
};

export const useRunStore = create<RunStoreState>((set, get) => {
  const patchRun = (id: string, patch: (run: LiveRun) => Partial<LiveRun>) => {
    const run = get().runs[id];
    if (!run) return;
    set({ runs: { ...get().runs, [id]: { ...run, ...patch(run) } } });
  };
  return {
    ...initial,
    experimentStarted(config, adapter, dataRevisions) {
      set({ ...initial, status: 'running', config, adapter, dataRevisions, startedAt: new Date().toISOString(), targetLoss: config.target.kind === 'fixed' ? config.target.loss : null, resultsOrigin: 'live' });
    },
    runQueued(spec) {
      const s = get();
      const order = s.order.includes(spec.id) ? s.order : [...s.order, spec.id];
      const run: LiveRun = { spec, status: 'queued', stepsDone: 0, tokensDone: 0, trainLoss: [], evals: [], tokensPerSecond: null, etaSeconds: null, startedAtMs: null, failure: null };
      set({ order, runs: { ...s.runs, [spec.id]: run } });
    },
    runStarted(id) {
      patchRun(id, (r) => ({ status: 'running', startedAtMs: r.startedAtMs ?? Date.now() }));
    },
    runProgress(id, stats) {
      patchRun(id, (r) => {
        const tokensPerStep = r.spec.batchSize * r.spec.model.context;
        const tps = Number.isFinite(stats.tokensPerSecond) && stats.tokensPerSecond > 0 ? stats.tokensPerSecond : r.tokensPerSecond;
        const left = Math.max(0, r.spec.maxSteps - stats.step);
        return {
          status: r.status === 'queued' ? 'running' : r.status,
          stepsDone: stats.step,
          tokensDone: stats.step * tokensPerStep,
          tokensPerSecond: tps,
          etaSeconds: tps ? (left * tokensPerStep) / tps : null,
          trainLoss: thin([...r.trainLoss, { step: stats.step, loss: stats.trainLoss }], MAX_LIVE_POINTS),
        };
      });
    },
    runEval(id, point) {
      patchRun(id, (r) => ({ evals: [...r.evals, point] }));
    },
    runStatus(id, status) {
      patchRun(id, () => ({ status }));
    },
    runFinished(record) {
      const s = get();
      const id = record.spec.id;
      const live = s.runs[id];
      const runs = {
        ...s.runs,
        [id]: {
          ...(live ?? { trainLoss: record.steps.map((x) => ({ step: x.step, loss: x.trainLoss })), tokensPerSecond: null, startedAtMs: null }),
          spec: record.spec,
          status: record.status,
          stepsDone: record.stepsDone,
          tokensDone: record.tokensDone,
          evals: record.evals,
          etaSeconds: 0,
          failure: record.failure,
        } as LiveRun,
      };
      const order = s.order.includes(id) ? s.order : [...s.order, id];
      const records = { ...s.records, [id]: record };
      const next = { ...s, runs, order, records };
      set({ runs, order, records, results: resultsFrom(next, false), resultsOrigin: 'live' });
    },
    targetKnown(target) {
      const s = get();
      const targets = { ...s.targets, [target.group]: target };
      const runs = Object.fromEntries(
        Object.entries(s.runs).map(([id, r]) => [id, r.spec.role === 'reference' || groupKey(r.spec) !== target.group ? r : { ...r, spec: { ...r.spec, targetLoss: target.loss } }]),
      );
      const targetLoss = sharedTarget({ targets: Object.values(targets) });
      const next = { ...s, targets, targetLoss };
      set({ targets, targetLoss, runs, results: resultsFrom(next, false) });
    },
    runWeights(record, safetensors) {
      const key = groupKey(record.spec);
      const finalLoss = record.evals.at(-1)?.ewaLoss ?? NaN;
      const kept = get().weights[key];
      // A reference run (trained for exactly D) wins over a sweep run; among equals, the lower final loss.
      const isRef = record.spec.role === 'reference';
      const keptRef = kept?.spec.role === 'reference';
      const better = !kept || (isRef && !keptRef) || (isRef === keptRef && finalLoss < kept.finalLoss);
      if (better && Number.isFinite(finalLoss)) set({ weights: { ...get().weights, [key]: { spec: record.spec, finalLoss, safetensors } } });
    },
    experimentStatus(status) {
      set({ status });
    },
    experimentFinished() {
      const s = get();
      set({ status: 'finished', results: resultsFrom(s, true), resultsOrigin: 'live' });
    },
    showResults(results, origin) {
      set({ results, resultsOrigin: origin });
    },
    clear() {
      set({ ...initial });
    },
  };
});
