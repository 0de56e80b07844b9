// A theory experiment from config to measured exponent, on any trainer (the GPU one, or the float64
// reference): the reference runs that set one target per budget, the sweep over batch sizes and
// learning rates, then the language-model sweeps' own analysis (src/cbs): steps to target, R(B),
// the paper's fit, B*, its bootstrap interval, and the power law of B* in D. No DOM, no Node: it
// runs in a Web Worker as well as in Node.
import { analyzeTable, type CbsReport, type TableRow } from '../cbs/report';
import { fitPowerLaw, type PowerLawFit } from '../cbs/scaling';
import { stepsToTarget } from '../cbs/steps-to-target';
import { describeIssues, validateTheoryConfig, type TheoryConfig } from './config';
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
  seed: number;
  budget: number;
  /** The target excess risk: the best final risk of the reference runs after `budget` samples. */
  target: number;
  /** R(B) per batch size and the learning rate that gave it (null where no run reached the target). */
  points: { batchSize: number; steps: number | null; lr: number | null }[];
  bStar: number | null;
  /** The power-law point was left out, and why (null when used). */
  excluded: string | null;
}

export interface TheoryResults {
  version: typeof THEORY_RESULTS_VERSION;
  kind: 'theory-results';
  config: TheoryConfig;
  /** 1 − a/min(b, 2a+1). */
  predicted: number;
  /** The fitted exponent of B* in D over every (seed, budget) point, and its t-interval at config.analysis.level. */
  measured: number | null;
  interval: [number, number] | null;
  scaling: PowerLawFit;
  /** Slopes of log B* (geometric mean over seeds) between consecutive budgets: where the power law bends. */
  localExponents: { from: number; to: number; exponent: number }[];
  outcomes: BudgetOutcome[];
  /** The src/cbs report of each seed (budgets as data sizes, M as the model size). */
  reports: { seed: number; report: CbsReport }[];
  runs: TheoryRun[];
  notes: string[];
  timing: { referenceMs: number; sweepMs: number; analysisMs: number };
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());
const finiteOrNull = (v: number) => (Number.isFinite(v) ? v : null);

async function runPhase(
  phase: TheoryProgress['phase'],
  factory: SessionFactory,
  options: TrainerOptions,
  groups: LaneGroup[],
  run: RunOptions,
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
      run.onProgress?.({ phase, samples, groupsRunning: running.filter(Boolean).length, groups: groups.length });
    }
    return await session.results();
  } finally {
    session.dispose();
  }
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

/** Steps to target of one run: the first crossing over its averages (each average is one of the sweep's runs, as EWA decays are in the language-model sweeps). */
function runSteps(run: TheoryRun, target: number, interpolate: boolean): number | null {
  let best: number | null = null;
  for (const series of run.averageRisk) {
    const evals = run.evalSteps.map((step, j) => ({ step, tokens: step * run.batchSize, ewaLoss: series[j] ?? Number.NaN, rawLoss: run.lastRisk[j] ?? Number.NaN }));
    const crossing = stepsToTarget(evals, target, interpolate);
    if (crossing.reached && (best === null || crossing.steps < best)) best = crossing.steps;
  }
  return best;
}

/** The best averaged risk of the reference runs at step `step`, or null when none got there without diverging. */
function targetAt(runs: TheoryRun[], step: number): number | null {
  let best: number | null = null;
  for (const run of runs) {
    const j = run.evalSteps.indexOf(step);
    if (j < 0) continue;
    for (const series of run.averageRisk) {
      const r = series[j];
      if (r !== null && (best === null || r < best)) best = r;
    }
  }
  return best;
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

export async function runTheoryExperiment(config: TheoryConfig, factory: SessionFactory, run: RunOptions = {}): Promise<TheoryResults> {
  const issues = validateTheoryConfig(config);
  if (issues.length > 0) throw new RangeError(`invalid theory config:\n${describeIssues(issues)}`);
  const problem = problemOf(config);
  const options = trainerOptionsFor(config, problem);
  const budgets = [...config.budgets].sort((p, q) => p - q);
  const notes: string[] = [];
  const lanesAt = (batchSize: number) => config.learningRates.map((lr) => ({ batchSize, lr, maxSteps: maxStepsFor(config, batchSize) }));

  // 1. Reference runs: the target of budget D is their best averaged risk after D samples.
  const t0 = now();
  const referenceGroups: LaneGroup[] = config.seeds.map((seed) => ({ seed, stopBelow: -1, lanes: lanesAt(config.referenceBatch) }));
  const referenceResults = await runPhase('reference', factory, options, referenceGroups, run);
  const runs: TheoryRun[] = referenceGroups.flatMap((g, gi) => g.lanes.map((lane, l) => toRun(g.seed, lane, referenceResults[gi][l])));
  const targets = new Map<number, Map<number, number>>();
  for (const seed of config.seeds) {
    const perBudget = new Map<number, number>();
    for (const d of budgets) {
      const t = targetAt(runs.filter((r) => r.seed === seed), d / config.referenceBatch);
      if (t === null) throw new Error(`seed ${seed}: every reference run (batch ${config.referenceBatch}) diverged before ${d} samples: lower the learning rates`);
      perBudget.set(d, t);
    }
    targets.set(seed, perBudget);
  }

  // 2. The sweep: every other batch size, each group stopping at the seed's lowest target.
  const t1 = now();
  const sweepGroups: LaneGroup[] = [];
  for (const seed of config.seeds) {
    const lowest = Math.min(...(targets.get(seed) as Map<number, number>).values());
    for (const b of config.batchSizes) if (b !== config.referenceBatch) sweepGroups.push({ seed, stopBelow: lowest, lanes: lanesAt(b) });
  }
  const sweepResults = await runPhase('sweep', factory, options, sweepGroups, run);
  sweepGroups.forEach((g, gi) => g.lanes.forEach((lane, l) => runs.push(toRun(g.seed, lane, sweepResults[gi][l]))));

  // 3. The language-model sweeps' analysis, per seed; then the exponent over every seed's B*.
  const t2 = now();
  const { analysis } = config;
  const outcomes: BudgetOutcome[] = [];
  const reports: TheoryResults['reports'] = [];
  for (const seed of config.seeds) {
    const seedRuns = runs.filter((r) => r.seed === seed);
    const rows: TableRow[] = [];
    const rowRuns: TheoryRun[] = [];
    for (const d of budgets) {
      const target = (targets.get(seed) as Map<number, number>).get(d) as number;
      for (const r of seedRuns) {
        rows.push({ batchSize: r.batchSize, steps: runSteps(r, target, analysis.interpolate), modelSize: config.dim, dataSize: d });
        rowRuns.push(r);
      }
    }
    const report = analyzeTable(rows, {
      analysis: { overhead: analysis.overhead, baselineBatch: analysis.baselineBatch, interpolate: analysis.interpolate },
      bootstrap: { method: 'points', level: analysis.level, resamples: analysis.bootstrapResamples, seed: seed + 1, minDistinct: 3 },
    });
    reports.push({ seed, report });
    for (const d of budgets) {
      const group = report.groups.find((g) => g.dataSize === d);
      if (!group) continue;
      const lrOf = (runId: string | null) => (runId === null ? null : rowRuns[Number(runId.replace('row-', '')) - 1].lr);
      const bStar = group.cbs.bStar;
      outcomes.push({
        seed,
        budget: d,
        target: (targets.get(seed) as Map<number, number>).get(d) as number,
        points: group.points.map((p) => ({ batchSize: p.batchSize, steps: p.steps, lr: lrOf(p.bestRunId) })),
        bStar,
        excluded: bStar === null ? `no finite B* (${group.cbs.status}${group.cbs.note ? `: ${group.cbs.note}` : ''})` : null,
      });
      if (group.cbs.extrapolated) notes.push(`seed ${seed}, D = ${d}: B* = ${group.cbs.bStar?.toPrecision(4)} lies beyond the largest batch size: add larger batch sizes`);
      if (group.fit.status !== 'ok') notes.push(`seed ${seed}, D = ${d}: fit ${group.fit.status}${group.fit.note ? ` (${group.fit.note})` : ''}`);
      const unreachedBatches = group.points.filter((p) => p.steps === null).map((p) => p.batchSize);
      if (unreachedBatches.length > 0) notes.push(`seed ${seed}, D = ${d}: no run reached the target at B = ${unreachedBatches.join(', ')}`);
    }
  }
  const used = outcomes.filter((o): o is BudgetOutcome & { bStar: number } => o.bStar !== null && o.bStar > 0);
  const scaling = fitPowerLaw(
    used.map((o) => ({ x: o.budget, y: o.bStar, label: `seed ${o.seed}` })),
    analysis.level,
  );
  const localExponents: TheoryResults['localExponents'] = [];
  const meanLog = (d: number) => {
    const ys = used.filter((o) => o.budget === d).map((o) => Math.log(o.bStar));
    return ys.length === 0 ? null : ys.reduce((s, y) => s + y, 0) / ys.length;
  };
  for (let i = 1; i < budgets.length; i++) {
    const y0 = meanLog(budgets[i - 1]);
    const y1 = meanLog(budgets[i]);
    if (y0 !== null && y1 !== null) localExponents.push({ from: budgets[i - 1], to: budgets[i], exponent: (y1 - y0) / Math.log(budgets[i] / budgets[i - 1]) });
  }
  const divergedLanes = runs.filter((r) => r.status === 'diverged').length;
  if (divergedLanes > 0) notes.push(`${divergedLanes} of ${runs.length} runs diverged (learning rate too large for their batch size); they count as never reaching the target`);
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
    reports,
    runs,
    notes,
    timing: { referenceMs: t1 - t0, sweepMs: t2 - t1, analysisMs: t3 - t2 },
  };
}
