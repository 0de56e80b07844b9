// The charts' view of an experiment's analysis, from the CBS report of src/cbs/report.ts (the
// same numbers as the command line): one measurement per (model, data size) and the scaling fits
// across them. Total: a failure becomes a note, never an exception, so a shared link cannot crash
// the charts. The scaling charts are in tokens (B* × context) so that models with different
// contexts, and the paper's 512-token sequences, share one unit; the report's fits are in sequences.
import { formatCount } from '../util/format';
import type { ExperimentResults } from '../experiment/schema';
import type { ModelConfig } from '../model/config';
import type { BatchPoint, RunOutcome } from '../cbs/steps-to-target';
import type { CurvePoint, PaperFit } from '../cbs/fit';
import type { CbsEstimate, RawCbs } from '../cbs/cbs';
import type { BootstrapInterval } from '../cbs/bootstrap';
import { fitPowerLaw, type PowerLawFit } from '../cbs/scaling';
import { analyzeResults, type CbsReport, type GroupReport, type ScalingReport } from '../cbs/report';
import { nonEmbeddingParams } from '../experiment/presets';
import { sharedTarget } from '../experiment/results';

export interface ChartModelOptions {
  /** Target loss; defaults to the results' target. */
  target?: number | null;
  overhead?: number;
  /** null: the smallest batch size that reached the target. */
  baselineBatch?: number | null;
  interpolate?: boolean;
  /** Bootstrap resamples (the report's default, 1000, when absent). */
  resamples?: number;
}

export interface NoiseScaleSummary {
  /** Median over the best run at each batch size of its B_simple summary (sequences); null when none. */
  median: number | null;
  perBatch: { batchSize: number; runId: string; bSimple: number | null; note: string | null }[];
}

export interface MeasurementAnalysis {
  /** The report's group key, e.g. "micro · D=1M". */
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

export interface ScalingPanel {
  /** B* in tokens against N (non-embedding parameters) or D (tokens). */
  points: { x: number; y: number; label: string }[];
  fit: PowerLawFit | null;
  note: string | null;
  description: string | null;
}

export interface ScalingAnalysis {
  vsModel: ScalingPanel;
  vsData: ScalingPanel;
}

export interface ChartModel {
  target: number | null;
  overhead: number;
  measurements: MeasurementAnalysis[];
  scaling: ScalingAnalysis;
  notes: string[];
  /** The full report (what the command line writes), or null when it could not be made. */
  report: CbsReport | null;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

function measurementOf(g: GroupReport, results: ExperimentResults): MeasurementAnalysis {
  const run = results.runs.find((r) => r.spec.model.name === g.model && r.spec.dataSize === g.dataSize);
  const model = run?.spec.model ?? { name: g.model ?? '?', layers: 0, dModel: 0, heads: 0, context: g.context ?? 0, vocabSize: 0 };
  const notes: string[] = [];
  if (g.fit.note) notes.push(g.fit.note);
  if (g.cbs.note) notes.push(g.cbs.note);
  if (g.interval.status !== 'ok' && g.interval.note) notes.push(`Interval: ${g.interval.note}`);
  return {
    key: g.key,
    label: `${g.model ?? '?'} · D = ${formatCount(g.dataSize ?? 0)}`,
    model,
    dataSize: g.dataSize ?? 0,
    nonEmbeddingParams: g.modelSize ?? nonEmbeddingParams(model),
    points: g.points,
    curve: g.points.filter((p) => p.steps !== null).map((p) => ({ batchSize: p.batchSize, steps: p.steps as number })),
    fit: g.fit,
    cbs: g.cbs,
    raw: g.raw,
    interval: g.interval,
    baselineBatch: g.cbs.baselineBatch,
    overhead: g.cbs.overhead,
    unreached: g.unreached,
    noiseScale: {
      median: g.noiseScale?.median ?? null,
      perBatch: (g.noiseScale?.runs ?? []).map((r) => ({ batchSize: r.batchSize, runId: r.runId, bSimple: r.summary, note: r.note })),
    },
    notes,
  };
}

function panelOf(s: ScalingReport | undefined, groups: GroupReport[], what: string): ScalingPanel {
  if (!s) return { points: [], fit: null, description: null, note: `A power law in ${what} needs B* at two or more ${what}s with the other size held fixed.` };
  const byKey = new Map(groups.map((g) => [g.key, g]));
  const points = s.used
    .map((u) => ({ u, g: byKey.get(u.key) }))
    .filter(({ g }) => g?.bStarTokens != null)
    .map(({ u, g }) => ({ x: u.x, y: g?.bStarTokens as number, label: u.key }));
  const excluded = s.excluded.map((e) => `${e.key}: ${e.reason}`).join('; ');
  if (new Set(points.map((p) => p.x)).size < 2) return { points, fit: null, description: s.description, note: `Too few B* values for a fit${excluded ? ` (${excluded})` : ''}.` };
  try {
    const fit = fitPowerLaw(points);
    return { points, fit, description: s.description, note: [fit.note, excluded ? `left out: ${excluded}` : null].filter(Boolean).join('; ') || null };
  } catch (e) {
    return { points, fit: null, description: s.description, note: errorText(e) };
  }
}

const emptyPanel = (note: string): ScalingPanel => ({ points: [], fit: null, description: null, note });

/** Analyses every (model, data size) measurement of the results, then the scaling fits across them. */
export function chartModel(results: ExperimentResults, options: ChartModelOptions = {}): ChartModel {
  const cfg = results.config.analysis;
  const overhead = options.overhead ?? cfg.overhead;
  const target = options.target !== undefined ? options.target : sharedTarget(results);
  let report: CbsReport;
  try {
    report = analyzeResults(results, {
      analysis: {
        overhead,
        baselineBatch: options.baselineBatch !== undefined ? options.baselineBatch : cfg.baselineBatch,
        interpolate: options.interpolate ?? cfg.interpolate,
      },
      targetLoss: options.target ?? null,
      ...(options.resamples ? { bootstrap: { resamples: options.resamples } } : {}),
    });
  } catch (e) {
    const note = `The analysis failed: ${errorText(e)}`;
    return { target, overhead, measurements: [], scaling: { vsModel: emptyPanel(note), vsData: emptyPanel(note) }, notes: [note], report: null };
  }
  const measurements = report.groups.map((g) => measurementOf(g, results));
  const notes: string[] = [];
  for (const g of report.groups) if (g.target.loss === null) notes.push(`${g.label}: the target loss is not known yet (its reference runs have not finished).`);
  const known = [...new Set(report.groups.map((g) => g.target.loss).filter((l): l is number => l !== null))];
  return {
    target: known.length === 1 ? known[0] : null,
    overhead,
    measurements,
    scaling: {
      vsModel: panelOf(report.scaling.find((s) => s.against === 'modelSize'), report.groups, 'model size'),
      vsData: panelOf(report.scaling.find((s) => s.against === 'dataSize'), report.groups, 'data size'),
    },
    notes,
    report,
  };
}
