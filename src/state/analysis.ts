// The page's view of an experiment's analysis: ExperimentResults → one CBS measurement per
// (model, data size) and the scaling fits across them, built from src/cbs. Pure and total:
// every failure of a piece becomes a note, never an exception, so a shared link cannot crash
// the charts.
import type { ExperimentResults, ModelConfig, RunRecord } from './schema';
import { batchPoints, runOutcome, type BatchPoint, type RunOutcome } from '../cbs/steps-to-target';
import { fitPaperCurve, type CurvePoint, type PaperFit } from '../cbs/fit';
import { cbsFromFit, rawCbs, type CbsEstimate, type RawCbs } from '../cbs/cbs';
import { bootstrapCbs, type BootstrapInterval } from '../cbs/bootstrap';
import { estimateNoiseScale } from '../cbs/noise-scale';
import { fitPowerLaw, type PowerLawFit } from '../cbs/scaling';
import { nonEmbeddingParams } from './defaults';

export interface AnalysisOptions {
  /** Target loss; defaults to the results' target. */
  target?: number | null;
  overhead?: number;
  /** null: the smallest batch size that reached the target. */
  baselineBatch?: number | null;
  interpolate?: boolean;
  /** Bootstrap resamples (1000 by default; tests use fewer). */
  resamples?: number;
}

export interface NoiseScaleSummary {
  /** Median over the best run at each batch size of its B_simple summary (sequences); null when none. */
  median: number | null;
  perBatch: { batchSize: number; runId: string; bSimple: number | null; note: string | null }[];
}

export interface MeasurementAnalysis {
  /** "model|D", stable across reloads. */
  key: string;
  label: string;
  model: ModelConfig;
  dataSize: number;
  nonEmbeddingParams: number;
  points: BatchPoint[];
  /** The R(B) points the fit used. */
  curve: CurvePoint[];
  fit: PaperFit | null;
  cbs: CbsEstimate | null;
  raw: RawCbs | null;
  interval: BootstrapInterval | null;
  baselineBatch: number | null;
  overhead: number;
  /** Runs that never reached the target, with the reason. */
  unreached: RunOutcome[];
  noiseScale: NoiseScaleSummary;
  /** Anything that went wrong or needs saying, as sentences. */
  notes: string[];
}

export interface ScalingAnalysis {
  /** B* in tokens (B* × context) against non-embedding parameters, one point per measurement. */
  vsModel: { points: { x: number; y: number; label: string }[]; fit: PowerLawFit | null; note: string | null };
  /** B* in tokens against data size in tokens. */
  vsData: { points: { x: number; y: number; label: string }[]; fit: PowerLawFit | null; note: string | null };
}

export interface ExperimentAnalysis {
  target: number | null;
  overhead: number;
  measurements: MeasurementAnalysis[];
  scaling: ScalingAnalysis;
  notes: string[];
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function modelKey(m: ModelConfig): string {
  return `${m.name}:L${m.layers}d${m.dModel}h${m.heads}T${m.context}`;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((p, q) => p - q);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : 0.5 * (s[mid - 1] + s[mid]);
}

function noiseScaleOf(points: BatchPoint[], runsById: Map<string, RunRecord>): NoiseScaleSummary {
  const perBatch: NoiseScaleSummary['perBatch'] = [];
  for (const p of points) {
    const id = p.bestRunId ?? p.runs[0]?.runId;
    const run = id ? runsById.get(id) : undefined;
    if (!run) continue;
    try {
      const est = estimateNoiseScale(run.steps, run.spec.microBatch, run.spec.batchSize);
      perBatch.push({ batchSize: p.batchSize, runId: run.spec.id, bSimple: est.summary, note: est.note });
    } catch (e) {
      perBatch.push({ batchSize: p.batchSize, runId: run.spec.id, bSimple: null, note: errorText(e) });
    }
  }
  const finite = perBatch.map((x) => x.bSimple).filter((x): x is number => x !== null && Number.isFinite(x) && x > 0);
  return { median: median(finite), perBatch };
}

function analyseMeasurement(
  runs: RunRecord[],
  target: number | null,
  overhead: number,
  baselineOption: number | null,
  interpolate: boolean,
  resamples: number,
): MeasurementAnalysis {
  const first = runs[0].spec;
  const notes: string[] = [];
  const model = first.model;
  const runsById = new Map(runs.map((r) => [r.spec.id, r]));
  const base = {
    key: `${modelKey(model)}|${first.dataSize}`,
    label: `${model.name} · D = ${formatTokens(first.dataSize)}`,
    model,
    dataSize: first.dataSize,
    nonEmbeddingParams: nonEmbeddingParams(model),
    overhead,
  };
  if (target === null || !Number.isFinite(target)) {
    return {
      ...base,
      points: [],
      curve: [],
      fit: null,
      cbs: null,
      raw: null,
      interval: null,
      baselineBatch: null,
      unreached: [],
      noiseScale: { median: null, perBatch: [] },
      notes: ['The target loss is not known yet (the reference run has not finished).'],
    };
  }
  const outcomes = runs.map((r) => runOutcome(r, target, interpolate, true));
  const points = batchPoints(outcomes);
  const curve: CurvePoint[] = points.filter((p) => p.steps !== null && p.steps > 0).map((p) => ({ batchSize: p.batchSize, steps: p.steps as number }));
  const unreached = outcomes.filter((o) => o.steps === null);
  const baselineBatch = baselineOption ?? (curve.length > 0 ? Math.min(...curve.map((p) => p.batchSize)) : null);
  let fit: PaperFit | null = null;
  let cbs: CbsEstimate | null = null;
  let raw: RawCbs | null = null;
  let interval: BootstrapInterval | null = null;
  if (curve.length === 0) notes.push('No run reached the target: there is nothing to fit.');
  else if (baselineBatch !== null) {
    try {
      fit = fitPaperCurve(curve);
      if (fit.note) notes.push(fit.note);
      cbs = cbsFromFit(fit, baselineBatch, overhead, Math.max(...curve.map((p) => p.batchSize)));
      if (cbs.note) notes.push(cbs.note);
    } catch (e) {
      notes.push(`The fit failed: ${errorText(e)}`);
    }
    try {
      raw = rawCbs(curve, baselineBatch, overhead);
    } catch (e) {
      notes.push(`The fit-free CBS failed: ${errorText(e)}`);
    }
    try {
      interval = bootstrapCbs(
        points.map((p) => ({ batchSize: p.batchSize, steps: p.runs.map((r) => r.steps) })),
        baselineBatch,
        overhead,
        { resamples },
      );
      if (interval.note) notes.push(`Interval: ${interval.note}`);
    } catch (e) {
      notes.push(`The bootstrap failed: ${errorText(e)}`);
    }
  }
  return { ...base, points, curve, fit, cbs, raw, interval, baselineBatch, unreached, noiseScale: noiseScaleOf(points, runsById), notes };
}

function scalingFit(points: { x: number; y: number; label: string }[], what: string): { fit: PowerLawFit | null; note: string | null } {
  const distinct = new Set(points.map((p) => p.x)).size;
  if (distinct < 2) return { fit: null, note: `A power law in ${what} needs B* at two or more ${what}s (this experiment has ${distinct}).` };
  try {
    const fit = fitPowerLaw(points);
    return { fit, note: fit.note };
  } catch (e) {
    return { fit: null, note: errorText(e) };
  }
}

/** Analyses every (model, data size) measurement of the results, then the scaling fits across them. */
export function analyseResults(results: ExperimentResults, options: AnalysisOptions = {}): ExperimentAnalysis {
  const cfg = results.config.analysis;
  const target = options.target !== undefined ? options.target : results.targetLoss;
  const overhead = options.overhead ?? cfg.overhead;
  const baselineBatch = options.baselineBatch !== undefined ? options.baselineBatch : cfg.baselineBatch;
  const interpolate = options.interpolate ?? cfg.interpolate;
  const resamples = options.resamples ?? 1000;
  const groups = new Map<string, RunRecord[]>();
  for (const run of results.runs) {
    if (run.spec.isReference) continue;
    const key = `${modelKey(run.spec.model)}|${run.spec.dataSize}`;
    const list = groups.get(key) ?? [];
    list.push(run);
    groups.set(key, list);
  }
  const measurements = [...groups.values()].map((runs) => analyseMeasurement(runs, target, overhead, baselineBatch, interpolate, resamples));
  const withBStar = measurements.filter((m) => m.cbs?.bStar != null && Number.isFinite(m.cbs.bStar));
  const toPoint = (m: MeasurementAnalysis, x: number) => ({ x, y: (m.cbs?.bStar as number) * m.model.context, label: m.label });
  // Model-size law: measurements at the most common data size (or all, in the Chinchilla pairing).
  const paired = results.config.pairing === 'paired';
  const vsModelPoints = withBStar.filter((m) => paired || m.dataSize === mostCommon(withBStar.map((w) => w.dataSize))).map((m) => toPoint(m, m.nonEmbeddingParams));
  const commonModel = mostCommon(withBStar.map((w) => modelKey(w.model)));
  const vsDataPoints = paired ? [] : withBStar.filter((m) => modelKey(m.model) === commonModel).map((m) => toPoint(m, m.dataSize));
  const vsModel = scalingFit(vsModelPoints, 'model size');
  const vsData = paired
    ? { fit: null, note: 'In the paired (Chinchilla) setting data grows with the model: see B* against model size.' }
    : scalingFit(vsDataPoints, 'data size');
  const notes: string[] = [];
  if (target === null) notes.push('The target loss is not known yet.');
  return {
    target,
    overhead,
    measurements,
    scaling: { vsModel: { points: vsModelPoints, ...vsModel }, vsData: { points: vsDataPoints, ...vsData } },
    notes,
  };
}

function mostCommon<T>(values: T[]): T | undefined {
  const counts = new Map<T, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best: T | undefined;
  let n = 0;
  for (const [v, c] of counts) if (c > n) [best, n] = [v, c];
  return best;
}

export function formatTokens(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toPrecision(3)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toPrecision(3)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toPrecision(3)}k`;
  return String(Math.round(n));
}

/** The steps table as CSV: one row per run (reference runs included, marked). */
export function stepsCsv(results: ExperimentResults, analysis: ExperimentAnalysis): string {
  const outcome = new Map<string, RunOutcome>();
  for (const m of analysis.measurements) for (const p of m.points) for (const r of p.runs) outcome.set(r.runId, r);
  const header = ['model', 'non_embedding_params', 'data_size', 'batch_size', 'peak_lr', 'status', 'reference', 'steps_to_target', 'steps_done', 'tokens_done', 'target_loss', 'note'];
  const rows = results.runs.map((run) => {
    const o = outcome.get(run.spec.id);
    return [
      run.spec.model.name,
      nonEmbeddingParams(run.spec.model),
      run.spec.dataSize,
      run.spec.batchSize,
      run.spec.peakLr,
      run.status,
      run.spec.isReference ? 'yes' : 'no',
      o?.steps ?? '',
      run.stepsDone,
      run.tokensDone,
      analysis.target ?? '',
      o?.reason ?? (run.failure ? run.failure.reason : ''),
    ];
  });
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}

function csvCell(v: string | number): string {
  const s = String(v);
  // Quote anything with a separator or quote, and defuse spreadsheet formulas from shared text.
  const safe = /^[=+\-@]/.test(s) && typeof v === 'string' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
