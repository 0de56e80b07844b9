// Measures the cost model of src/train/cost-model.ts on this worker's device: per model shape,
// a few real training steps at two batch sizes of the experiment (the engine a run would build,
// random token ids), an evaluation pass in the chunks a run's engine makes, the engine's setup;
// and a probe's FLOP/s, which decides
// which shapes can be measured within the time budget (a shape whose one step would take longer
// is left to the cost model's FLOP scaling, and says so).
import type { GpuContext } from '../gpu';
import type { RunSpec } from '../experiment/schema';
import { modelShapeKey } from '../experiment/plan';
import { flopsPerToken } from '../model/config';
import { evalSetSequences, FORWARD_SHARE_OF_STEP, fitStepLine, predictedStepSeconds, stepLineThroughOne, type ShapeCost } from '../train/cost-model';
import { evalChunkSequences, type EvalAdapter } from '../train/eval-sets';
import { GpuTrainingEngine } from '../train/gpu-engine';
import { createEngine } from '../train/setup';
import type { MicroBatch, StepHyperparameters } from '../train/engine';
import { randomInts } from '../util/random';

export interface CalibrationRequest {
  /** Seconds this worker took to acquire its device: part of the first run's setup in a fresh worker. */
  deviceSeconds?: number;
  /** Per model shape to measure: two of its runs, at a small and a large batch size. */
  shapes: { small: RunSpec; large: RunSpec }[];
  /** About how long one timed measurement may take. */
  budgetSeconds: number;
  /** The probe's FLOP/s when already known (cached); measured when null. */
  flopsPerSecond: number | null;
}

export interface CalibrationResult {
  shapes: Record<string, ShapeCost>;
  flopsPerSecond: number;
  /** What decides this adapter's evaluation chunks, for the cost model's passes. */
  evalAdapter: EvalAdapter;
}

const seconds = (from: number) => (performance.now() - from) / 1000;

function randomBatch(spec: RunSpec, sequences: number, seed: number): MicroBatch {
  const n = sequences * spec.model.context;
  return { inputs: randomInts(n, spec.model.vocabSize, seed), targets: randomInts(n, spec.model.vocabSize, seed + 1), sequences };
}

function hyperparameters(spec: RunSpec, step: number): StepHyperparameters {
  return { step, lr: spec.peakLr, beta1: spec.beta1, beta2: spec.beta2, eps: spec.eps, weightDecay: spec.weightDecay, clipNorm: spec.clipNorm, ewaDecays: spec.ewaDecays };
}

/** Training FLOP/s of a small probe model (a warm-up step, then three timed), and the seconds its engine took to build. */
export async function measureProbe(ctx: GpuContext): Promise<{ flopsPerSecond: number; setupSeconds: number }> {
  const model = { name: 'probe', layers: 1, dModel: 64, heads: 2, context: 32, vocabSize: 257 };
  const microBatch = 8;
  const building = performance.now();
  const engine = await GpuTrainingEngine.create(ctx, { model, microBatch, initSeed: 1, ewaCount: 1 });
  const setupSeconds = seconds(building);
  try {
    const n = microBatch * model.context;
    const batch = { inputs: randomInts(n, model.vocabSize, 1), targets: randomInts(n, model.vocabSize, 2), sequences: microBatch };
    const hp = { step: 1, lr: 1e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, clipNorm: 1, ewaDecays: [0.9] };
    await engine.step([batch], hp);
    const steps = 3;
    const start = performance.now();
    for (let i = 0; i < steps; i++) await engine.step([batch], { ...hp, step: i + 2 });
    return { flopsPerSecond: (flopsPerToken(model).total * n * steps) / seconds(start), setupSeconds };
  } finally {
    engine.destroy();
  }
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/**
 * The median seconds of `run` over up to three timed calls after a warm-up call (the first use of
 * a pipeline can compile it), as many as the budget allows; the warm-up alone when it took the
 * whole budget.
 */
async function timeRepeated(run: (i: number) => Promise<unknown>, budgetSeconds: number, between?: () => Promise<unknown>): Promise<{ seconds: number; times: number }> {
  let start = performance.now();
  await run(0);
  const warmup = seconds(start);
  const repeats = Math.max(0, Math.min(3, Math.floor(budgetSeconds / Math.max(warmup, 1e-6)) - 1));
  if (repeats === 0) return { seconds: warmup, times: 1 };
  const times: number[] = [];
  for (let i = 1; i <= repeats; i++) {
    await between?.();
    start = performance.now();
    await run(i);
    times.push(seconds(start));
  }
  return { seconds: median(times), times: repeats };
}

function stepper(engine: GpuTrainingEngine, spec: RunSpec): (i: number) => Promise<unknown> {
  const micro = Array.from({ length: spec.batchSize / spec.microBatch }, (_, i) => randomBatch(spec, spec.microBatch, 10 + 2 * i));
  return (i) => engine.step(micro, hyperparameters(spec, i + 1));
}

/** Seconds of a training step of this run's shape and batch. */
function timeSteps(engine: GpuTrainingEngine, spec: RunSpec, budgetSeconds: number): Promise<{ seconds: number; times: number }> {
  return timeRepeated(stepper(engine, spec), budgetSeconds);
}

/** Measures one shape; null when even one step of it is predicted to exceed the budget. */
async function measureShape(ctx: GpuContext, small: RunSpec, large: RunSpec, budgetSeconds: number, flopsPerSecond: number): Promise<ShapeCost | null> {
  const flopsPerSequence = flopsPerToken(small.model).total * small.model.context;
  const secondsPerSequenceByFlops = flopsPerSequence / flopsPerSecond;
  if (secondsPerSequenceByFlops * small.batchSize > budgetSeconds) return null;
  const notes: string[] = [];
  let start = performance.now();
  const engine = await createEngine(ctx, small);
  const setupSeconds = seconds(start);
  const points: { batchSize: number; seconds: number; weight: number }[] = [];
  let evalSecondsPerToken: number;
  let checkpointSeconds: number;
  try {
    const first = await timeSteps(engine, small, budgetSeconds);
    points.push({ batchSize: small.batchSize, seconds: first.seconds, weight: 1 });
    notes.push(`median of ${first.times} step${first.times === 1 ? '' : 's'} at B ${small.batchSize}`);
    // An evaluation pass is whole chunks of the size createEngine gives this run (padding included),
    // read back once: time a pass of as many chunks as the most frequent one (a far evaluation's,
    // on the probe), or as the budget allows.
    const chunk = evalChunkSequences(small, ctx.adapter);
    const predictedChunk = (FORWARD_SHARE_OF_STEP * first.seconds * chunk) / small.batchSize;
    if (predictedChunk <= budgetSeconds) {
      const chunks = Math.max(1, Math.min(Math.ceil(evalSetSequences(small).probe / chunk), Math.floor(budgetSeconds / Math.max(predictedChunk, 1e-6))));
      // With EWA weights, as most passes are (swapped in and out around the forward pass), and
      // after a training step, as in a run (the emulator's caches hold the step's work then).
      const batch = randomBatch(small, chunks * chunk, 99);
      const step = stepper(engine, small);
      const timed = await timeRepeated(() => engine.evaluate([batch], { kind: 'ewa', index: 0, decay: small.ewaDecays[0], step: 2 }), budgetSeconds, () => step(5));
      evalSecondsPerToken = timed.seconds / (chunks * chunk * small.model.context);
      notes.push(`median of ${timed.times} EWA evaluation${timed.times === 1 ? '' : 's'} of ${chunks} chunk${chunks === 1 ? '' : 's'} of ${chunk} sequences`);
    } else {
      evalSecondsPerToken = (FORWARD_SHARE_OF_STEP * first.seconds) / (small.batchSize * small.model.context);
      notes.push('evaluation taken as a third of a training step per token (too slow to measure)');
    }
    // A checkpoint's read-back and copy; the page's write to IndexedDB is measured by the runs.
    start = performance.now();
    structuredClone(await engine.saveState());
    checkpointSeconds = seconds(start);
  } finally {
    engine.destroy();
  }
  const predictedLarge = predictedStepSeconds(points[0], large.batchSize, secondsPerSequenceByFlops);
  if (large.batchSize > small.batchSize && predictedLarge <= budgetSeconds) {
    const big = await createEngine(ctx, large);
    try {
      const second = await timeSteps(big, large, budgetSeconds);
      points.push({ batchSize: large.batchSize, seconds: second.seconds, weight: 1 });
      notes.push(`of ${second.times} at B ${large.batchSize}`);
    } finally {
      big.destroy();
    }
  }
  const largeUntimed = large.batchSize > small.batchSize && points.length === 1;
  if (largeUntimed) notes.push(`the cost per sequence scaled by FLOPs (a step at B ${large.batchSize} would take more than the time budget)`);
  const line = largeUntimed ? stepLineThroughOne(points[0], secondsPerSequenceByFlops) : fitStepLine(points)!;
  return {
    stepFixedSeconds: line.fixed,
    stepSecondsPerSequence: line.perSequence,
    evalSecondsPerToken,
    checkpointSeconds,
    setupSeconds,
    how: `measured: ${notes.join(', ')}`,
  };
}

/**
 * A fresh worker's first run pays for its device and for compiling the kernels' pipelines; its
 * later runs, of any shape, find most of them compiled. So the first shape measured carries the
 * cold cost (device, and the probe's engine when the probe was built first: it compiles the same
 * kernels), and the others only their own engine's, as a worker's later shapes would.
 */
export async function calibrateCost(ctx: GpuContext, request: CalibrationRequest): Promise<CalibrationResult> {
  let cold = request.deviceSeconds ?? 0;
  let flopsPerSecond = request.flopsPerSecond;
  if (flopsPerSecond === null) {
    const probe = await measureProbe(ctx);
    flopsPerSecond = probe.flopsPerSecond;
    cold += probe.setupSeconds;
  }
  const shapes: Record<string, ShapeCost> = {};
  for (const { small, large } of request.shapes) {
    const measured = await measureShape(ctx, small, large, request.budgetSeconds, flopsPerSecond);
    if (!measured) continue;
    shapes[modelShapeKey(small.model)] = { ...measured, setupSeconds: measured.setupSeconds + cold };
    cold = 0;
  }
  const { maxStorageBufferBindingSize, maxBufferSize } = ctx.adapter.limits;
  return { shapes, flopsPerSecond, evalAdapter: { limits: { maxStorageBufferBindingSize, maxBufferSize }, isFallbackAdapter: ctx.adapter.isFallbackAdapter } };
}
