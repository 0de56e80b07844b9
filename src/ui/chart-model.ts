// The charts' view of an experiment's analysis, from the CBS report of src/cbs/report.ts (the
// same numbers as the command line): one measurement per (model, data size) and the scaling fits
// across them. Total: a failure becomes a note, never an exception, so a shared link cannot crash
// the charts. The scaling charts are in tokens (B* × context) so that models with different
// contexts, and the paper's 512-token sequences, share one unit; the report's fits are in sequences.
import type { EvalPoint, ExperimentResults, RunSpec } from '../experiment/schema';
import type { ModelConfig } from '../model/config';
import type { BatchPoint, RunOutcome } from '../cbs/steps-to-target';
import { paperCurve, type CurvePoint, type PaperFit } from '../cbs/fit';
import type { CbsEstimate, RawCbs } from '../cbs/cbs';
import type { BootstrapInterval } from '../cbs/bootstrap';
import { fitPowerLaw, type PowerLawFit } from '../cbs/scaling';
import { analyzeResults, analyzeTable, DEFAULT_ANALYSIS, type CbsReport, type GroupReport, type ScalingReport } from '../cbs/report';
import type { TableInput } from '../cbs/input';
import { nonEmbeddingParams } from '../experiment/presets';
import { measurementKey, measurementLabel } from '../experiment/plan';
import { sharedTarget } from '../experiment/results';
import { PAPER_TABLE } from '../cbs/paper';

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
  /** Seed replicates measured (1 for a single seed or a table). */
  replicates: number;
  /** B* of each seed alone, when there are several (empty otherwise): the seed-to-seed spread. */
  replicateBStars: { replicate: number; bStar: number | null }[];
  baselineBatch: number | null;
  overhead: number;
  /** Runs that never reached the target, with the reason. */
  unreached: RunOutcome[];
  noiseScale: NoiseScaleSummary;
  /** Anything that went wrong or needs saying, as sentences. */
  notes: string[];
}

export interface ScalingPanel {
  /**
   * B* in tokens against N (non-embedding parameters) or D (tokens), with its interval in tokens
   * as the error bar's extent below and above y ([0, 0] where there is none).
   */
  points: { x: number; y: number; label: string; err: [number, number] }[];
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

/** Every group's measurement; labels that two groups would share are replaced by the report's exact ones. */
function measurementsOf(report: CbsReport, results: ExperimentResults | null): MeasurementAnalysis[] {
  // A table's groups have no model: the report's label names them by the sizes the table gives.
  const short = report.groups.map((g) => (g.model === null ? g.label : measurementLabel(g.model, g.dataSize ?? 0)));
  return report.groups.map((g, i) => measurementOf(g, results, short.filter((l) => l === short[i]).length > 1));
}

function measurementOf(g: GroupReport, results: ExperimentResults | null, sharedLabel: boolean): MeasurementAnalysis {
  // By the measurement's key (shape and exact D): two models may share a name in older results.
  const run = results?.runs.find((r) => measurementKey(r.spec.model, r.spec.dataSize) === g.key);
  const model = run?.spec.model ?? { name: g.model ?? '?', layers: 0, dModel: 0, heads: 0, context: g.context ?? 0, vocabSize: 0 };
  const notes: string[] = [];
  if (g.fit.note) notes.push(g.fit.note);
  if (g.cbs.note) notes.push(g.cbs.note);
  if (g.interval.status !== 'ok' && g.interval.note) notes.push(`Interval: ${g.interval.note}`);
  return {
    key: g.key,
    // The short label, unless another measurement reads the same: then the report's, which names the shape and the exact D.
    label: g.model === null || sharedLabel ? g.label : measurementLabel(g.model, g.dataSize ?? 0),
    model,
    dataSize: g.dataSize ?? 0,
    nonEmbeddingParams: g.modelSize ?? nonEmbeddingParams(model),
    points: g.points,
    curve: g.points.filter((p) => p.steps !== null).map((p) => ({ batchSize: p.batchSize, steps: p.steps as number })),
    fit: g.fit,
    cbs: g.cbs,
    raw: g.raw,
    interval: g.interval,
    replicates: g.replicates,
    replicateBStars: g.replicateBStars,
    // A group with no finished sweep run has no baseline yet (null).
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

/**
 * One scaling chart's points and power-law fit. `labels` names each measurement as the page does
 * (the report's keys are for files, not for people).
 */
function panelOf(s: ScalingReport | undefined, groups: GroupReport[], what: string, labels: ReadonlyMap<string, string>): ScalingPanel {
  if (!s) return { points: [], fit: null, description: null, note: `A power law in ${what} needs B* at two or more ${what}s with the other size held fixed.` };
  const byKey = new Map(groups.map((g) => [g.key, g]));
  const points = s.used
    .map((u) => ({ u, g: byKey.get(u.key) }))
    .filter(({ g }) => g?.bStarTokens != null)
    .map(({ u, g }) => {
      const y = g?.bStarTokens as number;
      const [lo, hi] = g?.intervalTokens ?? [null, null];
      const err: [number, number] = [lo !== null && lo <= y ? y - lo : 0, hi !== null && hi >= y ? hi - y : 0];
      return { x: u.x, y, label: labels.get(u.key) ?? u.key, err };
    });
  const excluded = s.excluded.map((e) => `${labels.get(e.key) ?? e.key}: ${e.reason}`).join('; ');
  if (new Set(points.map((p) => p.x)).size < 2) {
    // Each measurement's own panel says why it has no B*; here, only what this chart still needs.
    const note =
      points.length === 0
        ? `B* against ${what} needs B* at two or more ${what}s; none has one so far.`
        : `B* against ${what} needs B* at two or more ${what}s; so far only ${points.map((p) => p.label).join(' and ')} has one${excluded ? ` (left out: ${excluded})` : ''}.`;
    return { points, fit: null, description: s.description, note };
  }
  try {
    const fit = fitPowerLaw(points);
    return { points, fit, description: s.description, note: [fit.note, excluded ? `left out: ${excluded}` : null].filter(Boolean).join('; ') || null };
  } catch (e) {
    return { points, fit: null, description: s.description, note: errorText(e) };
  }
}

const emptyPanel = (note: string): ScalingPanel => ({ points: [], fit: null, description: null, note });

/** Both scaling charts of a report, their measurements named as the page names them. */
function scalingOf(report: CbsReport, measurements: readonly MeasurementAnalysis[]): ScalingAnalysis {
  const labels = new Map(measurements.map((m) => [m.key, m.label]));
  return {
    vsModel: panelOf(report.scaling.find((s) => s.against === 'modelSize'), report.groups, 'model size', labels),
    vsData: panelOf(report.scaling.find((s) => s.against === 'dataSize'), report.groups, 'data size', labels),
  };
}

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
  const measurements = measurementsOf(report, results);
  const notes: string[] = [];
  for (const g of report.groups) if (g.target.loss === null) notes.push(`${g.label}: the target loss is not known yet (its reference runs have not finished).`);
  const known = [...new Set(report.groups.map((g) => g.target.loss).filter((l): l is number => l !== null))];
  return {
    // One target for the page only when every measurement has it: while a budget's references
    // still train, the first budget's target is not the experiment's.
    target: known.length === 1 && report.groups.every((g) => g.target.loss !== null) ? known[0] : null,
    overhead,
    measurements,
    scaling: scalingOf(report, measurements),
    notes,
    report,
  };
}

/**
 * The charts of a table of steps to target (a CSV: the lab's steps export or any the command line
 * reads). There are no evaluation curves, so the target is the one the table was measured at.
 */
export function tableChartModel(table: TableInput, options: Pick<ChartModelOptions, 'overhead' | 'baselineBatch' | 'resamples'> = {}): ChartModel {
  const overhead = options.overhead ?? DEFAULT_ANALYSIS.overhead;
  let report: CbsReport;
  try {
    report = analyzeTable(
      table.rows,
      {
        analysis: { ...DEFAULT_ANALYSIS, overhead, baselineBatch: options.baselineBatch ?? null },
        ...(options.resamples ? { bootstrap: { resamples: options.resamples } } : {}),
      },
      table.source,
    );
  } catch (e) {
    const note = `The analysis failed: ${errorText(e)}`;
    return { target: null, overhead, measurements: [], scaling: { vsModel: emptyPanel(note), vsData: emptyPanel(note) }, notes: [note], report: null };
  }
  const measurements = measurementsOf(report, null);
  return {
    target: null,
    overhead,
    measurements,
    scaling: scalingOf(report, measurements),
    notes: ['These are steps to target from a table: the target is the one they were measured at, and there are no loss curves.'],
    report,
  };
}


// ---------- live loss curves ----------

/** One run's EWA validation loss against tokens seen. */
export interface LossSeries {
  runId: string;
  batchSize: number;
  peakLr: number;
  /** A reference run (it sets the target), drawn dashed. */
  reference: boolean;
  status: string;
  color: string;
  points: { tokens: number; loss: number }[];
}

/** Every run of one (model, data size) measurement, coloured by batch size, with its target. */
export interface LossPanel {
  key: string;
  label: string;
  target: number | null;
  series: LossSeries[];
  /** The legend: one entry per batch size. */
  batchSizes: { batchSize: number; color: string }[];
}

/** A run as the loss chart needs it: live (from the run store) or stored (a RunRecord). */
export interface LossRun {
  spec: RunSpec;
  status: string;
  evals: readonly EvalPoint[];
}

// A sequential palette (dark blue → orange) that stays distinguishable for colour-blind readers
// at the handful of batch sizes a sweep has; the smallest batch is the darkest.
const BATCH_PALETTE = ['#1a365d', '#2b6cb0', '#3182ce', '#319795', '#38a169', '#b7791f', '#dd6b20', '#c53030', '#97266d', '#553c9a'];

/** The colour of a batch size among `all` (by rank, so doubling steps through the palette). */
export function batchColor(batchSize: number, all: readonly number[]): string {
  const sorted = [...new Set(all)].sort((p, q) => p - q);
  const rank = Math.max(0, sorted.indexOf(batchSize));
  // Spread the ranks over the whole palette, so four batch sizes are four distinct hues.
  const index = sorted.length <= 1 ? 1 : Math.round((rank * (BATCH_PALETTE.length - 1)) / (sorted.length - 1));
  return BATCH_PALETTE[index];
}

/**
 * The loss curves of every run, one panel per (model, data size), in the order runs appear.
 * `targetOf` gives a run's target (null while the reference run has not set it).
 */
export function lossPanels(runs: readonly LossRun[], targetOf: (spec: RunSpec) => number | null): LossPanel[] {
  const panels = new Map<string, LossPanel>();
  for (const run of runs) {
    const label = measurementLabel(run.spec.model.name, run.spec.dataSize);
    const key = measurementKey(run.spec.model, run.spec.dataSize);
    let panel = panels.get(key);
    if (!panel) {
      panel = { key, label, target: null, series: [], batchSizes: [] };
      panels.set(key, panel);
    }
    const reference = run.spec.role === 'reference';
    if (!reference) panel.target = targetOf(run.spec) ?? panel.target;
    panel.series.push({
      runId: run.spec.id,
      batchSize: run.spec.batchSize,
      peakLr: run.spec.peakLr,
      reference,
      status: run.status,
      color: '',
      points: run.evals.filter((e) => Number.isFinite(e.ewaLoss) && e.tokens > 0).map((e) => ({ tokens: e.tokens, loss: e.ewaLoss })),
    });
  }
  for (const panel of panels.values()) {
    const all = panel.series.map((s) => s.batchSize);
    for (const s of panel.series) s.color = batchColor(s.batchSize, all);
    panel.batchSizes = [...new Set(all)].sort((p, q) => p - q).map((batchSize) => ({ batchSize, color: batchColor(batchSize, all) }));
  }
  return [...panels.values()];
}

/** The runs of stored results as loss-chart input. */
export function lossRunsOf(results: ExperimentResults): LossRun[] {
  return results.runs.map((r) => ({ spec: r.spec, status: r.status, evals: r.evals }));
}

// ---------- the paper's curves, normalised ----------

/** The paper's linear-scaling baseline and its smallest and largest batch sizes (sequences). */
export const PAPER_BASELINE_BATCH = 256;
export const PAPER_SMALLEST_BATCH = 64;
export const PAPER_LARGEST_BATCH = 16384;

export interface NormalisedCurve {
  name: string;
  /** x = B / B*, y = R(B) / R(smallest B). */
  points: { x: number; y: number }[];
}

/**
 * The paper's five fitted curves (Chinchilla setting, src/cbs/paper.ts's table), as its notebook
 * plots them: steps over steps at the smallest batch (64), against B / B*. Each model's table B*
 * and the 20% rule from the baseline 256 give its B_crit = b/a = (B* − 1.2·256) / 0.2, and the
 * fitted curve a + b/B normalised is (1 + B_crit/B) / (1 + B_crit/64).
 */
export function paperNormalisedCurves(overhead = 0.2): NormalisedCurve[] {
  return PAPER_TABLE.map((row) => {
    const bCrit = (row.bStarSequences - (1 + overhead) * PAPER_BASELINE_BATCH) / overhead;
    const r = (batch: number) => 1 + bCrit / batch;
    const points: { x: number; y: number }[] = [];
    for (let i = 0; i <= 32; i++) {
      const batch = PAPER_SMALLEST_BATCH * (PAPER_LARGEST_BATCH / PAPER_SMALLEST_BATCH) ** (i / 32);
      points.push({ x: batch / row.bStarSequences, y: r(batch) / r(PAPER_SMALLEST_BATCH) });
    }
    return { name: `paper ${row.model}`, points };
  });
}

/**
 * A lab measurement on the same axes: its best runs and its fit, steps over steps at its smallest
 * measured batch, against B / B*. Null when there is no finite B* or no fit to normalise by.
 */
export function normalisedMeasurement(m: MeasurementAnalysis): { points: { x: number; y: number; batchSize: number }[]; fit: { x: number; y: number }[] } | null {
  const bStar = m.cbs?.bStar ?? null;
  const a = m.fit?.a ?? null;
  const b = m.fit?.b ?? null;
  if (bStar === null || !Number.isFinite(bStar) || a === null || b === null || m.curve.length === 0) return null;
  const smallest = m.curve[0];
  const points = m.curve.map((p) => ({ x: p.batchSize / bStar, y: p.steps / smallest.steps, batchSize: p.batchSize }));
  const fitAt = (batch: number) => a + b / batch;
  const lo = smallest.batchSize;
  const hi = Math.max(m.curve[m.curve.length - 1].batchSize, bStar) * 2;
  const fit: { x: number; y: number }[] = [];
  for (let i = 0; i <= 32; i++) {
    const batch = lo * (hi / lo) ** (i / 32);
    fit.push({ x: batch / bStar, y: fitAt(batch) / fitAt(lo) });
  }
  return { points, fit };
}

// ---------- the lines beside R(B) ----------

/** One batch size of a steps-to-target chart's lines; a line absent there is undefined. */
export interface StepsLineSample {
  B: number;
  /** The paper's fitted curve α + β/B. */
  fit?: number;
  /** Linear scaling from the baseline: R(B_base)·B_base / B, from the baseline on. */
  linear?: number;
  /** The rule's line, (1 + overhead) × linear scaling. */
  overhead?: number;
}

/**
 * One dot on the steps chart. `best`: the best run at its B (one seed); `mean`: the geometric mean
 * of the seeds' R(B), the value the reading and the fit-free rule use; `seed`: one seed's best run;
 * `other`: any other run that reached the target (another learning rate).
 */
export interface StepsDot {
  B: number;
  steps: number;
  role: 'best' | 'mean' | 'seed' | 'other';
  /** The run behind the dot; null for a mean over seeds. */
  runId: string | null;
  lr: number | null;
  status: string;
  /** Seeds behind a mean. */
  seeds: number;
}

/**
 * The steps chart's dots. With one seed, the best run per B stands out and the other learning
 * rates fade. With seed replicates, the best run over all seeds would show the luckiest seed, not
 * what the fit and the reading use, so the dark dot is the seeds' geometric mean, each seed's best
 * run is drawn beside it, and only other learning rates fade.
 */
export function stepsDots(m: MeasurementAnalysis): { main: StepsDot[]; seeds: StepsDot[]; others: StepsDot[] } {
  const main: StepsDot[] = [];
  const seeds: StepsDot[] = [];
  const others: StepsDot[] = [];
  const replicated = m.replicates > 1;
  for (const p of m.points) {
    const seedBest = new Set(p.replicates.map((r) => r.bestRunId).filter((id): id is string => id !== null));
    for (const r of p.runs) {
      if (r.steps === null) continue;
      const dot = { B: p.batchSize, steps: r.steps, runId: r.runId, lr: r.peakLr, status: r.status, seeds: 1 };
      if (!replicated) {
        const best = r.runId === p.bestRunId;
        (best ? main : others).push({ ...dot, role: best ? 'best' : 'other' });
      } else if (seedBest.has(r.runId)) seeds.push({ ...dot, role: 'seed' });
      else others.push({ ...dot, role: 'other' });
    }
    if (replicated && p.steps !== null) main.push({ B: p.batchSize, steps: p.steps, role: 'mean', runId: null, lr: null, status: 'reached-target', seeds: p.replicates.length });
  }
  return { main, seeds, others };
}

/**
 * The lines a steps-to-target chart draws beside the measured R(B), sampled at 49 batch sizes
 * evenly spaced in log B from lo to hi: the language-model and the theory pages draw the same
 * three, so they are computed once. Linear scaling starts at the baseline: below it there is
 * nothing to scale from.
 */
export function stepsLines(
  lo: number,
  hi: number,
  fit: { a: number | null; b: number | null } | null,
  baseline: { batchSize: number | null; steps: number | null },
  overhead: number,
): StepsLineSample[] {
  const lines: StepsLineSample[] = [];
  for (let i = 0; i <= 48; i++) {
    const B = lo * (hi / lo) ** (i / 48);
    const d: StepsLineSample = { B };
    if (fit && fit.a !== null && fit.b !== null) d.fit = paperCurve(fit.a, fit.b, B);
    if (baseline.batchSize !== null && baseline.steps !== null && B >= baseline.batchSize) {
      d.linear = (baseline.steps * baseline.batchSize) / B;
      d.overhead = (1 + overhead) * d.linear;
    }
    lines.push(d);
  }
  return lines;
}
