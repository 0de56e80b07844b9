// A theory experiment from config to measured exponent, on any trainer (the GPU one, the float64
// reference, or the exact expected risk): the reference runs that set one target per budget, the
// sweep over batch sizes and learning rates, then the language-model sweeps' own analysis
// (src/cbs): steps to target, R(B), the paper's fit, B*, its bootstrap interval, and the power law
// of B* in D. By default (analysis.seeds: mean-risk) the seeds' risk curves are averaged first,
// since the theory is about the expected risk; with replicates each seed is analysed on its own
// and R(B) fit over every seed's points, as the language-model sweeps do. No DOM, no Node: it runs
// in a Web Worker as well as in Node.
import { analyzeTable, type CbsReport, type TableRow } from '../cbs/report';
import { fitPowerLaw, type PowerLawFit } from '../cbs/scaling';
import { stepsToTarget } from '../cbs/steps-to-target';
import { describeIssues, validateTheoryConfig, type TheoryConfig, type ValidationOptions } from './config';
import { evalSchedule, type LaneGroup, type LaneResult, type LaneStatus, type TrainerOptions, type TrainerSession } from './lanes';
import { makeProblem, predictedExponent, stepSizeBound, type TheoryProblem } from './problem';
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
  /** The target excess risk after `budget` samples: the best seed-mean reference risk (mean-risk), or each seed's best, averaged over the seeds (replicates). */
  target: number;
  /**
   * R(B) per batch size: that of the seed-mean curves (mean-risk) or the geometric mean over seeds
   * (replicates; null unless every seed reached the target), and each seed's own R(B) with the
   * learning rate that gave it (with mean-risk against the seed's own best reference risk).
   */
  points: { batchSize: number; steps: number | null; seeds: { seed: number; steps: number | null; censoredAbove: number | null; lr: number | null }[] }[];
  bStar: number | null;
  /** The bootstrap interval of B*, when there is one. */
  interval: [number | null, number | null] | null;
  /**
   * The fit-free B*: where the measured R(B) (seed-mean, or pooled replicates) crosses 1.2×
   * linear scaling from the baseline, interpolated between the batch sizes either side (src/cbs
   * rawCbs); null when no measured batch size lies beyond the line.
   */
  crossing: number | null;
  /** B* of each seed's points alone: the seed-to-seed spread. */
  seedBStars: { seed: number; bStar: number | null }[];
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
  /**
   * The same power law for the fit-free crossing (BudgetOutcome.crossing): it reads the 20% rule
   * off the measured R(B) instead of off the paper's fitted curve R = α + β/B, whose shape the
   * least-squares R(B) need not have (docs/science.md).
   */
  crossing: { measured: number | null; interval: [number, number] | null; scaling: PowerLawFit; localExponents: { from: number; to: number; exponent: number }[] };
  outcomes: BudgetOutcome[];
  /** The src/cbs report (budgets as data sizes, M as the model size, seeds as replicates). */
  report: CbsReport;
  /** Every lane of every seed, with its risk curves (empty with keepRuns: false). */
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

/** A lane's evaluations as the language-model analysis reads them: average k's risk as the EWA loss. */
function evalsOf(result: LaneResult, batchSize: number, k: number) {
  return result.evalSteps.map((step, j) => {
    const risk = result.averageRisk[k][j];
    return { step, tokens: step * batchSize, validationTokens: 0, ewaLoss: risk, ewaLosses: [risk], rawLoss: result.lastRisk[j] };
  });
}

/** Steps to target of one lane: the first crossing over its averages (each average counts as one of the sweep's runs, as EWA decays do in the language-model sweeps). */
function laneSteps(result: LaneResult, batchSize: number, target: number, interpolate: boolean): number | null {
  let best: number | null = null;
  for (let k = 0; k < result.averageRisk.length; k++) {
    const crossing = stepsToTarget(evalsOf(result, batchSize, k), target, interpolate);
    if (crossing.reached && (best === null || crossing.steps < best)) best = crossing.steps;
  }
  return best;
}

/** A lane's lowest averaged risk at step `step`, or null when it did not get there with a finite risk. */
function laneRiskAt(result: LaneResult, step: number): number | null {
  const j = result.evalSteps.indexOf(step);
  if (j < 0) return null;
  const finite = result.averageRisk.map((series) => series[j]).filter(Number.isFinite);
  return finite.length > 0 ? Math.min(...finite) : null;
}

/** Whether any average of the lane has come to or below `target`. */
function reached(result: LaneResult, target: number): boolean {
  return result.averageRisk.some((series) => series.some((r) => r <= target));
}

/**
 * The smallest best learning rate of one batch size, over seeds and targets (per seed and target,
 * the learning rate whose lane reaches the target first), or null when no lane reaches any.
 */
function bestLearningRateFloor(groups: LaneGroup[], results: LaneResult[][], targets: number[], interpolate: boolean): number | null {
  let floor: number | null = null;
  groups.forEach((group, g) => {
    for (const target of targets) {
      let best: { steps: number; lr: number } | null = null;
      group.lanes.forEach((lane, l) => {
        const steps = laneSteps(results[g][l], lane.batchSize, target, interpolate);
        if (steps !== null && (best === null || steps < best.steps)) best = { steps, lr: lane.lr };
      });
      const found = best as { steps: number; lr: number } | null;
      if (found !== null && (floor === null || found.lr < floor)) floor = found.lr;
    }
  });
  return floor;
}

/**
 * The seed-mean of one lane (one batch size and learning rate) over its seeds: each average's and
 * the last iterate's risk averaged over the evaluations every seed has made (the seeds advance in
 * lockstep, so that is all of them until one stops); a risk that is not finite in any seed makes
 * the mean's not finite. Capped when every seed ran to its cap.
 */
export function seedMeanLane(lanes: readonly LaneResult[]): LaneResult {
  const count = Math.min(...lanes.map((r) => r.evalSteps.length));
  const mean = (series: (r: LaneResult) => number[]) =>
    Array.from({ length: count }, (_, j) => lanes.reduce((sum, r) => sum + series(r)[j], 0) / lanes.length);
  const averages = lanes[0].averageRisk.map((_, k) => mean((r) => r.averageRisk[k]));
  const status: LaneStatus = lanes.every((r) => r.status === 'capped') ? 'capped' : lanes.some((r) => r.status === 'running') ? 'running' : lanes.every((r) => r.status === 'diverged') ? 'diverged' : 'stopped';
  return { status, steps: count > 0 ? lanes[0].evalSteps[count - 1] : 0, evalSteps: lanes[0].evalSteps.slice(0, count), averageRisk: averages, lastRisk: mean((r) => r.lastRisk) };
}

/** Lanes of groups that differ only in their seed (the same lanes, in the same order), averaged lane by lane. */
function seedMeanLanes(results: readonly LaneResult[][]): LaneResult[] {
  return results[0].map((_, l) => seedMeanLane(results.map((lanes) => lanes[l])));
}

/** Consecutive runs of `size` items: the groups of one batch size, one per seed. */
function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let first = 0; first < items.length; first += size) out.push(items.slice(first, first + size));
  return out;
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

/** The target of each budget (ascending): each group's best averaged reference risk after D samples (a group per seed, or one of seed-mean lanes), averaged over the groups. */
function targetsOf(config: TheoryConfig, budgets: readonly number[], referenceResults: readonly LaneResult[][]): number[] {
  return budgets.map((d) => {
    const bests = referenceResults
      .map((lanes) => lanes.map((r) => laneRiskAt(r, d / config.referenceBatch)).filter((r): r is number => r !== null))
      .filter((risks) => risks.length > 0)
      .map((risks) => Math.min(...risks));
    if (bests.length === 0) throw new Error(`every reference run (batch ${config.referenceBatch}) diverged before ${d} samples: lower the learning rates`);
    return bests.reduce((sum, r) => sum + r, 0) / bests.length;
  });
}

export async function runTheoryExperiment(config: TheoryConfig, factory: SessionFactory, run: RunOptions = {}, validation: ValidationOptions = {}): Promise<TheoryResults> {
  const issues = validateTheoryConfig(config, validation);
  if (issues.length > 0) throw new RangeError(`invalid theory config:\n${describeIssues(issues)}`);
  const problem = problemOf(config);
  const options = trainerOptionsFor(config, problem);
  const budgets = [...config.budgets].sort((p, q) => p - q);
  const { analysis } = config;
  const lanesAt = (batchSize: number) => config.learningRates.map((lr) => ({ batchSize, lr, maxSteps: maxStepsFor(config, batchSize) }));
  const groups: LaneGroup[] = [];
  const results: LaneResult[][] = [];

  // 1. Reference runs. The target of budget D: the best seed-mean risk after D samples, or with
  // replicates each seed's best, averaged over the seeds (src/experiment/results.ts,
  // targetFromReferences, does that for the language-model sweeps).
  const t0 = now();
  const referenceGroups: LaneGroup[] = config.seeds.map((seed) => ({ seed, lanes: lanesAt(config.referenceBatch) }));
  const referenceResults = await runPhase('reference', factory, options, referenceGroups, run, null);
  groups.push(...referenceGroups);
  results.push(...referenceResults);
  const meanRisk = analysis.seeds === 'mean-risk';
  const targets = targetsOf(config, budgets, meanRisk ? [seedMeanLanes(referenceResults)] : referenceResults);
  const lowest = Math.min(...targets);

  // 2. The sweep: every other batch size, each (batch size, seed) until one of its lanes reaches
  // the lowest target. With the monotone learning-rate search the batch sizes go one at a time,
  // upwards, each trying only the learning rates at or above the smallest best one of the batch
  // size before it (the best learning rate never falls as B grows; experiment.test.ts checks that
  // this search finds the grid's answer).
  const t1 = now();
  const ascending = [...config.batchSizes].sort((p, q) => p - q);
  const phases = config.learningRateSearch === 'grid' ? [ascending.filter((b) => b !== config.referenceBatch)] : ascending.map((b) => [b]);
  // Groups come per batch size, one per seed (below): with mean-risk analysis a batch size's groups
  // stop together, once the seed-mean curve of one of its lanes reaches the lowest target.
  const perSeed = config.seeds.length;
  const stopRule: StopRule = meanRisk
    ? (now) => chunks(now, perSeed).flatMap((block, c) => (seedMeanLanes(block).some((r) => reached(r, lowest)) ? block.map((_, s) => c * perSeed + s) : []))
    : (now) => now.flatMap((lanes, g) => (lanes.some((r) => reached(r, lowest)) ? [g] : []));
  // The monotone search's floor, from each seed's lanes or from their seed-mean.
  const floorOf = (phaseGroups: LaneGroup[], phaseResults: LaneResult[][]) =>
    meanRisk
      ? bestLearningRateFloor(chunks(phaseGroups, perSeed).map((block) => block[0]), chunks(phaseResults, perSeed).map(seedMeanLanes), targets, analysis.interpolate)
      : bestLearningRateFloor(phaseGroups, phaseResults, targets, analysis.interpolate);
  let floor = 0;
  for (const phase of phases) {
    if (phase.length === 1 && phase[0] === config.referenceBatch) {
      floor = floorOf(referenceGroups, referenceResults) ?? floor;
      continue;
    }
    const phaseGroups: LaneGroup[] = [];
    for (const b of phase) for (const seed of config.seeds) phaseGroups.push({ seed, lanes: lanesAt(b).filter((lane) => lane.lr >= floor) });
    const phaseResults = await runPhase('sweep', factory, options, phaseGroups, run, stopRule);
    groups.push(...phaseGroups);
    results.push(...phaseResults);
    floor = floorOf(phaseGroups, phaseResults) ?? floor;
  }

  // 3. The analysis, from the runs alone (what a saved results file holds).
  const t2 = now();
  const runs = groups.flatMap((g, gi) => g.lanes.map((lane, l) => toRun(g.seed, lane, results[gi][l])));
  const analyzed = analyzeTheoryRuns(config, runs);
  const t3 = now();
  return { ...analyzed, runs: run.keepRuns === false ? [] : runs, timing: { referenceMs: t1 - t0, sweepMs: t2 - t1, analysisMs: t3 - t2 } };
}

/** A saved run as the trainer returned it (risks that were not finite are NaN again). */
function laneResultOf(run: TheoryRun): LaneResult {
  const nan = (v: number | null) => v ?? Number.NaN;
  return { status: run.status, steps: run.steps, evalSteps: run.evalSteps, averageRisk: run.averageRisk.map((series) => series.map(nan)), lastRisk: run.lastRisk.map(nan) };
}

/**
 * One seed-mean lane per (batch size, learning rate) that every seed ran, in the order the runs
 * came (the reference runs first).
 */
function seedMeanRuns(runs: readonly TheoryRun[], lanes: readonly LaneResult[], seedCount: number): { batchSize: number; lr: number; lane: LaneResult }[] {
  const bySetting = new Map<string, { batchSize: number; lr: number; lanes: LaneResult[] }>();
  runs.forEach((run, i) => {
    const key = `${run.batchSize}|${run.lr}`;
    const entry = bySetting.get(key) ?? { batchSize: run.batchSize, lr: run.lr, lanes: [] };
    entry.lanes.push(lanes[i]);
    bySetting.set(key, entry);
  });
  return [...bySetting.values()].filter((e) => e.lanes.length === seedCount).map((e) => ({ batchSize: e.batchSize, lr: e.lr, lane: seedMeanLane(e.lanes) }));
}

/**
 * The language-model sweeps' analysis (src/cbs) of a theory experiment's runs, on the seeds'
 * mean risk or with seeds as replicates (config.analysis.seeds), then the exponent of B* in D. A
 * pure function of the config and the runs (in the order the experiment ran them: the reference
 * runs, the runs at batch size config.referenceBatch, first), so a results file can be analysed
 * again and must give the same numbers.
 */
export function analyzeTheoryRuns(config: TheoryConfig, runs: readonly TheoryRun[]): Omit<TheoryResults, 'runs' | 'timing'> {
  const budgets = [...config.budgets].sort((p, q) => p - q);
  const { analysis } = config;
  const notes: string[] = [];
  const lanes = runs.map(laneResultOf);
  const meanRisk = analysis.seeds === 'mean-risk';
  const meanRuns = meanRisk ? seedMeanRuns(runs, lanes, config.seeds.length) : [];
  const seedReferences = config.seeds.map((seed) => lanes.filter((_, i) => runs[i].seed === seed && runs[i].batchSize === config.referenceBatch));
  const targets = targetsOf(config, budgets, meanRisk ? [meanRuns.filter((m) => m.batchSize === config.referenceBatch).map((m) => m.lane)] : seedReferences);
  // A lane that ended without reaching the target, at its sample cap or stopped with its batch
  // size's group (with mean-risk, by the seed-mean), bounds R(B) from below: censored, not dropped.
  const rowOf = (lane: LaneResult, batchSize: number, replicate: number, d: number, target: number): TableRow => {
    const steps = laneSteps(lane, batchSize, target, analysis.interpolate);
    const ended = lane.status === 'capped' || lane.status === 'stopped';
    return { batchSize, steps, censoredAbove: steps === null && ended && lane.steps > 0 ? lane.steps : null, replicate, modelSize: config.dim, dataSize: d };
  };
  // Each seed alone: with replicates against the targets above (each seed's best, averaged), with
  // mean-risk, for the spread, against the seed's own best reference risk.
  const seedTargets = seedReferences.map((references) => (meanRisk ? targetsOf(config, budgets, [references]) : targets));
  const seedRows = budgets.flatMap((d, i) =>
    runs.map((run, r) => {
      const replicate = config.seeds.indexOf(run.seed);
      return rowOf(lanes[r], run.batchSize, replicate, d, seedTargets[replicate][i]);
    }),
  );
  const options = {
    analysis: { overhead: analysis.overhead, baselineBatch: analysis.baselineBatch, interpolate: analysis.interpolate },
    bootstrap: { method: null, level: analysis.level, resamples: analysis.bootstrapResamples, seed: 1 },
  };
  // Each seed on its own: the replicates' analysis, and with mean-risk the seed-to-seed spread.
  const seedReport = analyzeTable(seedRows, options);
  const report = meanRisk ? analyzeTable(budgets.flatMap((d, i) => meanRuns.map((m) => rowOf(m.lane, m.batchSize, 0, d, targets[i]))), options) : seedReport;
  // Row ids are "row-N", N counting from 1 over budgets × runs.
  const runOf = (runId: string | null) => (runId === null ? null : runs[(Number(runId.replace('row-', '')) - 1) % runs.length]);
  const outcomes: BudgetOutcome[] = budgets.map((d, i) => {
    const group = report.groups.find((g) => g.dataSize === d);
    const seedGroup = seedReport.groups.find((g) => g.dataSize === d);
    if (!group || !seedGroup) throw new Error(`the analysis lost budget ${d}`);
    const bStar = group.cbs.bStar;
    if (group.cbs.extrapolated) notes.push(`D = ${d}: B* = ${bStar?.toPrecision(4)} lies beyond the largest batch size: add larger batch sizes`);
    if (group.fit.status !== 'ok') notes.push(`D = ${d}: fit ${group.fit.status}${group.fit.note ? ` (${group.fit.note})` : ''}`);
    const missing = group.points.flatMap((p) => {
      const unreached = p.replicates.filter((r) => r.steps === null);
      if (unreached.length === 0) return [];
      const seeds = meanRisk ? 'the seed-mean' : unreached.length === p.replicates.length && p.replicates.length > 1 ? 'every seed' : `seed ${unreached.map((r) => config.seeds[r.replicate]).join(', ')}`;
      const uncensored = unreached.some((r) => r.censoredAbove === null) ? ', not censored: diverged' : '';
      return [`${p.batchSize} (${seeds}${uncensored})`];
    });
    // With mean-risk a batch size's runs stop once the seed-mean reaches the lowest target: a
    // seed not there yet by then has only a bound at this budget, and its own B* is not given.
    const truncated = new Set(
      meanRisk
        ? seedGroup.points.flatMap((p) => p.replicates.filter((r) => r.steps === null && p.runs.some((o) => o.replicate === r.replicate && runOf(o.runId)?.status === 'stopped')).map((r) => r.replicate))
        : [],
    );
    if (truncated.size > 0) notes.push(`D = ${d}: B* of seed ${[...truncated].sort((p, q) => p - q).map((r) => config.seeds[r]).join(', ')} alone is not given: the runs stopped once the seed-mean reached the target, before that seed did`);
    if (missing.length > 0) notes.push(`D = ${d}: no run reached the target at B = ${missing.join(', ')}; a run that ended there without reaching it counts in the fit as censored, R(B) > its steps`);
    return {
      budget: d,
      target: targets[i],
      points: seedGroup.points.map((p) => ({
        batchSize: p.batchSize,
        steps: meanRisk ? (group.points.find((q) => q.batchSize === p.batchSize)?.steps ?? null) : p.steps,
        seeds: p.replicates.map((r) => ({ seed: config.seeds[r.replicate], steps: r.steps, censoredAbove: r.censoredAbove, lr: runOf(r.bestRunId)?.lr ?? null })),
      })),
      bStar,
      interval: group.interval.status === 'ok' ? [group.interval.lower, group.interval.upper] : null,
      crossing: group.raw.crossing,
      seedBStars: seedGroup.replicateBStars.map((r) => ({ seed: config.seeds[r.replicate], bStar: truncated.has(r.replicate) ? null : r.bStar })),
      excluded: bStar === null ? `no finite B* (${group.cbs.status}${group.cbs.note ? `: ${group.cbs.note}` : ''})` : null,
    };
  });
  const { scaling, localExponents } = powerLawOverBudgets(outcomes.map((o) => ({ budget: o.budget, value: o.bStar })), analysis.level);
  const crossing = powerLawOverBudgets(outcomes.map((o) => ({ budget: o.budget, value: o.crossing })), analysis.level);
  const bound = stepSizeBound(problemOf(config));
  const above = config.learningRates.filter((rate) => rate > bound * (1 + 1e-12));
  if (above.length > 0) {
    notes.push(
      `learning rates ${above.map((r) => +r.toPrecision(3)).join(', ')} lie above 1/(2 tr H) = ${+bound.toPrecision(3)}, outside the step-size range of the analyses behind the law; on the saturated branch (b > 2a + 1) they bend the measured exponent (docs/science.md)`,
    );
  }
  const diverged = runs.filter((r) => r.status === 'diverged').length;
  if (diverged > 0) notes.push(`${diverged} of ${runs.length} runs diverged (learning rate too large for their batch size): they never reach a target`);
  return {
    version: THEORY_RESULTS_VERSION,
    kind: 'theory-results',
    config,
    predicted: predictedExponent(config.a, config.b),
    measured: scaling.e,
    interval: scaling.exponentInterval,
    scaling,
    localExponents,
    crossing: { measured: crossing.scaling.e, interval: crossing.scaling.exponentInterval, scaling: crossing.scaling, localExponents: crossing.localExponents },
    outcomes,
    report,
    notes,
  };
}

/** The power law of a per-budget value (B* or the crossing) in D, over the budgets that have one, and its slopes between neighbours. */
function powerLawOverBudgets(values: { budget: number; value: number | null }[], level: number): { scaling: PowerLawFit; localExponents: TheoryResults['localExponents'] } {
  const used = values.filter((v): v is { budget: number; value: number } => v.value !== null && v.value > 0);
  const localExponents = used.slice(1).map((v, i) => ({ from: used[i].budget, to: v.budget, exponent: Math.log(v.value / used[i].value) / Math.log(v.budget / used[i].budget) }));
  return { scaling: fitPowerLaw(used.map((v) => ({ x: v.budget, y: v.value })), level), localExponents };
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
