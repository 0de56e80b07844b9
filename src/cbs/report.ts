// The analysis report: from stored results (or a table of steps to target) to R(B) points, the
// paper's fit, B* and its interval, the raw B*, noise-scale estimates, and scaling laws across
// (model, data size) groups. Everything in the report is JSON-able: no NaN, no Infinity.
import { parameterCounts } from '../model/config';
import type { AnalysisConfig, ExperimentResults, RunRecord, StepStats } from '../experiment/schema';
import { type BootstrapInterval, type BootstrapOptions, DEFAULT_BOOTSTRAP, bootstrapCbs } from './bootstrap';
import { type CbsEstimate, type RawCbs, cbsFromFit, rawCbs } from './cbs';
import { type PaperFit, fitPaperCurve } from './fit';
import { DEFAULT_NOISE_SCALE, type NoiseScaleOptions, type NoiseScalePoint, estimateNoiseScale } from './noise-scale';
import { PAPER_LAWS, type PaperLaw, paperLawTokens } from './paper';
import { type PowerLawFit, fitPowerLaw } from './scaling';
import { type BatchPoint, type RunOutcome, batchPoints, runOutcome } from './steps-to-target';

export const REPORT_VERSION = 1;

/** The lab's analysis defaults: the paper's 20% overhead, the smallest measured B as baseline, no interpolation (the paper's rule). */
export const DEFAULT_ANALYSIS: AnalysisConfig = { overhead: 0.2, baselineBatch: null, interpolate: false };

export interface ReportOptions {
  analysis: AnalysisConfig;
  /** Overrides the results' target loss; steps to target are recomputed from the stored evaluations. */
  targetLoss: number | null;
  bootstrap: BootstrapOptions;
  noiseScale: NoiseScaleOptions;
  /** Tokens per sequence for table input (CSV), so B* can also be given in tokens; null when unknown. */
  context: number | null;
}

export interface NoiseScaleRun {
  runId: string;
  batchSize: number;
  microBatch: number;
  status: 'ok' | 'undefined';
  note: string | null;
  summary: number | null;
  final: number | null;
  /** The smoothed series, thinned to at most 200 points. */
  series: NoiseScalePoint[];
}

export interface NoiseScaleGroup {
  /** One estimate per batch size, from its best run (the run that set R(B)). */
  runs: NoiseScaleRun[];
  /** Median of the defined run summaries (sequences); null when none is defined. */
  median: number | null;
  note: string;
}

export interface GroupReport {
  key: string;
  model: string | null;
  /** Non-embedding parameters. */
  modelSize: number | null;
  /** Data size D in tokens. */
  dataSize: number | null;
  /** Tokens per sequence, when known. */
  context: number | null;
  points: BatchPoint[];
  /** Runs that never reached the target, with the reason. */
  unreached: RunOutcome[];
  fit: PaperFit;
  cbs: CbsEstimate;
  raw: RawCbs;
  interval: BootstrapInterval;
  /** B* and its interval in tokens (× context), when the context is known and B* is finite. */
  bStarTokens: number | null;
  intervalTokens: [number | null, number | null] | null;
  noiseScale: NoiseScaleGroup | null;
}

export interface ScalingReport {
  against: 'modelSize' | 'dataSize';
  description: string;
  /** The other size, held fixed (null when it varies too, or is unknown). */
  fixed: number | null;
  used: { key: string; x: number; bStar: number }[];
  excluded: { key: string; reason: string }[];
  /** B* (sequences) = c·X^e, X in parameters or tokens. */
  fit: PowerLawFit;
  /** The paper's matching law at the same X, in tokens (only against model size, and only when the context is known). */
  paper: { law: PaperLaw; points: { key: string; x: number; labBStarTokens: number | null; paperBStarTokens: number }[] } | null;
}

export interface CbsReport {
  kind: 'cbs-report';
  version: typeof REPORT_VERSION;
  source: 'results' | 'table';
  settings: {
    overhead: number;
    /** Requested baseline; null means the smallest measured batch size of each group. */
    baselineBatch: number | null;
    interpolate: boolean;
    targetLoss: number | null;
    targetSource: 'results' | 'override' | 'table' | 'none';
    bootstrap: BootstrapOptions;
    noiseScale: NoiseScaleOptions;
  };
  groups: GroupReport[];
  scaling: ScalingReport[];
  warnings: string[];
}

/** One row of a table of steps to target (one run). steps null: the run never reached the target. */
export interface TableRow {
  batchSize: number;
  steps: number | null;
  modelSize: number | null;
  dataSize: number | null;
}

function resolveOptions(options: Partial<ReportOptions>): ReportOptions {
  const analysis = { ...DEFAULT_ANALYSIS, ...(options.analysis ?? {}) };
  const out: ReportOptions = {
    analysis,
    targetLoss: options.targetLoss ?? null,
    bootstrap: { ...DEFAULT_BOOTSTRAP, ...(options.bootstrap ?? {}) },
    noiseScale: { ...DEFAULT_NOISE_SCALE, ...(options.noiseScale ?? {}) },
    context: options.context ?? null,
  };
  if (!(Number.isFinite(analysis.overhead) && analysis.overhead > 0)) throw new RangeError(`overhead must be a positive number (got ${analysis.overhead})`);
  if (analysis.baselineBatch !== null && !(Number.isFinite(analysis.baselineBatch) && analysis.baselineBatch > 0)) {
    throw new RangeError(`baseline batch size must be a positive number (got ${analysis.baselineBatch})`);
  }
  if (out.targetLoss !== null && !Number.isFinite(out.targetLoss)) throw new RangeError(`target loss must be a finite number (got ${out.targetLoss})`);
  if (out.context !== null && !(Number.isFinite(out.context) && out.context > 0)) throw new RangeError(`context must be a positive number (got ${out.context})`);
  return out;
}

function thin<T>(values: T[], max: number): T[] {
  if (values.length <= max) return values;
  const stride = Math.ceil(values.length / max);
  const out = values.filter((_, i) => i % stride === 0);
  if (out[out.length - 1] !== values[values.length - 1]) out.push(values[values.length - 1]);
  return out;
}

interface GroupInput {
  key: string;
  model: string | null;
  modelSize: number | null;
  dataSize: number | null;
  context: number | null;
  outcomes: RunOutcome[];
  /** Per-step statistics by run id, for the noise scale (results input only). */
  stepStats: Map<string, { microBatch: number; steps: StepStats[] }> | null;
}

function analyzeGroup(input: GroupInput, opts: ReportOptions): GroupReport {
  const points = batchPoints(input.outcomes);
  const measured = points.filter((p): p is BatchPoint & { steps: number } => p.steps !== null).map((p) => ({ batchSize: p.batchSize, steps: p.steps }));
  const allBatches = points.map((p) => p.batchSize);
  const { overhead } = opts.analysis;
  const baseline = opts.analysis.baselineBatch ?? (measured.length > 0 ? measured[0].batchSize : Math.min(...allBatches));
  const fit = fitPaperCurve(measured);
  const largest = measured.length > 0 ? measured[measured.length - 1].batchSize : baseline;
  const cbs = cbsFromFit(fit, baseline, overhead, largest);
  const raw = rawCbs(measured, baseline, overhead);
  const interval = bootstrapCbs(
    points.map((p) => ({ batchSize: p.batchSize, steps: p.runs.map((r) => r.steps) })),
    baseline,
    overhead,
    opts.bootstrap,
  );
  const context = input.context;
  const bStarTokens = context !== null && cbs.bStar !== null ? cbs.bStar * context : null;
  const intervalTokens =
    context !== null && interval.status === 'ok' ? ([interval.lower === null ? null : interval.lower * context, interval.upper === null ? null : interval.upper * context] as [number | null, number | null]) : null;

  let noiseScale: NoiseScaleGroup | null = null;
  if (input.stepStats) {
    const runs: NoiseScaleRun[] = [];
    for (const p of points) {
      if (p.bestRunId === null) continue;
      const stats = input.stepStats.get(p.bestRunId);
      if (!stats) continue;
      const est = estimateNoiseScale(stats.steps, stats.microBatch, p.batchSize, opts.noiseScale);
      runs.push({ runId: p.bestRunId, batchSize: p.batchSize, microBatch: stats.microBatch, status: est.status, note: est.note, summary: est.summary, final: est.final, series: thin(est.series, 200) });
    }
    const defined = runs.map((r) => r.summary).filter((v): v is number => v !== null).sort((p, q) => p - q);
    const m = defined.length >> 1;
    const median = defined.length === 0 ? null : defined.length % 2 ? defined[m] : 0.5 * (defined[m - 1] + defined[m]);
    noiseScale = {
      runs,
      median,
      note:
        defined.length === 0
          ? 'no run gives a defined noise scale (runs need gradient accumulation, micro-batch < batch, and recorded norms)'
          : 'B_simple (sequences) from the best run at each batch size, shown beside the measured CBS, not as a substitute for it',
    };
  }
  return {
    key: input.key,
    model: input.model,
    modelSize: input.modelSize,
    dataSize: input.dataSize,
    context,
    points,
    unreached: input.outcomes.filter((o) => o.steps === null),
    fit,
    cbs,
    raw,
    interval,
    bStarTokens,
    intervalTokens,
    noiseScale,
  };
}

function sizeLabel(x: number | null): string {
  if (x === null) return '?';
  if (x >= 1e9) return `${+(x / 1e9).toPrecision(3)}B`;
  if (x >= 1e6) return `${+(x / 1e6).toPrecision(3)}M`;
  if (x >= 1e3) return `${+(x / 1e3).toPrecision(3)}k`;
  return String(x);
}

function scalingFits(groups: GroupReport[], level: number): ScalingReport[] {
  const out: ScalingReport[] = [];
  const make = (against: 'modelSize' | 'dataSize', subset: GroupReport[], fixed: number | null, description: string, law: PaperLaw | null): ScalingReport => {
    const used: ScalingReport['used'] = [];
    const excluded: ScalingReport['excluded'] = [];
    for (const g of subset) {
      const x = against === 'modelSize' ? g.modelSize : g.dataSize;
      if (x === null) excluded.push({ key: g.key, reason: `unknown ${against === 'modelSize' ? 'model' : 'data'} size` });
      else if (g.cbs.bStar === null) excluded.push({ key: g.key, reason: `no finite B* (${g.cbs.status}${g.cbs.note ? `: ${g.cbs.note}` : ''})` });
      else used.push({ key: g.key, x, bStar: g.cbs.bStar });
    }
    const fit = fitPowerLaw(
      used.map((u) => ({ x: u.x, y: u.bStar, label: u.key })),
      level,
    );
    let paper: ScalingReport['paper'] = null;
    if (law && against === 'modelSize') {
      const withX = subset.filter((g) => g.modelSize !== null);
      if (withX.length > 0 && withX.every((g) => g.context !== null)) {
        paper = { law, points: withX.map((g) => ({ key: g.key, x: g.modelSize as number, labBStarTokens: g.bStarTokens, paperBStarTokens: paperLawTokens(law, g.modelSize as number) })) };
      }
    }
    return { against, description, fixed, used, excluded, fit, paper };
  };
  const distinct = (values: (number | null)[]) => new Set(values.filter((v) => v !== null)).size;
  const byValue = (pick: (g: GroupReport) => number | null) => {
    const m = new Map<number | null, GroupReport[]>();
    for (const g of groups) m.set(pick(g), [...(m.get(pick(g)) ?? []), g]);
    return m;
  };
  const fixedData = PAPER_LAWS.find((l) => l.id === 'fixed-data') ?? null;
  const chinchilla = PAPER_LAWS.find((l) => l.id === 'chinchilla') ?? null;
  for (const [dataSize, subset] of byValue((g) => g.dataSize)) {
    if (distinct(subset.map((g) => g.modelSize)) >= 2) {
      out.push(make('modelSize', subset, dataSize, dataSize === null ? 'B* vs model size' : `B* vs model size at fixed data size ${sizeLabel(dataSize)} tokens`, fixedData));
    }
  }
  // Chinchilla-style: model and data sizes both vary and no data size is shared by two model sizes.
  const sharedData = [...byValue((g) => g.dataSize).values()].some((s) => distinct(s.map((g) => g.modelSize)) >= 2);
  if (!sharedData && distinct(groups.map((g) => g.modelSize)) >= 2 && distinct(groups.map((g) => g.dataSize)) >= 2) {
    out.push(make('modelSize', groups, null, 'B* vs model size, with data size growing alongside (Chinchilla-style)', chinchilla));
  }
  for (const [modelSize, subset] of byValue((g) => g.modelSize)) {
    if (distinct(subset.map((g) => g.dataSize)) >= 2) {
      out.push(make('dataSize', subset, modelSize, modelSize === null ? 'B* vs data size' : `B* vs data size at fixed model size ${sizeLabel(modelSize)} parameters`, null));
    }
  }
  return out;
}

function groupWarnings(groups: GroupReport[]): string[] {
  const w: string[] = [];
  for (const g of groups) {
    if (g.unreached.length > 0) w.push(`${g.key}: ${g.unreached.length} run(s) never reached the target`);
    if (g.fit.status !== 'ok') w.push(`${g.key}: fit ${g.fit.status}${g.fit.note ? ` (${g.fit.note})` : ''}`);
    if (g.interval.status !== 'ok') w.push(`${g.key}: no interval (${g.interval.note ?? g.interval.status})`);
  }
  return w;
}

/** The full report for stored experiment results. */
export function analyzeResults(results: ExperimentResults, options: Partial<ReportOptions> = {}): CbsReport {
  const opts = resolveOptions({ ...options, analysis: { ...DEFAULT_ANALYSIS, ...results.config.analysis, ...(options.analysis ?? {}) } });
  const warnings: string[] = [];
  const override = opts.targetLoss;
  const target = override ?? results.targetLoss;
  const targetSource: CbsReport['settings']['targetSource'] = override !== null ? 'override' : results.targetLoss !== null ? 'results' : 'none';
  if (target === null) warnings.push('no target loss in the results and none given: the steps to target recorded by the trainer are used as they are');

  const groups = new Map<string, { records: RunRecord[]; modelName: string; modelSize: number | null; dataSize: number; context: number }>();
  for (const record of results.runs) {
    const m = record.spec.model;
    const key = `${m.name} · D=${sizeLabel(record.spec.dataSize)}`;
    let size: number | null = null;
    try {
      size = parameterCounts(m).nonEmbedding;
    } catch {
      size = null;
    }
    const entry = groups.get(key) ?? { records: [], modelName: m.name, modelSize: Number.isFinite(size) ? size : null, dataSize: record.spec.dataSize, context: m.context };
    entry.records.push(record);
    groups.set(key, entry);
  }
  const reports: GroupReport[] = [];
  for (const [key, g] of groups) {
    const outcomes = g.records.map((r): RunOutcome => {
      if (target === null) {
        const s = r.stepsToTarget;
        return { runId: r.spec.id, batchSize: r.spec.batchSize, peakLr: r.spec.peakLr, status: r.status, steps: s, reason: s === null ? 'no target loss known and the run recorded no steps to target' : null, interpolated: false };
      }
      return runOutcome(r, target, opts.analysis.interpolate, override === null);
    });
    const stepStats = new Map(g.records.map((r) => [r.spec.id, { microBatch: r.spec.microBatch, steps: r.steps }]));
    reports.push(analyzeGroup({ key, model: g.modelName, modelSize: g.modelSize, dataSize: g.dataSize, context: g.context, outcomes, stepStats }, opts));
  }
  reports.sort((p, q) => (p.modelSize ?? 0) - (q.modelSize ?? 0) || (p.dataSize ?? 0) - (q.dataSize ?? 0));
  return {
    kind: 'cbs-report',
    version: REPORT_VERSION,
    source: 'results',
    settings: { overhead: opts.analysis.overhead, baselineBatch: opts.analysis.baselineBatch, interpolate: opts.analysis.interpolate, targetLoss: target, targetSource, bootstrap: opts.bootstrap, noiseScale: opts.noiseScale },
    groups: reports,
    scaling: scalingFits(reports, opts.bootstrap.level),
    warnings: [...warnings, ...groupWarnings(reports)],
  };
}

/** The report for a table of steps to target (e.g. a CSV from a sweep run elsewhere). */
export function analyzeTable(rows: readonly TableRow[], options: Partial<ReportOptions> = {}): CbsReport {
  const opts = resolveOptions(options);
  if (rows.length === 0) throw new RangeError('the table has no rows');
  const groups = new Map<string, { rows: { row: TableRow; line: number }[]; modelSize: number | null; dataSize: number | null }>();
  rows.forEach((row, i) => {
    const key = `N=${sizeLabel(row.modelSize)} · D=${sizeLabel(row.dataSize)}`;
    const entry = groups.get(key) ?? { rows: [], modelSize: row.modelSize, dataSize: row.dataSize };
    entry.rows.push({ row, line: i + 1 });
    groups.set(key, entry);
  });
  const reports: GroupReport[] = [];
  for (const [key, g] of groups) {
    const outcomes = g.rows.map(
      ({ row, line }): RunOutcome => ({
        runId: `row-${line}`,
        batchSize: row.batchSize,
        peakLr: null,
        status: 'table',
        steps: row.steps,
        reason: row.steps === null ? 'never reached the target (no steps given in the table)' : null,
        interpolated: false,
      }),
    );
    reports.push(analyzeGroup({ key, model: null, modelSize: g.modelSize, dataSize: g.dataSize, context: opts.context, outcomes, stepStats: null }, opts));
  }
  reports.sort((p, q) => (p.modelSize ?? 0) - (q.modelSize ?? 0) || (p.dataSize ?? 0) - (q.dataSize ?? 0));
  return {
    kind: 'cbs-report',
    version: REPORT_VERSION,
    source: 'table',
    settings: { overhead: opts.analysis.overhead, baselineBatch: opts.analysis.baselineBatch, interpolate: opts.analysis.interpolate, targetLoss: null, targetSource: 'table', bootstrap: opts.bootstrap, noiseScale: opts.noiseScale },
    groups: reports,
    scaling: scalingFits(reports, opts.bootstrap.level),
    warnings: groupWarnings(reports),
  };
}
