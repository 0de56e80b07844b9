// A theory experiment from config to measured exponent, on any trainer (the GPU one, or the float64
// reference): the reference runs that set one target per budget, the sweep over batch sizes and
// learning rates, then the language-model sweeps' own analysis (src/cbs): steps to target, R(B),
// the paper's fit, B*, its bootstrap interval, and the power law of B* in D. No DOM, no Node: it
// runs in a Web Worker as well as in Node.
import { analyzeTable, type CbsReport, type TableRow } from '../cbs/report';
import { fitPowerLaw, type PowerLawFit } from '../cbs/scaling';
import { stepsToTarget } from '../cbs/steps-to-target';
import { describeIssues, validateTheoryConfig, type TheoryConfig, type ValidationOptions } from './config';
import { evalSchedule, type LaneGroup, type LaneResult, type LaneStatus, type TrainerOptions, type TrainerSession } from './lanes';
import { makeProblem, predictedExponent, type TheoryProblem } from './problem';
import { blockSamplesFor, blocksPerDispatch, planTrainer } from './trainer.plan';

export const THEORY_RESULTS_VERSION = 1;

export type SessionFactory = (options: TrainerOptions, groups: LaneGroup[]) => Promise<TrainerSession>;

export interface TheoryProgress {
  phase: 'reference' | 'sweep';
  /** Samples processed so far by the groups of this phase (each group's stream counted once). */
  samples: number;
  groupsRunning: number;
  groups: number;
}

export interface RunOptions {
  onProgress?: (p: TheoryProgress) => void;
  signal?: AbortSignal;
  /** Lane·sample·coordinate updates per dispatch (see blocksPerDispatch). */
  workPerDispatch?: number;
  /** Keep every seed's risk curves in the results (default true). */
  keepRuns?: boolean;
}

/** One lane's run, JSON-able: risks that were not finite are null. */
export interface TheoryRun {
  seed: number;
  batchSize: number;
  lr: number;
  status: LaneStatus;
  steps: number;
  evalSteps: number[];
  /** averageRisk[k][j]: excess risk of average k at evalSteps[j]. */
  averageRisk: (number | null)[][];
  lastRisk: (number | null)[];
}

export interface BudgetOutcome {
  budget: number;
  /** The target excess risk: the best seed-mean risk of the reference runs after `budget` samples. */
  target: number;
  /** R(B) per batch size (from the mean curves) and the learning rate that gave it (null where none reached the target). */
  points: { batchSize: number; steps: number | null; lr: number | null }[];
  bStar: number | null;
  /** The bootstrap interval of B* (resampling the R(B) points), when there is one. */
  interval: [number | null, number | null] | null;
  /** The power-law point was left out, and why (null when used). */
  excluded: string | null;
}

export interface TheoryResults {
  version: typeof THEORY_RESULTS_VERSION;
  kind: 'theory-results';
  config: TheoryConfig;
  /** 1 − a/min(b, 2a+1). */
  predicted: number;
  /** The fitted exponent of B* in D over the budgets, and its t-interval at config.analysis.level. */
  measured: number | null;
  interval: [number, number] | null;
  scaling: PowerLawFit;
  /** Slopes of log B* between consecutive budgets: where the power law bends. */
  localExponents: { from: number; to: number; exponent: number }[];
  outcomes: BudgetOutcome[];
  /** The src/cbs report (budgets as data sizes, M as the model size). */
  report: CbsReport;
  /** The seed-mean risk curves the analysis read (null: not finite). */
  curves: { batchSize: number; lr: number; evalSteps: number[]; averageRisk: (number | null)[][] }[];
  /** Every lane of every seed (empty with keepRuns: false). */
  runs: TheoryRun[];
  notes: string[];
  timing: { referenceMs: number; sweepMs: number; analysisMs: number };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

/** Which groups to stop now, from what every lane did so far (called after each advance). */
type StopRule = (results: LaneResult[][]) => number[];

async function runPhase(
  phase: TheoryProgress['phase'],
  factory: SessionFactory,
  options: TrainerOptions,
  groups: LaneGroup[],
  run: RunOptions,
  stopRule: StopRule | null,
): Promise<LaneResult[][]> {
  const session = await factory(options, groups);
  try {
    const layout = planTrainer(options, groups);
    const maxSamples = Math.max(...groups.flatMap((g) => g.lanes.map((l) => l.maxSteps * l.batchSize)));
    const maxBlocks = Math.ceil(maxSamples / options.blockSamples);
    let running = groups.map(() => true);
    let samples = 0;
    while (running.some(Boolean)) {
      if (run.signal?.aborted) throw new DOMException('the theory experiment was stopped', 'AbortError');
      const active = running.filter(Boolean).length;
      const blocks = blocksPerDispatch(layout, active, maxBlocks, run.workPerDispatch);
      await session.advance(blocks * options.blockSamples);
      samples += blocks * options.blockSamples;
      running = await session.running();
      if (stopRule) {
        const stops = stopRule(await session.results()).filter((g) => running[g]);
        if (stops.length > 0) {
          await session.stop(stops);
          running = await session.running();
        }
      }
      run.onProgress?.({ phase, samples, groupsRunning: running.filter(Boolean).length, groups: groups.length });
    }
    return await session.results();
  } finally {
    session.dispose();
  }
}

/**
 * The risk curve of one (batch size, learning rate) averaged over seeds: the expected excess risk
 * the theory speaks of, estimated. A single run's excess risk is carried by the few directions it
 * has resolved and fluctuates by tens of percent from seed to seed, so R(B) is read from the mean.
 * Evaluations run to the shortest seed's; a mean with a non-finite member (a diverged seed) is NaN.
 */
export interface MeanCurve {
  batchSize: number;
  lr: number;
  evalSteps: number[];
  /** averageRisk[k][j], mean over seeds. */
  averageRisk: number[][];
}

function meanCurve(batchSize: number, lr: number, lanes: LaneResult[]): MeanCurve {
  const length = Math.min(...lanes.map((l) => l.evalSteps.length));
  const k = lanes[0].averageRisk.length;
  const averageRisk = Array.from({ length: k }, (_, a) =>
    Array.from({ length }, (__, j) => lanes.reduce((sum, l) => sum + l.averageRisk[a][j], 0) / lanes.length).map((v) => (Number.isFinite(v) ? v : Number.NaN)),
  );
  return { batchSize, lr, evalSteps: lanes[0].evalSteps.slice(0, length), averageRisk };
}

/** Mean curves of every (batch size, learning rate) in `groups`, whose results are `results`. */
function meanCurves(groups: LaneGroup[], results: LaneResult[][]): MeanCurve[] {
  const byKey = new Map<string, { batchSize: number; lr: number; lanes: LaneResult[] }>();
  groups.forEach((group, g) =>
    group.lanes.forEach((lane, l) => {
      const key = `${lane.batchSize}|${lane.lr}`;
      const entry = byKey.get(key) ?? { batchSize: lane.batchSize, lr: lane.lr, lanes: [] };
      entry.lanes.push(results[g][l]);
      byKey.set(key, entry);
    }),
  );
  return [...byKey.values()].map((e) => meanCurve(e.batchSize, e.lr, e.lanes));
}

/** Steps to target of a mean curve: the first crossing over its averages (each average counts as one of the sweep's runs, as EWA decays do in the language-model sweeps). */
function curveSteps(curve: MeanCurve, target: number, interpolate: boolean): number | null {
  let best: number | null = null;
  for (const series of curve.averageRisk) {
    const evals = curve.evalSteps.map((step, j) => ({ step, tokens: step * curve.batchSize, ewaLoss: series[j], rawLoss: Number.NaN }));
    const crossing = stepsToTarget(evals, target, interpolate);
    if (crossing.reached && (best === null || crossing.steps < best)) best = crossing.steps;
  }
  return best;
}

/**
 * The smallest of the best learning rates of one batch size's curves over the targets (the
 * learning rate whose curve reaches each target first), or null when none reaches any.
 */
function bestLearningRateFloor(curves: MeanCurve[], targets: number[], interpolate: boolean): number | null {
  let floor: number | null = null;
  for (const target of targets) {
    let best: { steps: number; lr: number } | null = null;
    for (const c of curves) {
      const steps = curveSteps(c, target, interpolate);
      if (steps !== null && (best === null || steps < best.steps)) best = { steps, lr: c.lr };
    }
    if (best !== null && (floor === null || best.lr < floor)) floor = best.lr;
  }
  return floor;
}

/** The lowest mean risk at step `step` over the curves, or null when none got there without diverging. */
function bestAt(curves: MeanCurve[], step: number): number | null {
  let best: number | null = null;
  for (const curve of curves) {
    const j = curve.evalSteps.indexOf(step);
    if (j < 0) continue;
    for (const series of curve.averageRisk) if (Number.isFinite(series[j]) && (best === null || series[j] < best)) best = series[j];
  }
  return best;
}

function toRun(seed: number, lane: { batchSize: number; lr: number }, r: LaneResult): TheoryRun {
  return {
    seed,
    batchSize: lane.batchSize,
    lr: lane.lr,
    status: r.status,
    steps: r.steps,
    evalSteps: r.evalSteps,
    averageRisk: r.averageRisk.map((series) => series.map(finiteOrNull)),
    lastRisk: r.lastRisk.map(finiteOrNull),
  };
}

export function trainerOptionsFor(config: TheoryConfig, problem: TheoryProblem = problemOf(config)): TrainerOptions {
  const dMax = Math.max(...config.budgets);
  const extra = [...config.budgets.map((d) => d / config.referenceBatch), ...config.batchSizes.map((b) => maxStepsFor(config, b))];
  const maxStep = Math.max(dMax / config.referenceBatch, ...config.batchSizes.map((b) => maxStepsFor(config, b)));
  return { problem, averaging: config.averaging, evalSteps: evalSchedule(maxStep, config.evalsPerOctave, extra), blockSamples: blockSamplesFor(config.dim) };
}

export function problemOf(config: TheoryConfig): TheoryProblem {
  return makeProblem({ a: config.a, b: config.b, dim: config.dim, noiseVariance: config.noiseVariance });
}

/** A sweep run at batch size B stops after sampleCap × D_max samples (the reference runs after D_max). */
export function maxStepsFor(config: TheoryConfig, batchSize: number): number {
  const dMax = Math.max(...config.budgets);
  return batchSize === config.referenceBatch ? dMax / config.referenceBatch : Math.ceil((config.sampleCap * dMax) / batchSize);
}

export async function runTheoryExperiment(config: TheoryConfig, factory: SessionFactory, run: RunOptions = {}, validation: ValidationOptions = {}): Promise<TheoryResults> {
  const issues = validateTheoryConfig(config, validation);
  if (issues.length > 0) throw new RangeError(`invalid theory config:\n${describeIssues(issues)}`);
  const problem = problemOf(config);
  const options = trainerOptionsFor(config, problem);
  const budgets = [...config.budgets].sort((p, q) => p - q);
  const notes: string[] = [];
  const { analysis } = config;
  const lanesAt = (batchSize: number) => config.learningRates.map((lr) => ({ batchSize, lr, maxSteps: maxStepsFor(config, batchSize) }));

  // 1. Reference runs: the target of budget D is the best seed-mean risk after D samples.
  const t0 = now();
  const referenceGroups: LaneGroup[] = config.seeds.map((seed) => ({ seed, lanes: lanesAt(config.referenceBatch) }));
  const referenceResults = await runPhase('reference', factory, options, referenceGroups, run, null);
  const curves = meanCurves(referenceGroups, referenceResults);
  const targets = budgets.map((d) => {
    const t = bestAt(curves, d / config.referenceBatch);
    if (t === null) throw new Error(`every reference run (batch ${config.referenceBatch}) diverged before ${d} samples: lower the learning rates`);
    return t;
  });
  const lowest = Math.min(...targets);

  // 2. The sweep: every other batch size, all seeds, until one of its mean curves reaches the
  // lowest target. With the monotone learning-rate search the batch sizes go one at a time,
  // upwards, each trying only the learning rates at or above the smallest best one of the batch
  // size before it (the best learning rate never falls as B grows; experiment.test.ts checks that
  // this search finds the grid's answer).
  const t1 = now();
  const sweepGroups: LaneGroup[] = [];
  const sweepResults: LaneResult[][] = [];
  const ascending = [...config.batchSizes].sort((p, q) => p - q);
  const phases = config.learningRateSearch === 'grid' ? [ascending.filter((b) => b !== config.referenceBatch)] : ascending.map((b) => [b]);
  let floor = 0;
  for (const phase of phases) {
    if (phase.length === 1 && phase[0] === config.referenceBatch) {
      floor = bestLearningRateFloor(curves, targets, analysis.interpolate) ?? floor;
      continue;
    }
    const groups: LaneGroup[] = [];
    for (const b of phase) for (const seed of config.seeds) groups.push({ seed, lanes: lanesAt(b).filter((lane) => lane.lr >= floor) });
    const groupsOfBatch = new Map<number, number[]>();
    groups.forEach((g, i) => groupsOfBatch.set(g.lanes[0].batchSize, [...(groupsOfBatch.get(g.lanes[0].batchSize) ?? []), i]));
    const stopRule: StopRule = (results) => {
      const stops: number[] = [];
      for (const indices of groupsOfBatch.values()) {
        const mean = meanCurves(indices.map((i) => groups[i]), indices.map((i) => results[i]));
        if (mean.some((c) => c.averageRisk.some((series) => series.some((r) => r <= lowest)))) stops.push(...indices);
      }
      return stops;
    };
    const results = await runPhase('sweep', factory, options, groups, run, stopRule);
    const phaseCurves = meanCurves(groups, results);
    curves.push(...phaseCurves);
    sweepGroups.push(...groups);
    sweepResults.push(...results);
    floor = bestLearningRateFloor(phaseCurves, targets, analysis.interpolate) ?? floor;
  }

  // 3. The language-model sweeps' analysis on the mean curves; then the exponent of B* in D.
  const t2 = now();
  const rows: TableRow[] = [];
  const rowCurves: MeanCurve[] = [];
  budgets.forEach((d, i) => {
    for (const c of curves) {
      rows.push({ batchSize: c.batchSize, steps: curveSteps(c, targets[i], analysis.interpolate), modelSize: config.dim, dataSize: d });
      rowCurves.push(c);
    }
  });
  const report = analyzeTable(rows, {
    analysis: { overhead: analysis.overhead, baselineBatch: analysis.baselineBatch, interpolate: analysis.interpolate },
    bootstrap: { method: 'points', level: analysis.level, resamples: analysis.bootstrapResamples, seed: 1, minDistinct: 3 },
  });
  const lrOf = (runId: string | null) => (runId === null ? null : rowCurves[Number(runId.replace('row-', '')) - 1].lr);
  const outcomes: BudgetOutcome[] = budgets.map((d, i) => {
    const group = report.groups.find((g) => g.dataSize === d);
    if (!group) throw new Error(`the analysis lost budget ${d}`);
    const bStar = group.cbs.bStar;
    if (group.cbs.extrapolated) notes.push(`D = ${d}: B* = ${bStar?.toPrecision(4)} lies beyond the largest batch size: add larger batch sizes`);
    if (group.fit.status !== 'ok') notes.push(`D = ${d}: fit ${group.fit.status}${group.fit.note ? ` (${group.fit.note})` : ''}`);
    const unreached = group.points.filter((p) => p.steps === null).map((p) => p.batchSize);
    if (unreached.length > 0) notes.push(`D = ${d}: no run reached the target at B = ${unreached.join(', ')}`);
    return {
      budget: d,
      target: targets[i],
      points: group.points.map((p) => ({ batchSize: p.batchSize, steps: p.steps, lr: lrOf(p.bestRunId) })),
      bStar,
      interval: group.interval.status === 'ok' ? [group.interval.lower, group.interval.upper] : null,
      excluded: bStar === null ? `no finite B* (${group.cbs.status}${group.cbs.note ? `: ${group.cbs.note}` : ''})` : null,
    };
  });
  const used = outcomes.filter((o): o is BudgetOutcome & { bStar: number } => o.bStar !== null && o.bStar > 0);
  const scaling = fitPowerLaw(
    used.map((o) => ({ x: o.budget, y: o.bStar })),
    analysis.level,
  );
  const localExponents: TheoryResults['localExponents'] = [];
  for (let i = 1; i < used.length; i++) {
    localExponents.push({ from: used[i - 1].budget, to: used[i].budget, exponent: Math.log(used[i].bStar / used[i - 1].bStar) / Math.log(used[i].budget / used[i - 1].budget) });
  }
  const runs: TheoryRun[] = [];
  const collect = (groups: LaneGroup[], results: LaneResult[][]) => groups.forEach((g, gi) => g.lanes.forEach((lane, l) => runs.push(toRun(g.seed, lane, results[gi][l]))));
  collect(referenceGroups, referenceResults);
  collect(sweepGroups, sweepResults);
  const diverged = runs.filter((r) => r.status === 'diverged').length;
  if (diverged > 0) notes.push(`${diverged} of ${runs.length} runs diverged (learning rate too large for their batch size): their mean curves never reach a target`);
  const t3 = now();
  return {
    version: THEORY_RESULTS_VERSION,
    kind: 'theory-results',
    config,
    predicted: predictedExponent(config.a, config.b),
    measured: scaling.e,
    interval: scaling.exponentInterval,
    scaling,
    localExponents,
    outcomes,
    report,
    curves: curves.map((c) => ({ ...c, averageRisk: c.averageRisk.map((series) => series.map(finiteOrNull)) })),
    runs: run.keepRuns === false ? [] : runs,
    notes,
    timing: { referenceMs: t1 - t0, sweepMs: t2 - t1, analysisMs: t3 - t2 },
  };
}

export interface ModelSizeSweep {
  kind: 'theory-model-sweep';
  /** The config at the largest M (validated as usual); each result is this config at one M. */
  config: TheoryConfig;
  dims: number[];
  results: TheoryResults[];
}

/**
 * B* against the model dimension M: the same experiment at each M of `dims`. The config must be
 * valid at the largest M; the smaller ones may resolve fewer directions than the data could, which
 * is the regime the sweep is there to show (B* grows with M, then saturates once M ≫ k(D)).
 */
export async function runModelSizeSweep(config: TheoryConfig, dims: number[], factory: SessionFactory, run: RunOptions = {}): Promise<ModelSizeSweep> {
  if (dims.length < 2 || dims.some((m) => !Number.isInteger(m) || m < 1)) throw new RangeError(`a model-size sweep needs at least 2 positive integer dimensions (got ${dims.join(', ')})`);
  const sorted = [...new Set(dims)].sort((p, q) => p - q);
  const largest = { ...config, dim: sorted[sorted.length - 1] };
  const issues = validateTheoryConfig(largest);
  if (issues.length > 0) throw new RangeError(`invalid theory config at M = ${largest.dim}:\n${describeIssues(issues)}`);
  const results: TheoryResults[] = [];
  for (const dim of sorted) results.push(await runTheoryExperiment({ ...config, dim }, factory, run, { checkModelSize: false }));
  return { kind: 'theory-model-sweep', config: largest, dims: sorted, results };
}
