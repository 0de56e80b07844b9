// What a run's work costs in seconds on one adapter: the cost model behind the estimate and the
// ETAs (src/train/progress.ts). Small models on WebGPU are bound by per-step overhead and by
// evaluation, not by FLOPs, so the model is measured, not derived from FLOPs:
//
//   training step      stepFixedSeconds + stepSecondsPerSequence · B    (B sequences per step,
//                      micro-batched as the planner does it; the fixed part is dispatch, readback,
//                      optimizer and EWA updates, the per-sequence part the forward and backward)
//   evaluation pass    evalSecondsPerToken · tokens computed            (one pass per weights
//                      evaluated on one set, the probe or the full validation set, as src/train/
//                      eval-schedule.ts's evaluationPlan says; whole chunks of the adapter's size,
//                      padding included: src/train/eval-sets.ts)
//   checkpoint         checkpointSeconds, at each of checkpointInterval (the state read back and stored)
//   run setup          setupSeconds, once per worker and shape          (device, engine, pipelines)
//   data preparation   dataSeconds per run                              (tokenizer, shards, pool)
//
// The worker measures it on the experiment's own model shapes (calibrateCost in
// src/worker/calibrate.ts, a few steps each; the page caches it per adapter and shape), and
// refineCost refits it from the runs' measured timing as they finish. A shape too slow to measure
// in a few seconds (a large model on the CPU emulator) is scaled by FLOPs from a measured one:
// that part is an extrapolation, and says so. The assumptions are in docs/time.md.
import type { EvalPoint, RunSpec, RunTiming } from '../experiment/schema';
import { modelShapeKey } from '../experiment/plan';
import { flopsPerToken, type ModelConfig } from '../model/config';
import { evaluationPlan } from './eval-schedule';
import { evalChunkSequences, paddedSequences, probeSequencesFor, validationSequencesFor, type EvalAdapter } from './eval-sets';
import { checkpointInterval } from './run';
import { tokensReadBy } from '../experiment/batch-schedule';

export interface ShapeCost {
  stepFixedSeconds: number;
  stepSecondsPerSequence: number;
  /** Seconds per validation token an evaluation chunk computes (padding included: a chunk costs the same however full). */
  evalSecondsPerToken: number;
  /** Seconds per checkpoint: the engine's state read back (calibrated), and stored by the page (measured by runs). */
  checkpointSeconds: number;
  /**
   * Seconds to set up the first run of this shape in a worker: the device, the engine, its
   * pipelines. Later runs in the same worker reuse the compiled pipelines and cost next to nothing.
   */
  setupSeconds: number;
  /** Where the figures come from, for people ("measured: …", "refitted from 3 runs", "scaled by FLOPs from …"). */
  how: string;
}

export interface CostModel {
  /** Per model shape (modelShapeKey). */
  shapes: Record<string, ShapeCost>;
  /** Seconds to prepare one run's data; null while unmeasured (a remote source before its first run). */
  dataSeconds: number | null;
  /** Training FLOP/s of a small probe model: scales shapes with no measurement at all; null if unknown. */
  flopsPerSecond: number | null;
  /**
   * What decides this adapter's evaluation chunks (its memory limits, and whether it is the CPU
   * emulator); null when unknown, taken as a GPU with room for a whole set in one chunk.
   */
  evalAdapter: EvalAdapter | null;
}

/** A run's measured work and timing: a finished record, or a run in flight as of its last step. */
export interface MeasuredRun {
  spec: RunSpec;
  stepsDone: number;
  evals: readonly EvalPoint[];
  timing: RunTiming;
}

/**
 * Evaluation forward passes cost about a third of a training step per token (forward only,
 * against forward and backward): used only where evaluation could not be measured.
 */
export const FORWARD_SHARE_OF_STEP = 1 / 3;

export function stepSeconds(cost: ShapeCost, batchSize: number): number {
  return cost.stepFixedSeconds + cost.stepSecondsPerSequence * batchSize;
}

/** An adapter with room for any chunk: what an unknown adapter is taken to be. */
const ROOMY_GPU: EvalAdapter = { limits: { maxStorageBufferBindingSize: Infinity, maxBufferSize: Infinity, activationBudgetBytes: Infinity }, isFallbackAdapter: false };

/** Sequences per evaluation chunk of this run on the cost model's adapter (as createEngine makes them). */
export function evalChunkOf(cost: Pick<CostModel, 'evalAdapter'> | null, spec: RunSpec): number {
  return evalChunkSequences(spec, cost?.evalAdapter ?? ROOMY_GPU);
}

/** Evaluation passes by the set they read: the probe (far from the target) and the full validation set. */
export interface PassCount {
  probe: number;
  full: number;
}

/** The sizes of a run's two sets, in sequences, as planned (the probe is the full set when there is no real one). */
export function evalSetSequences(spec: RunSpec): PassCount {
  const full = validationSequencesFor(spec);
  return { full, probe: probeSequencesFor(spec, full) ?? full };
}

/** Validation tokens an evaluation pass over `sequences` sequences computes: whole chunks, padding included. */
function passTokens(spec: RunSpec, sequences: number, chunk: number): number {
  return paddedSequences(sequences, chunk) * spec.model.context;
}

/** Seconds of the given passes of a run, each over its set (probe or full) in whole chunks. */
export function evalPassesSeconds(shape: ShapeCost, spec: RunSpec, chunk: number, passes: PassCount): number {
  const sets = evalSetSequences(spec);
  const tokens = passes.probe * passTokens(spec, sets.probe, chunk) + passes.full * passTokens(spec, sets.full, chunk);
  return shape.evalSecondsPerToken * tokens;
}

/**
 * Checkpoints a run takes itself up to step `steps`: one every checkpointInterval (none at its last
 * step; a local-CBS branch only after the checkpoint it starts from), and a base run's kept for its
 * branches at its checkpointSteps.
 */
export function checkpointsIn(spec: RunSpec, steps: number): number {
  const interval = checkpointInterval(spec);
  const last = Math.min(steps, spec.maxSteps);
  const periodic = Math.max(0, Math.floor((last - 1) / interval) - Math.floor(startStep(spec) / interval));
  const kept = (spec.checkpointSteps ?? []).filter((s) => s <= last).length;
  return periodic + kept;
}

/** The step a run's own training starts after: a local-CBS branch's checkpoint, else 0. */
export function startStep(spec: RunSpec): number {
  return spec.branch?.fromStep ?? 0;
}

/** The training steps a run made itself by step `stepsDone`, and their mean batch in sequences (a schedule's batch grows). */
export function ownSteps(spec: RunSpec, stepsDone: number): { steps: number; meanBatch: number } {
  const steps = Math.max(0, stepsDone - startStep(spec));
  return { steps, meanBatch: steps > 0 ? tokensReadBy(spec, stepsDone) / spec.model.context / steps : spec.batchSize };
}

/**
 * Forward passes over its validation set an evaluation point records: each EWA decay tried, and
 * the raw weights if measured. (A diverged decay's NaN is written to JSON as null, so read back
 * from a file its pass counts as untried: rare and cheap.)
 */
function evalPasses(point: EvalPoint): number {
  return point.ewaLosses.filter((l) => l !== null).length + (point.rawLoss !== null ? 1 : 0);
}

/**
 * The probe passes an evaluation point hides: where the plan said "probe" and the point read a
 * larger set, the probe's reading came near the target and the point is the full-set anchor that
 * replaced it (src/train/run.ts's evaluateAt), after a probe pass per EWA decay and one for the
 * raw weights. `previous`: the run's evaluation before this one.
 */
export function anchoredProbePasses(spec: RunSpec, point: EvalPoint, previous: EvalPoint | undefined): number {
  // A local-CBS branch reads the full set at each of its evaluation points, never the probe (run.ts).
  if (spec.branch) return 0;
  const last = previous ? { step: previous.step, ewaLoss: previous.ewaLoss } : null;
  const plan = evaluationPlan(spec.evaluation, { maxSteps: spec.maxSteps, targetLoss: spec.targetLoss, last }, point.step);
  if (plan.set !== 'probe' || point.validationTokens <= evalSetSequences(spec).probe * spec.model.context) return 0;
  return (plan.decays === 'every' ? spec.ewaDecays.length : 1) + (plan.raw ? 1 : 0);
}

/** Passes a run's recorded evaluations made, and the validation tokens they computed in chunks of `chunk`. */
export function recordedEvalWork(spec: RunSpec, evals: readonly EvalPoint[], chunk: number): { passes: number; tokens: number } {
  const probeTokens = passTokens(spec, evalSetSequences(spec).probe, chunk);
  let passes = 0;
  let tokens = 0;
  evals.forEach((point, i) => {
    const own = evalPasses(point);
    const hidden = anchoredProbePasses(spec, point, evals[i - 1]);
    passes += own + hidden;
    tokens += own * passTokens(spec, Math.max(1, Math.round(point.validationTokens / spec.model.context)), chunk) + hidden * probeTokens;
  });
  return { passes, tokens };
}

/**
 * The cost of a model shape: measured when the model has it; else scaled by FLOPs per sequence from
 * the measured shape closest in FLOPs (the fixed per-step and setup costs kept as they are); else
 * from the probe's FLOP/s alone (no fixed cost). Null when nothing is known.
 */
export function shapeCostFor(cost: CostModel, model: ModelConfig): ShapeCost | null {
  const exact = cost.shapes[modelShapeKey(model)];
  if (exact) return exact;
  const perToken = flopsPerToken(model).total;
  let nearest: { key: string; from: ModelConfig; perTokenRatio: number } | null = null;
  for (const key of Object.keys(cost.shapes)) {
    const from = parseShapeKey(key);
    const perTokenRatio = perToken / flopsPerToken(from).total;
    const distance = (r: number, f: ModelConfig) => Math.abs(Math.log((r * model.context) / f.context));
    if (!nearest || distance(perTokenRatio, from) < distance(nearest.perTokenRatio, nearest.from)) nearest = { key, from, perTokenRatio };
  }
  if (nearest) {
    const measured = cost.shapes[nearest.key];
    return {
      ...measured,
      stepSecondsPerSequence: measured.stepSecondsPerSequence * nearest.perTokenRatio * (model.context / nearest.from.context),
      evalSecondsPerToken: measured.evalSecondsPerToken * nearest.perTokenRatio,
      how: `scaled by FLOPs from ${nearest.key} (not measured)`,
    };
  }
  if (cost.flopsPerSecond === null || !(cost.flopsPerSecond > 0)) return null;
  return {
    stepFixedSeconds: 0,
    stepSecondsPerSequence: (perToken * model.context) / cost.flopsPerSecond,
    evalSecondsPerToken: (FORWARD_SHARE_OF_STEP * perToken) / cost.flopsPerSecond,
    checkpointSeconds: 0,
    setupSeconds: 0,
    how: `from the probe's ${(cost.flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s (not measured)`,
  };
}

/** The inverse of modelShapeKey (L…d…h…T…V…). */
export function parseShapeKey(key: string): ModelConfig {
  const m = /^L(\d+)d(\d+)h(\d+)T(\d+)V(\d+)$/.exec(key);
  if (!m) throw new Error(`not a model shape key: ${key}`);
  return { name: key, layers: Number(m[1]), dModel: Number(m[2]), heads: Number(m[3]), context: Number(m[4]), vocabSize: Number(m[5]) };
}

/**
 * A training step at `batchSize` predicted from one measured at a smaller batch: the measured
 * step plus the extra sequences at the FLOP-scaled cost of a sequence. Scaling the whole measured
 * step by the ratio of batch sizes instead would multiply its fixed part (dispatch, read-back,
 * optimizer, EWA: most of a small batch's step) too, and predict a 4-layer step at B 64 from its
 * step at B 1 at 2.2 s where it takes 0.34 s.
 */
export function predictedStepSeconds(measured: { batchSize: number; seconds: number }, batchSize: number, secondsPerSequenceByFlops: number): number {
  return measured.seconds + Math.max(0, batchSize - measured.batchSize) * secondsPerSequenceByFlops;
}

/**
 * The step line through one measured batch size: the per-sequence part from FLOPs (never more
 * than the whole measured step per sequence), the rest of the measured step fixed. The line
 * through the origin, the only one a single point fixes, would price a large batch at the small
 * batch's fixed cost per sequence.
 */
export function stepLineThroughOne(measured: { batchSize: number; seconds: number }, secondsPerSequenceByFlops: number): { fixed: number; perSequence: number } {
  const perSequence = Math.min(secondsPerSequenceByFlops, measured.seconds / measured.batchSize);
  return { fixed: measured.seconds - perSequence * measured.batchSize, perSequence };
}

/**
 * The line seconds = fixed + perSequence · B through weighted points, by least squares, with both
 * coefficients kept non-negative (noise on a loaded machine can tilt a two-point fit). One batch
 * size only: the line through the origin (all cost per sequence).
 */
export function fitStepLine(points: readonly { batchSize: number; seconds: number; weight: number }[]): { fixed: number; perSequence: number } | null {
  const pts = points.filter((p) => p.weight > 0 && Number.isFinite(p.seconds) && p.seconds >= 0);
  if (pts.length === 0) return null;
  const w = pts.reduce((s, p) => s + p.weight, 0);
  const mb = pts.reduce((s, p) => s + p.weight * p.batchSize, 0) / w;
  const ms = pts.reduce((s, p) => s + p.weight * p.seconds, 0) / w;
  const sbb = pts.reduce((s, p) => s + p.weight * (p.batchSize - mb) ** 2, 0);
  const throughOrigin = () => ({ fixed: 0, perSequence: pts.reduce((s, p) => s + p.weight * p.seconds * p.batchSize, 0) / pts.reduce((s, p) => s + p.weight * p.batchSize ** 2, 0) });
  if (sbb === 0) return throughOrigin();
  const perSequence = pts.reduce((s, p) => s + p.weight * (p.batchSize - mb) * (p.seconds - ms), 0) / sbb;
  if (perSequence < 0) return { fixed: ms, perSequence: 0 };
  const fixed = ms - perSequence * mb;
  return fixed < 0 ? throughOrigin() : { fixed, perSequence };
}

/**
 * The cost model refitted from runs' measured timing: per shape, the step line through each run's
 * mean seconds per step (weighted by its steps; with one batch size measured, the prior's line
 * rescaled through it), seconds per evaluated validation token, per checkpoint, setup (the
 * largest measured: the first run's); and data preparation per run (the mean). Shapes and figures nothing measured keep the prior's.
 */
export function refineCost(prior: CostModel | null, measured: readonly MeasuredRun[]): CostModel {
  const shapes: Record<string, ShapeCost> = { ...(prior?.shapes ?? {}) };
  const byShape = new Map<string, MeasuredRun[]>();
  for (const run of measured) {
    const key = modelShapeKey(run.spec.model);
    byShape.set(key, [...(byShape.get(key) ?? []), run]);
  }
  for (const [key, runs] of byShape) {
    const before = prior ? shapeCostFor(prior, runs[0].spec.model) : null;
    // Each run's own steps: a branch's count from its checkpoint on, a schedule's at its mean batch.
    const points = runs.flatMap((r) => {
      const own = ownSteps(r.spec, r.stepsDone);
      return own.steps > 0 ? [{ batchSize: own.meanBatch, seconds: r.timing.trainSeconds / own.steps, weight: own.steps }] : [];
    });
    const batchSizes = new Set(points.map((p) => p.batchSize));
    let line = fitStepLine(points);
    if (line && batchSizes.size === 1 && before && stepSeconds(before, points[0].batchSize) > 0) {
      const scale = (points.reduce((s, p) => s + p.seconds * p.weight, 0) / points.reduce((s, p) => s + p.weight, 0)) / stepSeconds(before, points[0].batchSize);
      line = { fixed: before.stepFixedSeconds * scale, perSequence: before.stepSecondsPerSequence * scale };
    }
    const evalTokens = runs.reduce((s, r) => s + recordedEvalWork(r.spec, r.evals, evalChunkOf(prior, r.spec)).tokens, 0);
    const evalSeconds = runs.reduce((s, r) => s + r.timing.evalSeconds, 0);
    const checkpoints = runs.reduce((s, r) => s + checkpointsIn(r.spec, r.stepsDone), 0);
    const checkpointSeconds = runs.reduce((s, r) => s + r.timing.checkpointSeconds, 0);
    // The first run of a shape in a worker pays the setup; the others find its pipelines compiled.
    const setUp = Math.max(0, ...runs.map((r) => r.timing.setupSeconds));
    if (!line && !before) continue;
    shapes[key] = {
      stepFixedSeconds: line ? line.fixed : before!.stepFixedSeconds,
      stepSecondsPerSequence: line ? line.perSequence : before!.stepSecondsPerSequence,
      evalSecondsPerToken: evalTokens > 0 ? evalSeconds / evalTokens : (before?.evalSecondsPerToken ?? 0),
      checkpointSeconds: checkpoints > 0 ? checkpointSeconds / checkpoints : (before?.checkpointSeconds ?? 0),
      setupSeconds: setUp > 0 ? setUp : (before?.setupSeconds ?? 0),
      how: `refitted from ${runs.length} measured run${runs.length === 1 ? '' : 's'}`,
    };
  }
  const prepared = measured.filter((r) => r.timing.dataSeconds > 0);
  return {
    shapes,
    dataSeconds: prepared.length > 0 ? prepared.reduce((s, r) => s + r.timing.dataSeconds, 0) / prepared.length : (prior?.dataSeconds ?? null),
    flopsPerSecond: prior?.flopsPerSecond ?? null,
    evalAdapter: prior?.evalAdapter ?? null,
  };
}

/** Per model shape of a plan, two of its runs to calibrate on: at its smallest and its largest batch size. */
export function calibrationPairs(plan: readonly RunSpec[]): { small: RunSpec; large: RunSpec }[] {
  const byShape = new Map<string, { small: RunSpec; large: RunSpec }>();
  for (const spec of plan) {
    const key = modelShapeKey(spec.model);
    const pair = byShape.get(key);
    if (!pair) byShape.set(key, { small: spec, large: spec });
    else {
      if (spec.batchSize < pair.small.batchSize) pair.small = spec;
      if (spec.batchSize > pair.large.batchSize) pair.large = spec;
    }
  }
  return [...byShape.values()];
}

/**
 * An ASSUMED laptop GPU, never measured here: what the page quotes next to a long estimate. A
 * laptop GPU's WebGPU matmul reaches about 1 TFLOP/s (published figures for Apple M1/M2-class
 * chips: 0.9 to 2.4 TFLOP/s); the lab's small models reach about half of a matmul's rate, so
 * 0.5 TFLOP/s of training FLOPs. Small models are bound by launches and readbacks: the lab's
 * step at B = 64 of its smallest preset takes 4–5 ms even on an H100 (docs/benchmarks.md), so each
 * step and each evaluation pass costs at least 5 ms. Engine setup 1 s; data preparation and
 * checkpoints (CPU and storage work more than GPU work) as measured on this adapter. See docs/time.md.
 */
export const LAPTOP_GPU = {
  flopsPerSecond: 0.5e12,
  fixedSeconds: 0.005,
  setupSeconds: 1,
  label: 'an assumed laptop GPU (0.5 TFLOP/s for training, 5 ms per step: an assumption, not a measurement)',
} as const;

/** The cost model of the assumed laptop GPU for a plan's shapes (data preparation and checkpoints as measured here). */
export function laptopCost(plan: readonly RunSpec[], here: CostModel | null): CostModel {
  const shapes: Record<string, ShapeCost> = {};
  for (const spec of plan) {
    const perToken = flopsPerToken(spec.model).total;
    shapes[modelShapeKey(spec.model)] = {
      stepFixedSeconds: LAPTOP_GPU.fixedSeconds,
      stepSecondsPerSequence: (perToken * spec.model.context) / LAPTOP_GPU.flopsPerSecond,
      // One chunk holds the whole set on a GPU with room: a pass costs at least the fixed time.
      evalSecondsPerToken: (FORWARD_SHARE_OF_STEP * perToken) / LAPTOP_GPU.flopsPerSecond + LAPTOP_GPU.fixedSeconds / passTokens(spec, evalSetSequences(spec).full, evalChunkOf(null, spec)),
      checkpointSeconds: (here && shapeCostFor(here, spec.model)?.checkpointSeconds) ?? 0,
      setupSeconds: LAPTOP_GPU.setupSeconds,
      how: LAPTOP_GPU.label,
    };
  }
  return { shapes, dataSeconds: here?.dataSeconds ?? null, flopsPerSecond: LAPTOP_GPU.flopsPerSecond, evalAdapter: null };
}
