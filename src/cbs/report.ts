// The analysis report: from stored results (or a table of steps to target) to R(B) points, the
// paper's fit, B* and its interval, the raw B*, noise-scale estimates, and scaling laws across
// (model, data size) groups. Everything in the report is JSON-able: no NaN, no Infinity.
import { parameterCounts } from '../model/config';
import type { AnalysisConfig, ExperimentResults, RunRecord, StepStats } from '../experiment/schema';
import { field, type FieldCheck } from '../experiment/fields';
import { type BootstrapInterval, type BootstrapOptions, DEFAULT_BOOTSTRAP, bootstrapCbs } from './bootstrap';
import { type CbsEstimate, type RawCbs, cbsFromFit, rawCbs } from './cbs';
import { type PaperFit, fitPaperCurve } from './fit';
import { DEFAULT_NOISE_SCALE, type NoiseScaleOptions, type NoiseScalePoint, estimateNoiseScale } from './noise-scale';
import { PAPER_LAWS, type PaperLaw, paperLawTokens } from './paper';
import { type PowerLawFit, fitPowerLaw } from './scaling';
import { type BatchPoint, type RunOutcome, batchPoints, curvePoints, pooledPoints, runOutcome } from './steps-to-target';
import { measurementKey } from '../experiment/plan';
import { targetFromReference } from '../experiment/results';
import { formatCount } from '../util/format';
import type { CurvePoint } from './fit';
import type { TableSource } from './input';

export const REPORT_VERSION = 2;

/** The lab's analysis defaults: the paper's 20% overhead, the smallest measured B as baseline, no interpolation (the paper's rule). */
export const DEFAULT_ANALYSIS: AnalysisConfig = { overhead: 0.2, baselineBatch: null, interpolate: false };

export interface ReportOptions {
  analysis: AnalysisConfig;
  /**
   * Overrides the results' targets: one loss for every measurement, or a loss per measurement
   * (by its key or its label, as the report prints them). Steps to target are recomputed from
   * the stored evaluations of each run.
   */
  targetLoss: number | Record<string, number> | null;
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

export interface GroupTargetReport {
  loss: number | null;
  /** results: from the reference runs (or the config's fixed target); override: given to the analysis; none: unknown. */
  source: 'results' | 'override' | 'table' | 'none';
  /** The reference runs behind it, with their final losses. */
  references: { runId: string; replicate: number; finalLoss: number | null; status: string }[];
}

export interface GroupReport {
  key: string;
  /** "model · D=…": how the report names the measurement to a person. */
  label: string;
  model: string | null;
  /** Non-embedding parameters. */
  modelSize: number | null;
  /** Data size D in tokens. */
  dataSize: number | null;
  /** Tokens per sequence, when known. */
  context: number | null;
  target: GroupTargetReport;
  /** Seed replicates measured (1 for a table). */
  replicates: number;
  points: BatchPoint[];
  /** What the fit used: one point per replicate and batch size, censored ones as bounds. */
  curve: CurvePoint[];
  /** B* of each replicate's own points alone (null where its fit has no finite B*), to show the seed-to-seed spread. */
  replicateBStars: { replicate: number; bStar: number | null }[];
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
    /** The override given to the analysis, if any (each group's target is in its report). */
    targetOverride: number | Record<string, number> | null;
    bootstrap: BootstrapOptions;
    noiseScale: NoiseScaleOptions;
  };
  groups: GroupReport[];
  scaling: ScalingReport[];
  warnings: string[];
  /** For table input: which column gave what, in which unit (src/cbs/input.ts). */
  input?: TableSource;
}

/** One row of a table of steps to target (one run). steps null: the run never reached the target. */
export interface TableRow {
  batchSize: number;
  steps: number | null;
  /** Seed replicate, when the table has one (rows of one replicate at one B are its learning rates: the minimum is taken). */
  replicate?: number;
  /** Non-embedding parameters (a CSV's unit is converted when read: src/cbs/input.ts). */
  modelSize: number | null;
  dataSize: number | null;
  /** The value of a user-named group column, when the table has one. */
  group?: string;
  /** With no steps: the run stopped at this step without reaching the target (R(B) > it), a censored point. */
  censoredAbove?: number | null;
}

/** What callers pass: any subset of the options, the bootstrap's and noise scale's included. */
export type ReportInput = Partial<Omit<ReportOptions, 'bootstrap' | 'noiseScale'>> & { bootstrap?: Partial<BootstrapOptions>; noiseScale?: Partial<NoiseScaleOptions> };

/** The config's own limits (src/experiment/fields.ts): an overhead of 1e308 would make every B* infinite. */
const maxOf = (check: FieldCheck): number => ('max' in check ? check.max : Infinity);
const MAX_OVERHEAD = maxOf(field('analysis.overhead').check);
const MAX_TARGET_LOSS = maxOf(field('target.loss').check);

function resolveOptions(options: ReportInput): ReportOptions {
  const analysis = { ...DEFAULT_ANALYSIS, ...(options.analysis ?? {}) };
  const out: ReportOptions = {
    analysis,
    targetLoss: options.targetLoss ?? null,
    bootstrap: { ...DEFAULT_BOOTSTRAP, ...(options.bootstrap ?? {}) },
    noiseScale: { ...DEFAULT_NOISE_SCALE, ...(options.noiseScale ?? {}) },
    context: options.context ?? null,
  };
  if (!(Number.isFinite(analysis.overhead) && analysis.overhead > 0 && analysis.overhead <= MAX_OVERHEAD)) {
    throw new RangeError(`overhead must be a positive number up to ${MAX_OVERHEAD} (got ${analysis.overhead})`);
  }
  if (analysis.baselineBatch !== null && !(Number.isFinite(analysis.baselineBatch) && analysis.baselineBatch > 0)) {
    throw new RangeError(`baseline batch size must be a positive number (got ${analysis.baselineBatch})`);
  }
  const overrides = out.targetLoss === null ? [] : typeof out.targetLoss === 'number' ? [out.targetLoss] : Object.values(out.targetLoss);
  for (const t of overrides) {
    if (!(Number.isFinite(t) && t > 0 && t <= MAX_TARGET_LOSS)) throw new RangeError(`a target loss must be a positive number up to ${MAX_TARGET_LOSS} (got ${t})`);
  }
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
  label: string;
  model: string | null;
  modelSize: number | null;
  dataSize: number | null;
  context: number | null;
  target: GroupTargetReport;
  outcomes: RunOutcome[];
  /** Per-step statistics by run id, for the noise scale (results input only). */
  stepStats: Map<string, { microBatch: number; steps: StepStats[] }> | null;
}

/** B* by the closed form on a fit of these points, or null when the fit gives none. */
function bStarOfPoints(points: readonly CurvePoint[], baseline: number | null, overhead: number): number | null {
  const largest = Math.max(...points.map((p) => p.batchSize));
  const fit = fitPaperCurve(points);
  return cbsFromFit(fit, baseline, overhead, largest).bStar;
}

function analyzeGroup(input: GroupInput, opts: ReportOptions): GroupReport {
  const points = batchPoints(input.outcomes);
  const curve = curvePoints(points);
  const pooled = pooledPoints(points);
  const reached = curve.filter((p) => !p.censored);
  const allBatches = points.map((p) => p.batchSize);
  const { overhead } = opts.analysis;
  const measuredBaseline = pooled.find((p) => !p.censored)?.batchSize ?? null;
  // A group with no finished sweep run has no baseline (null), not the empty minimum.
  const baseline = opts.analysis.baselineBatch ?? measuredBaseline ?? (allBatches.length > 0 ? Math.min(...allBatches) : null);
  const fit = fitPaperCurve(curve.map(({ batchSize, steps, censored }) => ({ batchSize, steps, ...(censored ? { censored } : {}) })));
  const largest = reached.length > 0 ? Math.max(...reached.map((p) => p.batchSize)) : (baseline ?? 0);
  const cbs = cbsFromFit(fit, baseline, overhead, largest);
  const raw = rawCbs(pooled, baseline, overhead);
  const interval = bootstrapCbs(curve, baseline, overhead, opts.bootstrap);
  const replicateIds = [...new Set(input.outcomes.map((o) => o.replicate))].sort((p, q) => p - q);
  const replicateBStars =
    replicateIds.length > 1
      ? replicateIds.map((replicate) => {
          const own = curve.filter((p) => p.replicate === replicate);
          const distinct = new Set(own.filter((p) => !p.censored).map((p) => p.batchSize)).size;
          return { replicate, bStar: distinct >= 2 ? bStarOfPoints(own, baseline, overhead) : null };
        })
      : [];
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
    label: input.label,
    model: input.model,
    modelSize: input.modelSize,
    dataSize: input.dataSize,
    context,
    target: input.target,
    replicates: Math.max(1, replicateIds.length),
    points,
    curve,
    replicateBStars,
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
      out.push(make('modelSize', subset, dataSize, dataSize === null ? 'B* vs model size' : `B* vs model size at fixed data size ${formatCount(dataSize)} tokens`, fixedData));
    }
  }
  // Chinchilla-style: model and data sizes both vary and no data size is shared by two model sizes.
  const sharedData = [...byValue((g) => g.dataSize).values()].some((s) => distinct(s.map((g) => g.modelSize)) >= 2);
  if (!sharedData && distinct(groups.map((g) => g.modelSize)) >= 2 && distinct(groups.map((g) => g.dataSize)) >= 2) {
    out.push(make('modelSize', groups, null, 'B* vs model size, with data size growing alongside (Chinchilla-style)', chinchilla));
  }
  for (const [modelSize, subset] of byValue((g) => g.modelSize)) {
    if (distinct(subset.map((g) => g.dataSize)) >= 2) {
      out.push(make('dataSize', subset, modelSize, modelSize === null ? 'B* vs data size' : `B* vs data size at fixed model size ${formatCount(modelSize)} parameters`, null));
    }
  }
  return out;
}

function groupWarnings(groups: GroupReport[]): string[] {
  const w: string[] = [];
  for (const g of groups) {
    if (g.unreached.length > 0) w.push(`${g.label}: ${g.unreached.length} run(s) never reached the target`);
    if (g.fit.status !== 'ok') w.push(`${g.label}: fit ${g.fit.status}${g.fit.note ? ` (${g.fit.note})` : ''}`);
    if (g.interval.status !== 'ok') w.push(`${g.label}: no interval (${g.interval.note ?? g.interval.status})`);
  }
  return w;
}

/** The override that applies to a measurement: its own (by key or label), else the global one, else none. */
function overrideFor(override: ReportOptions['targetLoss'], key: string, label: string): number | null {
  if (override === null) return null;
  if (typeof override === 'number') return override;
  return override[key] ?? override[label] ?? null;
}

/** The full report for stored experiment results: each measurement against its own target. */
export function analyzeResults(results: ExperimentResults, options: ReportInput = {}): CbsReport {
  const opts = resolveOptions({ ...options, analysis: { ...DEFAULT_ANALYSIS, ...results.config.analysis, ...(options.analysis ?? {}) } });
  const warnings: string[] = [];

  const groups = new Map<string, { records: RunRecord[]; label: string; modelName: string; modelSize: number | null; dataSize: number; context: number }>();
  for (const record of results.runs) {
    const m = record.spec.model;
    const key = measurementKey(m, record.spec.dataSize);
    let size: number | null = null;
    try {
      size = parameterCounts(m).nonEmbedding;
    } catch {
      size = null;
    }
    const entry = groups.get(key) ?? { records: [], label: `${m.name} · D=${formatCount(record.spec.dataSize)}`, modelName: m.name, modelSize: Number.isFinite(size) ? size : null, dataSize: record.spec.dataSize, context: m.context };
    entry.records.push(record);
    groups.set(key, entry);
  }
  // Two measurements that print alike (same name, D equal to 3 digits) get their key beside the label.
  const labels = [...groups.values()].map((g) => g.label);
  for (const [key, g] of groups) if (labels.filter((l) => l === g.label).length > 1) g.label = `${g.label} [${key}]`;
  if (opts.targetLoss !== null && typeof opts.targetLoss === 'object') {
    for (const name of Object.keys(opts.targetLoss)) {
      if (![...groups.entries()].some(([key, g]) => key === name || g.label === name)) throw new RangeError(`no measurement is named "${name}" (known: ${[...groups.values()].map((g) => g.label).join('; ')})`);
    }
  }

  const reports: GroupReport[] = [];
  for (const [key, g] of groups) {
    const references = g.records.filter((r) => r.spec.role === 'reference');
    const sweep = g.records.filter((r) => r.spec.role === 'sweep');
    const override = overrideFor(opts.targetLoss, key, g.label);
    const stored = results.targets.find((t) => t.group === key) ?? null;
    const loss = override ?? stored?.loss ?? null;
    const target: GroupTargetReport = {
      loss,
      source: override !== null ? 'override' : stored !== null ? 'results' : 'none',
      references: references.map((r) => ({ runId: r.spec.id, replicate: r.spec.replicate, finalLoss: targetFromReference(r), status: r.status })),
    };
    if (loss === null) warnings.push(`${g.label}: no target loss (its reference runs did not finish and none was given): no steps to target`);
    const outcomes = sweep.map((r): RunOutcome => {
      if (loss === null) {
        return { runId: r.spec.id, batchSize: r.spec.batchSize, peakLr: r.spec.peakLr, status: r.status, replicate: r.spec.replicate, steps: null, censoredAbove: null, reason: 'no target loss known for this measurement', interpolated: false };
      }
      return runOutcome(r, loss, opts.analysis.interpolate);
    });
    const stepStats = new Map(sweep.map((r) => [r.spec.id, { microBatch: r.spec.microBatch, steps: r.steps }]));
    reports.push(analyzeGroup({ key, label: g.label, model: g.modelName, modelSize: g.modelSize, dataSize: g.dataSize, context: g.context, target, outcomes, stepStats }, opts));
  }
  reports.sort((p, q) => (p.modelSize ?? 0) - (q.modelSize ?? 0) || (p.dataSize ?? 0) - (q.dataSize ?? 0));
  return {
    kind: 'cbs-report',
    version: REPORT_VERSION,
    source: 'results',
    settings: { overhead: opts.analysis.overhead, baselineBatch: opts.analysis.baselineBatch, interpolate: opts.analysis.interpolate, targetOverride: opts.targetLoss, bootstrap: opts.bootstrap, noiseScale: opts.noiseScale },
    groups: reports,
    scaling: scalingFits(reports, opts.bootstrap.level),
    warnings: [...warnings, ...groupWarnings(reports)],
  };
}


/** The report for a table of steps to target (e.g. a CSV from a sweep run elsewhere). */
export function analyzeTable(rows: readonly TableRow[], options: ReportInput = {}, input: TableSource | null = null): CbsReport {
  const opts = resolveOptions(options);
  if (rows.length === 0) throw new RangeError('the table has no rows');
  if (opts.targetLoss !== null) throw new RangeError('a table already gives steps to target: a target loss cannot be applied to it');
  const groups = new Map<string, { rows: { row: TableRow; line: number }[]; label: string; modelSize: number | null; dataSize: number | null }>();
  rows.forEach((row, i) => {
    // Exact sizes: two measurements that differ in the fourth digit are two measurements; a group
    // column (when the table has one) splits them further.
    // The sizes the table gives; a table with neither (one measurement) is "all rows".
    const known = [row.modelSize === null ? null : `N=${formatCount(row.modelSize)}`, row.dataSize === null ? null : `D=${formatCount(row.dataSize)}`].filter((x) => x !== null);
    const sizes = known.length > 0 ? known.join(' · ') : 'all rows';
    const key = `${row.group === undefined ? '' : `${row.group}|`}N${row.modelSize ?? '?'}|D${row.dataSize ?? '?'}`;
    const label = row.group === undefined ? sizes : known.length === 0 ? row.group : `${row.group} · ${sizes}`;
    const entry = groups.get(key) ?? { rows: [], label, modelSize: row.modelSize, dataSize: row.dataSize };
    entry.rows.push({ row, line: i + 1 });
    groups.set(key, entry);
  });
  const labels = [...groups.values()].map((g) => g.label);
  for (const [key, g] of groups) if (labels.filter((l) => l === g.label).length > 1) g.label = `${g.label} [${key}]`;
  const reports: GroupReport[] = [];
  for (const [key, g] of groups) {
    const outcomes = g.rows.map(
      ({ row, line }): RunOutcome => ({
        runId: `row-${line}`,
        batchSize: row.batchSize,
        peakLr: null,
        status: 'table',
        replicate: row.replicate ?? 0,
        steps: row.steps,
        censoredAbove: row.steps === null ? (row.censoredAbove ?? null) : null,
        reason:
          row.steps !== null
            ? null
            : row.censoredAbove != null
              ? `ended at step ${row.censoredAbove} without reaching the target (censored)`
              : 'never reached the target (no steps given in the table)',
        interpolated: false,
      }),
    );
    const target: GroupTargetReport = { loss: null, source: 'table', references: [] };
    reports.push(analyzeGroup({ key, label: g.label, model: null, modelSize: g.modelSize, dataSize: g.dataSize, context: opts.context, target, outcomes, stepStats: null }, opts));
  }
  reports.sort((p, q) => (p.modelSize ?? 0) - (q.modelSize ?? 0) || (p.dataSize ?? 0) - (q.dataSize ?? 0));
  return {
    kind: 'cbs-report',
    version: REPORT_VERSION,
    source: 'table',
    settings: { overhead: opts.analysis.overhead, baselineBatch: opts.analysis.baselineBatch, interpolate: opts.analysis.interpolate, targetOverride: null, bootstrap: opts.bootstrap, noiseScale: opts.noiseScale },
    groups: reports,
    scaling: scalingFits(reports, opts.bootstrap.level),
    warnings: [...(input?.notes ?? []), ...groupWarnings(reports)],
    ...(input ? { input } : {}),
  };
}
