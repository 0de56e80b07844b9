// Live state of the experiment that is training, fed by the experiment runner through the
// ExperimentHooks it declares, and the results the charts show: live, or loaded from a link, a
// file or the history. Plain data only.
import { create } from 'zustand';
import { sharedTarget } from '../experiment/results';
import { hfConfigJson } from '../model/hf-config';
import { RESULTS_VERSION, type DataRevision, type GroupTarget, type EvalPoint, type ExperimentConfig, type ExperimentResults, type RunRecord, type RunSpec, type RunStatus, type RunTiming, type StepStats } from '../experiment/schema';
import { groupKey } from '../train/sweep';
import { modelShapeKey } from '../experiment/plan';
import { forecastExperiment, type CostSplit, type ExperimentForecast } from '../train/progress';
import type { CostModel } from '../train/cost-model';
import { dataKey, loadCostModel, saveCostModel } from './calibration';
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
  /** Wall-clock training tokens per second of the run so far, evaluation included. */
  tokensPerSecond: number | null;
  /** Seconds of cost left, as the experiment's forecast predicts them (null without a cost model). */
  etaSeconds: number | null;
  /** The step the forecast expects the run to stop at (target, censoring or cap); null without one. */
  expectedSteps: number | null;
  startedAtMs: number | null;
  /** Where the run's time went so far, as of its last step. */
  timing: RunTiming | null;
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
/**
 * Steps are shown at most this often: they stream in at tens (emulator) to hundreds (GPU) per
 * second, and redrawing the monitor at each one took a quarter of the training time on the CPU
 * emulator (measured with npm run bench:sweep: docs/time.md). Every other event shows at once.
 */
export const PROGRESS_EVERY_MS = 250;

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
  /** When the experiment started on this page (Date.now()). */
  startedAtMs: number | null;
  /** The adapter's cached cost model when the experiment started (src/state/calibration.ts). */
  cost: CostModel | null;
  /** Progress and ETA in cost (src/train/progress.ts): what the page's progress bar and the headless runner show. */
  forecast: ExperimentForecast | null;
  /** The forecast when the first run started, before any training here: the estimate to judge the ETA against. */
  estimate: ExperimentForecast | null;
  /**
   * The trained model of each group (sweep.ts's groupKey), in this page only: the reference run's or a local-CBS base run's
   * (trained for exactly D tokens), or where there is none the run with the lowest final EWA loss.
   */
  weights: Record<string, KeptWeights>;

  // The runner's hooks (ExperimentHooks) are the scheduler-facing actions.

  /** Shows the steps received since the last update now (they are shown every PROGRESS_EVERY_MS otherwise). */
  flushProgress(): void;

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
  startedAtMs: null,
  cost: null,
  forecast: null,
  estimate: null,
  weights: {},
};

type ForecastSource = Pick<RunStoreState, 'config' | 'order' | 'runs' | 'records' | 'cost' | 'startedAtMs'>;

/** The forecast of the experiment as the store knows it now. */
export function forecastOf(s: ForecastSource, nowMs: number, fresh = false): ExperimentForecast | null {
  if (!s.config) return null;
  const plan = s.order.map((id) => s.runs[id]?.spec).filter((spec): spec is RunSpec => spec !== undefined);
  const finished = s.order.map((id) => s.records[id]).filter((r): r is RunRecord => r !== undefined);
  const live = fresh
    ? []
    : s.order
        .map((id) => s.runs[id])
        .filter((r): r is LiveRun => r !== undefined && !s.records[r.spec.id] && (r.status === 'running' || r.status === 'paused') && r.startedAtMs !== null)
        .map((r) => ({ spec: r.spec, stepsDone: r.stepsDone, evals: r.evals, elapsedSeconds: (nowMs - r.startedAtMs!) / 1000, timing: r.timing }));
  const elapsedSeconds = fresh || s.startedAtMs === null ? 0 : (nowMs - s.startedAtMs) / 1000;
  return forecastExperiment({ config: s.config, plan, prior: s.cost, finished, live, elapsedSeconds });
}

/** The headline figures of an ExperimentForecast, as plain data. */
export interface ProgressFigures {
  fraction: number | null;
  elapsedSeconds: number;
  remainingSeconds: number | null;
  totalSeconds: number | null;
  tokensDone: number;
  tokensPerSecond: number | null;
  runsDone: number;
  runCount: number;
}

function figures(f: ExperimentForecast): ProgressFigures {
  const { fraction, elapsedSeconds, remainingSeconds, totalSeconds, tokensDone, tokensPerSecond, runsDone, runCount } = f;
  return { fraction, elapsedSeconds, remainingSeconds, totalSeconds, tokensDone, tokensPerSecond, runsDone, runCount };
}

/** What a headless engine reads of the time: the forecast now, the estimate at Start, the cost model. */
export interface TimeFigures {
  /** The experiment's progress and ETA in cost, brought up to `nowMs`; null before it starts. */
  progress: ProgressFigures | null;
  /** The forecast when the first run started (the estimate, for judging the ETA); null before. */
  estimate: (ProgressFigures & { split: CostSplit | null }) | null;
  /** The adapter's calibrated cost model the forecast started from (src/train/cost-model.ts). */
  cost: CostModel | null;
}

export function timeFigures(s: RunStoreState, nowMs: number): TimeFigures {
  return {
    progress: s.forecast ? figures(forecastOf(s, nowMs) ?? s.forecast) : null,
    estimate: s.estimate ? { ...figures(s.estimate), split: s.estimate.split } : null,
    cost: s.cost,
  };
}

/** Each live run's ETA from the forecast. */
function withEtas(runs: Record<string, LiveRun>, forecast: ExperimentForecast | null): Record<string, LiveRun> {
  if (!forecast) return runs;
  return Object.fromEntries(
    Object.entries(runs).map(([id, r]) => {
      const known = forecast.remainingSeconds !== null;
      return [id, { ...r, etaSeconds: known ? (forecast.runs[id]?.remainingSeconds ?? r.etaSeconds) : null, expectedSteps: known ? (forecast.runs[id]?.steps ?? r.expectedSteps) : r.expectedSteps }];
    }),
  );
}

export const useRunStore = create<RunStoreState>((set, get) => {
  /** Sets the patch, with the forecast and the runs' ETAs brought up to date in the same update (one render). */
  const commit = (patch: Partial<RunStoreState>) => {
    const now = Date.now();
    const next = { ...get(), ...patch };
    const forecast = forecastOf(next, now);
    set({ ...patch, forecast, runs: withEtas(next.runs, forecast) });
  };
  // Steps received and not yet shown, per run, and the timer that shows them.
  let pending = new Map<string, { stats: StepStats[]; timing: RunTiming | null }>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  const stepsPatch = (runs: Record<string, LiveRun>): Record<string, LiveRun> => {
    const next = { ...runs };
    for (const [id, { stats, timing }] of pending) {
      const r = next[id];
      if (!r) continue;
      const last = stats[stats.length - 1];
      const rate = [...stats].reverse().find((x) => Number.isFinite(x.tokensPerSecond) && x.tokensPerSecond > 0)?.tokensPerSecond;
      next[id] = {
        ...r,
        status: r.status === 'queued' ? 'running' : r.status,
        stepsDone: last.step,
        tokensDone: last.step * r.spec.batchSize * r.spec.model.context,
        tokensPerSecond: rate ?? r.tokensPerSecond,
        timing: timing ?? r.timing,
        trainLoss: thin([...r.trainLoss, ...stats.map((x) => ({ step: x.step, loss: x.trainLoss }))], MAX_LIVE_POINTS),
      };
    }
    return next;
  };
  /** The pending steps folded into the runs (for a patch that also carries other changes). */
  const takePending = (): Record<string, LiveRun> => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const runs = pending.size > 0 ? stepsPatch(get().runs) : get().runs;
    pending = new Map();
    return runs;
  };
  const flush = () => {
    if (pending.size > 0) commit({ runs: takePending() });
  };
  const patchRun = (id: string, patch: (run: LiveRun) => Partial<LiveRun>) => {
    const runs = takePending();
    const run = runs[id];
    if (!run) return;
    commit({ runs: { ...runs, [id]: { ...run, ...patch(run) } } });
  };
  return {
    ...initial,
    experimentStarted(config, adapter, dataRevisions) {
      takePending();
      set({
        ...initial,
        status: 'running',
        config,
        adapter,
        dataRevisions,
        startedAt: new Date().toISOString(),
        startedAtMs: Date.now(),
        cost: loadCostModel(adapter, dataKey(config.data, config.tokenizer)),
        targetLoss: config.target.kind === 'fixed' ? config.target.loss : null,
        resultsOrigin: 'live',
      });
    },
    runQueued(spec) {
      const s = get();
      const order = s.order.includes(spec.id) ? s.order : [...s.order, spec.id];
      const run: LiveRun = { spec, status: 'queued', stepsDone: 0, tokensDone: 0, trainLoss: [], evals: [], tokensPerSecond: null, etaSeconds: null, expectedSteps: null, startedAtMs: null, timing: null, failure: null };
      set({ order, runs: { ...s.runs, [spec.id]: run } });
    },
    runStarted(id) {
      if (!get().estimate) set({ estimate: forecastOf(get(), Date.now(), true) });
      patchRun(id, (r) => ({ status: 'running', startedAtMs: r.startedAtMs ?? Date.now() }));
    },
    runProgress(id, stats, timing) {
      const entry = pending.get(id) ?? { stats: [], timing: null };
      entry.stats.push(stats);
      entry.timing = timing ?? entry.timing;
      pending.set(id, entry);
      timer ??= setTimeout(flush, PROGRESS_EVERY_MS);
    },
    flushProgress() {
      flush();
    },
    runEval(id, point) {
      patchRun(id, (r) => ({ evals: [...r.evals, point] }));
    },
    runStatus(id, status) {
      patchRun(id, () => ({ status }));
    },
    runFinished(record) {
      flush();
      const s = get();
      const id = record.spec.id;
      const live = s.runs[id];
      const runs = {
        ...s.runs,
        [id]: {
          ...(live ?? { trainLoss: record.steps.map((x) => ({ step: x.step, loss: x.trainLoss })), tokensPerSecond: null, startedAtMs: null }),
          timing: record.timing ?? null,
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
      commit({ runs, order, records, results: resultsFrom(next, false), resultsOrigin: 'live' });
    },
    targetKnown(target) {
      flush();
      const s = get();
      const targets = { ...s.targets, [target.group]: target };
      const runs = Object.fromEntries(
        Object.entries(s.runs).map(([id, r]) => [id, r.spec.role === 'reference' || groupKey(r.spec) !== target.group ? r : { ...r, spec: { ...r.spec, targetLoss: target.loss } }]),
      );
      const targetLoss = sharedTarget({ targets: Object.values(targets) });
      const next = { ...s, targets, targetLoss };
      commit({ targets, targetLoss, runs, results: resultsFrom(next, false) });
    },
    runWeights(record, safetensors) {
      const key = groupKey(record.spec);
      const finalLoss = record.evals.at(-1)?.ewaLoss ?? NaN;
      const kept = get().weights[key];
      // A run trained for exactly D (a reference, a local-CBS base run) wins over the others; among equals, the lower final loss.
      const exactlyD = (role: RunSpec['role'] | undefined) => role === 'reference' || role === 'base';
      const isRef = exactlyD(record.spec.role);
      const keptRef = exactlyD(kept?.spec.role);
      const better = !kept || (isRef && !keptRef) || (isRef === keptRef && finalLoss < kept.finalLoss);
      if (better && Number.isFinite(finalLoss)) set({ weights: { ...get().weights, [key]: { spec: record.spec, finalLoss, safetensors } } });
    },
    experimentStatus(status) {
      set({ status });
    },
    experimentFinished() {
      flush();
      commit({ status: 'finished', results: resultsFrom(get(), true), resultsOrigin: 'live' });
      const s = get();
      // What the runs measured on this adapter improves the next estimate.
      const measured = s.forecast?.cost;
      if (s.config && measured) {
        const timed = new Set(Object.values(s.records).flatMap((r) => (r.timing && r.stepsDone > 0 ? [modelShapeKey(r.spec.model)] : [])));
        const shapes = Object.fromEntries(Object.entries(measured.shapes).filter(([k]) => timed.has(k)));
        const data = measured.dataSeconds === null ? null : { key: dataKey(s.config.data, s.config.tokenizer), seconds: measured.dataSeconds };
        saveCostModel(s.adapter, { shapes, data });
      }
    },
    showResults(results, origin) {
      set({ results, resultsOrigin: origin });
    },
    clear() {
      takePending();
      set({ ...initial });
    },
  };
});
