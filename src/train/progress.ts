// An experiment's time, predicted in seconds of cost: the estimate before Start, and the progress
// and ETA while it runs. Pure: the run store feeds it the plan, the finished records, the runs in
// flight and the calibrated cost model; the page and the headless runner show what it returns.
//
// Each run's work is predicted, then priced with the cost model (src/train/cost-model.ts):
// - Steps. A reference run trains exactly its budget. A sweep run stops at the target, at the
//   economy bounds of src/train/sweep.ts (another run at its batch size reached the target in
//   fewer steps; censorFactor × linear scaling from the smallest batch size), or at its cap. Its
//   steps to target R(B) follow a prior until runs finish: linear scaling from the budget,
//   D / (B·T) (× REFERENCE_OVERSHOOT), up to the reference batch size, and 1/√B beyond it (half
//   way, in log terms, between perfect scaling and none). Finished runs replace the prior at their
//   batch size and rescale it at the others (the measured/prior ratio interpolated in log B
//   between measured batch sizes, held beyond them; where a measurement has none yet, pooled over
//   the others and borrowed half way, BORROWED_RATIO_WEIGHT). Every learning rate of a cell costs
//   the cell's R(B): the first to reach the target stops the others there.
// - Local CBS (docs/local-cbs.md). A base run trains its budget, as a reference does, and keeps a
//   checkpoint at each branch point. A branch trains its own steps only, from its base run's
//   checkpoint to its token budget Δ, and evaluates exactly at its fixed points (raw weights and
//   the best EWA decay, on the full set). The warmup comparison's two runs stop at the target (the
//   base runs' loss at D) after D tokens (× REFERENCE_OVERSHOOT), as a sweep run at the
//   reference batch size would, read at their batch or their schedule's; until the branches have
//   measured the schedule they are priced as two constant-batch runs (pendingComparisonRuns).
// - Evaluations. The evaluation schedule and plan of src/train/eval-schedule.ts are replayed over
//   the predicted steps, near the target from a fraction of R(B) on (NEAR_ONSET_PRIOR until
//   finished runs measure it): far from it every EWA decay and the raw weights on the probe, and
//   the full-set anchor (the best decay) once the probe reads near; near it the best decay on the
//   full set; at the last step everything on the full set. Each pass costs its set's tokens in
//   whole evaluation chunks (src/train/eval-sets.ts).
// - Seconds: data + each step's seconds at its batch + passes × seconds per pass + checkpoints × seconds
//   per checkpoint, per run, and the setup for the first run of each model shape in each worker;
//   the time no run was busy (idle) per run so far is added to each run still to come; the sum is
//   shared among the workers.
import type { EvalPoint, ExperimentConfig, RunRecord, RunSpec, RunTiming } from '../experiment/schema';
import { budgetSteps, measurementKey, modelShapeKey, planWarmupComparison } from '../experiment/plan';
import { stepsForTokens, tokensReadBy } from '../experiment/batch-schedule';
import { evaluationPlan, needsFullAnchor, nextEvaluationStep, type EvalContext } from './eval-schedule';
import { checkpointsIn, evalChunkOf, evalPassesSeconds, evalSetSequences, recordedEvalWork, refineCost, shapeCostFor, startStep, type CostModel, type MeasuredRun, type PassCount, type ShapeCost } from './cost-model';
import { BRANCH_EVALUATION } from './run';

/**
 * A measurement with no finished sweep run of its own borrows the measured/prior ratios of the
 * others only half way, in log terms (ratio^0.5). The ratio is not the same across data sizes: it
 * follows B*, which grows with D, and the prior does not. Borrowed whole, the smaller budget's
 * ratios made the demo's ETA at 25% progress 24–33% short; half way, 6–11% (the demo's recorded
 * runs replayed, docs/time.md).
 */
export const BORROWED_RATIO_WEIGHT = 0.5;

/** Steps to target fall as B^-1/2 beyond the reference batch size, before any run measures them. */
export const LARGE_BATCH_EXPONENT = 0.5;
/**
 * Before any run measures it, a sweep run needs the budget's steps at the reference batch size
 * (this factor × D / (B·T)): the target is the references' final loss after exactly the budget
 * (each replicate's best reference learning rate, averaged over replicates), and a sweep run with
 * other seeds reaches it about there. Measured under protocol v2: 1.04 on average (0.74–1.28) over
 * 18 cells of the demo, demo-lr-grid and cbs-vs-model at three seeds (docs/time.md). It was 1.25,
 * from 1.19 and 1.30 on tools/bench/sweep-tiny.json before protocol v2, with one reference
 * learning rate; replayed over those recorded experiments, 1.25 put the estimate before Start 8–53%
 * long with the runs' own measured costs, 1 puts it 3–26% long (the rest: linear scaling below
 * the reference batch, which lies above CBS in these sweeps, so small batches need fewer tokens).
 */
export const REFERENCE_OVERSHOOT = 1;
/** Before any run reaches the target: the EWA loss comes within the near margin at half of R(B). */
export const NEAR_ONSET_PRIOR = 0.5;

/** A run in flight, as the page knows it. */
export interface LiveRun {
  spec: RunSpec;
  stepsDone: number;
  evals: readonly EvalPoint[];
  /** Seconds since a worker took it (its data preparation and setup included). */
  elapsedSeconds: number;
  /** Its timing as of its last step; null before the first. */
  timing: RunTiming | null;
}

export interface ForecastInput {
  config: ExperimentConfig;
  /** Every run of the experiment, in queue order. */
  plan: readonly RunSpec[];
  /** The calibrated cost model; null when the adapter was not measured. */
  prior: CostModel | null;
  finished: readonly RunRecord[];
  live: readonly LiveRun[];
  /** Seconds since the experiment started (0 before Start). */
  elapsedSeconds: number;
}

/** Predicted seconds of the work of the whole experiment, split by kind. */
export interface CostSplit {
  trainSeconds: number;
  evalSeconds: number;
  checkpointSeconds: number;
  dataSeconds: number;
  setupSeconds: number;
}

export interface RunForecast {
  /** Steps the run is predicted to end at. */
  steps: number;
  /** Evaluation passes, over the probe and the full set, in all (an anchor's probe passes included). */
  evalPasses: number;
  /** Predicted seconds of the whole run. */
  seconds: number;
  /** Seconds left: 0 for a finished run. */
  remainingSeconds: number;
}

export interface ExperimentForecast {
  elapsedSeconds: number;
  /** Seconds left, shared among the workers; null without a cost model. */
  remainingSeconds: number | null;
  /** elapsed + remaining. */
  totalSeconds: number | null;
  /** Progress in cost: elapsed over elapsed + remaining (null without a cost model). */
  fraction: number | null;
  /** The predicted work of every run (finished ones as measured), split by kind: before Start, the estimate's split. */
  split: CostSplit | null;
  runs: Record<string, RunForecast>;
  runsDone: number;
  runCount: number;
  /** Training tokens done, and their wall-clock rate over the experiment so far (evaluation and all included). */
  tokensDone: number;
  tokensPerSecond: number | null;
  /** The cost model the forecast used: the prior refitted from the runs measured so far. */
  cost: CostModel | null;
}

const DONE = new Set(['reached-target', 'finished', 'censored', 'diverged', 'stopped', 'failed']);

type Cell = { best: number | null; lowerBound: number };

function cellKey(spec: RunSpec, batchSize = spec.batchSize): string {
  return `${measurementKey(spec.model, spec.dataSize)}|r${spec.replicate}|B${batchSize}`;
}

function referenceBatch(config: ExperimentConfig): number {
  return config.target.kind === 'reference' ? config.target.batchSize : Math.min(...config.batchSizes);
}

/** The prior R(B): linear scaling from the budget (× REFERENCE_OVERSHOOT) up to the reference batch size, B^-1/2 beyond. */
export function priorStepsToTarget(config: ExperimentConfig, spec: RunSpec): number {
  const ref = referenceBatch(config);
  return REFERENCE_OVERSHOOT * budgetSteps(spec.dataSize, spec.batchSize, spec.model.context) * Math.max(1, spec.batchSize / ref) ** LARGE_BATCH_EXPONENT;
}

/** Geometric mean. */
function geomean(xs: readonly number[]): number {
  return Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
}

/** The ratio at B, interpolated in log B between the measured batch sizes and held beyond them. */
function interpolateRatio(points: ReadonlyMap<number, number>, batchSize: number): number | null {
  const bs = [...points.keys()].sort((a, b) => a - b);
  if (bs.length === 0) return null;
  if (batchSize <= bs[0]) return points.get(bs[0])!;
  if (batchSize >= bs.at(-1)!) return points.get(bs.at(-1)!)!;
  const hi = bs.findIndex((b) => b >= batchSize);
  const [b0, b1] = [bs[hi - 1], bs[hi]];
  const t = Math.log(batchSize / b0) / Math.log(b1 / b0);
  return Math.exp((1 - t) * Math.log(points.get(b0)!) + t * Math.log(points.get(b1)!));
}

/** What finished sweep runs say about R(B): each cell's best steps to target, or a lower bound when none reached it. */
function measuredCells(finished: readonly RunRecord[]): Map<string, Cell> {
  const cells = new Map<string, Cell>();
  for (const r of finished) {
    if (r.spec.role !== 'sweep' || r.status === 'failed') continue;
    const key = cellKey(r.spec);
    const cell = cells.get(key) ?? { best: null, lowerBound: 0 };
    if (r.stepsToTarget !== null) cell.best = cell.best === null ? r.stepsToTarget : Math.min(cell.best, r.stepsToTarget);
    else cell.lowerBound = Math.max(cell.lowerBound, r.stepsDone);
    cells.set(key, cell);
  }
  return cells;
}

/** The fraction of R(B) at which the EWA loss came within the near margin, from runs that reached the target. */
export function nearOnsetFraction(finished: readonly RunRecord[]): number {
  const fractions: number[] = [];
  for (const r of finished) {
    const target = r.spec.targetLoss;
    if (r.spec.role !== 'sweep' || target === null || r.stepsToTarget === null || r.stepsToTarget <= 0) continue;
    const onset = r.evals.find((e) => e.ewaLoss <= target * (1 + r.spec.evaluation.nearMargin));
    if (onset) fractions.push(Math.max(onset.step, 1) / r.stepsToTarget);
  }
  return fractions.length > 0 ? Math.min(1, geomean(fractions)) : NEAR_ONSET_PRIOR;
}

/** R(B) for every cell of the plan: measured where a run reached the target, else the prior rescaled by what was measured. */
export function predictStepsToTarget(config: ExperimentConfig, plan: readonly RunSpec[], finished: readonly RunRecord[]): Map<string, number> {
  const cells = measuredCells(finished);
  const sample = new Map<string, RunSpec>();
  for (const spec of plan) if (spec.role === 'sweep' && !sample.has(cellKey(spec))) sample.set(cellKey(spec), spec);
  // Measured over prior, per measurement and batch size (geometric mean over replicates).
  const ratios = new Map<string, Map<number, number[]>>();
  for (const [key, cell] of cells) {
    const spec = sample.get(key);
    const steps = cell.best ?? cell.lowerBound;
    if (!spec || !(steps > 0)) continue;
    const group = measurementKey(spec.model, spec.dataSize);
    const byB = ratios.get(group) ?? new Map<number, number[]>();
    byB.set(spec.batchSize, [...(byB.get(spec.batchSize) ?? []), steps / priorStepsToTarget(config, spec)]);
    ratios.set(group, byB);
  }
  const reduce = (byB: Map<number, number[]>) => new Map([...byB].map(([b, xs]) => [b, geomean(xs)] as const));
  const pooled = new Map<number, number[]>();
  for (const byB of ratios.values()) for (const [b, xs] of byB) pooled.set(b, [...(pooled.get(b) ?? []), ...xs]);
  const pooledRatio = reduce(pooled);
  const out = new Map<string, number>();
  for (const [key, spec] of sample) {
    const best = cells.get(key)?.best ?? null;
    if (best !== null) {
      out.set(key, best);
      continue;
    }
    const own = ratios.get(measurementKey(spec.model, spec.dataSize));
    const borrowed = interpolateRatio(pooledRatio, spec.batchSize);
    const ratio = (own ? interpolateRatio(reduce(own), spec.batchSize) : null) ?? (borrowed === null ? 1 : borrowed ** BORROWED_RATIO_WEIGHT);
    out.set(key, Math.max(1, priorStepsToTarget(config, spec) * ratio));
  }
  return out;
}

interface ReplayStart {
  step: number;
  near: boolean;
}

/**
 * Replays a run's evaluation schedule and plan from `start` (null: the run's beginning) to the
 * step it is predicted to end at: the first full-set evaluation at or past `targetStep` (when it
 * stops at the target: only the full set decides a crossing), else `lastStep`. Near the target
 * from step `nearFrom` on (null: never, as for a reference run). Passes are counted by set.
 */
export function replayEvaluations(
  spec: RunSpec,
  start: ReplayStart | null,
  lastStep: number,
  targetStep: number | null,
  nearFrom: number | null,
): { steps: number; evaluations: number; passes: PassCount } {
  // The plan only asks whether a reading is near the target: a virtual target of 1 and losses of
  // 1 (near) or 2 (far) answer that with the real code.
  const ctx = (last: ReplayStart | null): EvalContext => ({
    maxSteps: spec.maxSteps,
    targetLoss: nearFrom === null ? null : 1,
    last: last === null ? null : { step: last.step, ewaLoss: last.near ? 1 : 2 },
  });
  const sets = evalSetSequences(spec);
  const realProbe = sets.probe < sets.full;
  let last = start;
  let evaluations = 0;
  const passes: PassCount = { probe: 0, full: 0 };
  for (;;) {
    const context = ctx(last);
    const step = nextEvaluationStep(spec.evaluation, context);
    if (step > lastStep || (last !== null && step <= last.step)) return { steps: lastStep, evaluations, passes };
    const plan = evaluationPlan(spec.evaluation, context, step);
    const readsNear = nearFrom !== null && step >= nearFrom;
    const count = (plan.decays === 'every' ? spec.ewaDecays.length : 1) + (plan.raw ? 1 : 0);
    let full = plan.set === 'full' || !realProbe;
    if (full) passes.full += count;
    else {
      passes.probe += count;
      if (needsFullAnchor(spec.evaluation, context, step, readsNear ? 1 : 2)) {
        passes.full += 1;
        full = true;
      }
    }
    evaluations++;
    last = { step, near: last?.near === true || readsNear };
    if ((targetStep !== null && full && step >= targetStep) || step >= spec.maxSteps) return { steps: step, evaluations, passes };
  }
}

/**
 * Steps a run of the warmup comparison takes to its target before it is measured: its target is
 * the base runs' loss after exactly D tokens, so, as a sweep run at the reference batch size, it
 * is taken to need REFERENCE_OVERSHOOT × D tokens, read at its batch or along its schedule.
 */
export function comparisonStepsToTarget(spec: RunSpec): number {
  const tokens = REFERENCE_OVERSHOOT * spec.dataSize;
  const T = spec.model.context;
  return spec.batchSchedule && spec.batchSchedule.length > 0 ? stepsForTokens(spec.batchSchedule, tokens, T) : tokens / (spec.batchSize * T);
}

/** A local-CBS branch's evaluation passes after step `after`: at each of its fixed points, those of BRANCH_EVALUATION on the full set. */
function branchPasses(spec: RunSpec, after: number): PassCount {
  const points = spec.branch!.evalSteps.filter((s) => s > after).length;
  const perPoint = (BRANCH_EVALUATION.decays === 'every' ? spec.ewaDecays.length : 1) + (BRANCH_EVALUATION.raw ? 1 : 0);
  return { probe: 0, full: points * perPoint };
}

/** The predicted work of one run: the steps it ends at, and its evaluation passes still to come, by set. */
function predictRunWork(
  config: ExperimentConfig,
  spec: RunSpec,
  stepsToTarget: ReadonlyMap<string, number>,
  onset: number,
  live: LiveRun | null,
): { steps: number; passes: PassCount } {
  const lastEval = live?.evals.at(-1);
  const target = spec.targetLoss;
  const start: ReplayStart | null = lastEval
    ? { step: lastEval.step, near: target !== null && lastEval.ewaLoss <= target * (1 + spec.evaluation.nearMargin) }
    : null;
  const stepsDone = live?.stepsDone ?? 0;
  // Runs with a fixed budget: a reference, a local-CBS base run, a branch.
  if (spec.role === 'reference' || spec.role === 'base') {
    const rest = replayEvaluations(spec, start, spec.maxSteps, null, null);
    return { steps: spec.maxSteps, passes: rest.passes };
  }
  if (spec.role === 'branch') return { steps: spec.maxSteps, passes: branchPasses(spec, lastEval?.step ?? startStep(spec)) };
  const sweep = spec.role === 'sweep';
  const r = sweep ? (stepsToTarget.get(cellKey(spec)) ?? spec.maxSteps) : comparisonStepsToTarget(spec);
  let lastStep = spec.maxSteps;
  const baseline = Math.min(...config.batchSizes);
  // Only sweep runs are censored (src/train/run.ts).
  if (sweep && config.censorFactor !== null && spec.batchSize > baseline) {
    const atBaseline = stepsToTarget.get(cellKey(spec, baseline));
    if (atBaseline !== undefined) lastStep = Math.min(lastStep, Math.ceil((config.censorFactor * atBaseline * baseline) / spec.batchSize));
  }
  // A run in flight past the predicted R(B) ends no sooner than its next evaluation.
  const targetStep = spec.stopAtTarget ? Math.max(Math.ceil(r), stepsDone + 1) : null;
  lastStep = Math.max(lastStep, stepsDone);
  const nearFrom = Math.max(1, Math.round(onset * r));
  const rest = replayEvaluations(spec, start, lastStep, targetStep, nearFrom);
  return { steps: Math.max(rest.steps, stepsDone), passes: rest.passes };
}

/** Seconds of a run's training from step `from` to step `to`: each step's fixed cost, and its sequences at their batch (a branch from its checkpoint on). */
function trainSeconds(shape: ShapeCost, spec: RunSpec, from: number, to: number): number {
  const first = Math.max(from, startStep(spec));
  if (to <= first) return 0;
  const sequences = (tokensReadBy(spec, to) - tokensReadBy(spec, first)) / spec.model.context;
  return (to - first) * shape.stepFixedSeconds + sequences * shape.stepSecondsPerSequence;
}

/**
 * A local-CBS experiment's batch-size warmup comparison is planned only once its branches have
 * measured the local CBS (src/train/local-cbs.ts). Until it is, and while runs remain, it is
 * forecast as, per base run, its two runs with the schedule not known yet: the scheduled run
 * priced as the constant one (the same tokens in at least as many steps: an upper bound on its cost).
 */
export function pendingComparisonRuns(config: ExperimentConfig, plan: readonly RunSpec[], finished: ReadonlyMap<string, RunRecord>): RunSpec[] {
  if (config.kind !== 'local-cbs' || !config.localCbs?.compareSchedule) return [];
  if (plan.some((s) => s.role === 'constant' || s.role === 'schedule') || plan.every((s) => finished.has(s.id))) return [];
  // The target is not known yet either: NaN, which nothing in the forecast reads before the run is live.
  return plan.filter((s) => s.role === 'base').flatMap((base) => planWarmupComparison(config, base, [{ fromTokens: 0, batchSize: base.batchSize, peakLr: base.peakLr }], NaN));
}

function timingTotal(t: RunTiming | undefined): number {
  return t ? t.trainSeconds + t.evalSeconds + t.checkpointSeconds + t.dataSeconds + t.setupSeconds : 0;
}

/** The forecast of an experiment: before Start (nothing finished, nothing live, elapsed 0) it is the estimate. */
export function forecastExperiment(input: ForecastInput): ExperimentForecast {
  const { config, finished, live, elapsedSeconds } = input;
  const finishedById = new Map(finished.map((r) => [r.spec.id, r]));
  const plan = [...input.plan, ...pendingComparisonRuns(config, input.plan, finishedById)];
  const liveById = new Map(live.map((r) => [r.spec.id, r]));
  const measured: MeasuredRun[] = [
    ...finished.filter((r) => r.timing !== undefined).map((r) => ({ spec: r.spec, stepsDone: r.stepsDone, evals: r.evals, timing: r.timing! })),
    ...live.filter((r) => r.timing !== null && r.stepsDone > 0).map((r) => ({ spec: r.spec, stepsDone: r.stepsDone, evals: r.evals, timing: r.timing! })),
  ];
  const cost = input.prior === null && measured.length === 0 ? null : refineCost(input.prior, measured);
  const stepsToTarget = predictStepsToTarget(config, plan, finished);
  const onset = nearOnsetFraction(finished);
  // Tokens each run read itself (a branch's record also counts its base run's).
  const tokensDone =
    finished.reduce((s, r) => s + r.tokensDone - (r.spec.branch?.fromTokens ?? 0), 0) + live.reduce((s, r) => s + tokensReadBy(r.spec, r.stepsDone), 0);
  const runsDone = plan.filter((s) => finishedById.has(s.id)).length;
  const base = {
    elapsedSeconds,
    runs: {} as Record<string, RunForecast>,
    runsDone,
    runCount: plan.length,
    tokensDone,
    tokensPerSecond: elapsedSeconds > 0 ? tokensDone / elapsedSeconds : null,
    cost,
  };

  const split: CostSplit = { trainSeconds: 0, evalSeconds: 0, checkpointSeconds: 0, dataSeconds: 0, setupSeconds: 0 };
  let remaining = 0;
  let queued = 0;
  const workers = Math.max(1, config.workers);
  // Workers that have not yet built an engine of each shape: the runs of that shape to come first pay its setup.
  const coldSlots = new Map<string, number>();
  for (const r of [...finished.filter((f) => f.timing !== undefined).map((f) => f.spec), ...live.map((l) => l.spec)]) {
    const key = modelShapeKey(r.model);
    coldSlots.set(key, (coldSlots.get(key) ?? workers) - 1);
  }
  for (const spec of plan) {
    const done = finishedById.get(spec.id);
    if (done && DONE.has(done.status)) {
      const t = done.timing;
      split.trainSeconds += t?.trainSeconds ?? done.wallSeconds;
      split.evalSeconds += t?.evalSeconds ?? 0;
      split.checkpointSeconds += t?.checkpointSeconds ?? 0;
      split.dataSeconds += t?.dataSeconds ?? 0;
      split.setupSeconds += t?.setupSeconds ?? 0;
      base.runs[spec.id] = { steps: done.stepsDone, evalPasses: recordedEvalWork(done.spec, done.evals, evalChunkOf(cost, done.spec)).passes, seconds: timingTotal(t) || done.wallSeconds, remainingSeconds: 0 };
      continue;
    }
    const shape = cost ? shapeCostFor(cost, spec.model) : null;
    if (!cost || !shape) return { ...base, remainingSeconds: null, totalSeconds: null, fraction: null, split: null };
    const running = liveById.get(spec.id) ?? null;
    // The live copy knows the target once its references set it.
    const current = running?.spec ?? spec;
    const work = predictRunWork(config, current, stepsToTarget, onset, running);
    const chunk = evalChunkOf(cost, spec);
    // Evaluations done (priced at the model's rate, as the rest) and to come.
    const evalDone = running ? recordedEvalWork(current, running.evals, chunk) : { passes: 0, tokens: 0 };
    const evalLeft = evalPassesSeconds(shape, spec, chunk, work.passes);
    const data = cost.dataSeconds ?? 0;
    const train = trainSeconds(shape, current, 0, work.steps);
    const evaluation = evalDone.tokens * shape.evalSecondsPerToken + evalLeft;
    const checkpoints = checkpointsIn(spec, work.steps) * shape.checkpointSeconds;
    const shapeKey = modelShapeKey(spec.model);
    const cold = running ? running.stepsDone === 0 && (running.timing?.setupSeconds ?? 0) === 0 : (coldSlots.get(shapeKey) ?? workers) > 0;
    if (!running) coldSlots.set(shapeKey, (coldSlots.get(shapeKey) ?? workers) - 1);
    const setup = cold ? shape.setupSeconds : 0;
    split.trainSeconds += train;
    split.evalSeconds += evaluation;
    split.checkpointSeconds += checkpoints;
    split.dataSeconds += data;
    split.setupSeconds += setup;
    const seconds = setup + data + train + evaluation + checkpoints;
    let left: number;
    if (running) {
      const started = running.stepsDone > 0 || running.evals.length > 0;
      const preparing = started ? 0 : Math.max(0, setup + data - running.elapsedSeconds);
      const checkpointsLeft = checkpointsIn(spec, work.steps) - checkpointsIn(spec, running.stepsDone + 1);
      left = preparing + trainSeconds(shape, current, running.stepsDone, work.steps) + evalLeft + Math.max(0, checkpointsLeft) * shape.checkpointSeconds;
    } else {
      left = seconds;
      queued++;
    }
    remaining += left;
    base.runs[spec.id] = { steps: work.steps, evalPasses: evalDone.passes + work.passes.probe + work.passes.full, seconds, remainingSeconds: left };
  }
  // Time no run was busy (page, worker hand-over, waiting): charged again to each run to come.
  const busy = finished.reduce((s, r) => s + (timingTotal(r.timing) || r.wallSeconds), 0) + live.reduce((s, r) => s + r.elapsedSeconds, 0);
  const started = finished.length + live.length;
  const idlePerRun = started > 0 ? Math.max(0, elapsedSeconds * workers - busy) / started : 0;
  const remainingSeconds = (remaining + idlePerRun * queued) / workers;
  const totalSeconds = elapsedSeconds + remainingSeconds;
  return { ...base, remainingSeconds, totalSeconds, fraction: totalSeconds > 0 ? elapsedSeconds / totalSeconds : 0, split };
}
