import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../experiment/presets';
import { planRuns, planWarmupComparison } from '../experiment/plan';
import type { EvalPoint, ExperimentConfig, RunRecord, RunSpec, RunTiming } from '../experiment/schema';
import type { EngineState, EvalWeights, MicroBatch, StepScalars, TrainingEngine } from './engine';
import { checkpointInterval, trainRun, type BatchSource, type EvalSet, type RunCheckpoint } from './run';
import { anchoredProbePasses, checkpointsIn, evalChunkOf, evalSetSequences, fitStepLine, predictedStepSeconds, recordedEvalWork, refineCost, shapeCostFor, ownSteps, stepLineThroughOne, stepSeconds, type CostModel, type MeasuredRun, type ShapeCost } from './cost-model';
import { BORROWED_RATIO_WEIGHT, REFERENCE_OVERSHOOT, comparisonStepsToTarget, forecastExperiment, nearOnsetFraction, pendingComparisonRuns, predictStepsToTarget, priorStepsToTarget, replayEvaluations } from './progress';
import { FALLBACK_EVAL_CHUNK_TOKENS } from './eval-sets';

const VOCAB = 257;
const T = 32;

/** The first release's demo, fixed here so that the figures worked out by hand below stay put: one model, D 20k, B 4..32, one LR, one reference run, no probe. */
function config(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return {
    ...defaultConfig(),
    models: [{ name: 'demo', layers: 1, dModel: 32, heads: 2, context: T, vocabSize: 0 }],
    dataSizes: [20_000],
    batchSizes: [4, 8, 16, 32],
    learningRates: { values: [1e-2], exponent: 0, baseBatch: 4 },
    ewa: { horizons: [0.1, 0.2, 0.4] },
    target: { kind: 'reference', batchSize: 4, learningRates: [1e-2] },
    censorFactor: 3,
    evaluation: { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 4096, probeTokens: 0 },
    seeds: [{ init: 1, data: 1 }],
    ...overrides,
  };
}

function plan(c: ExperimentConfig): RunSpec[] {
  return planRuns(c, { vocabSize: VOCAB, microBatchFor: (_m, b) => Math.max(1, b / 2) });
}

/**
 * A model whose EWA validation loss is scripted by step: far above the target, then just above it
 * (near), then at it; it counts the passes over each set it is given.
 */
class ScriptedEngine implements TrainingEngine {
  readonly passes = new Map<MicroBatch[], number>();
  constructor(private readonly lossAt: (step: number) => number) {}
  async step(_batches?: MicroBatch[]): Promise<StepScalars> {
    return { loss: 3, gradNorm: 1, microGradSq: 1, batchGradSq: 1 };
  }
  async evaluate(batches: MicroBatch[], weights: EvalWeights): Promise<number> {
    this.passes.set(batches, (this.passes.get(batches) ?? 0) + 1);
    return weights.kind === 'raw' ? 5 : this.lossAt(weights.step);
  }
  async saveState(): Promise<EngineState> {
    return { params: new Float32Array(), adamM: new Float32Array(), adamV: new Float32Array(), ewas: [] };
  }
  async loadState(): Promise<void> {}
  async exportWeights(): Promise<Float32Array> {
    return new Float32Array();
  }
  destroy(): void {}
}

const source: BatchSource = {
  next: (sequences) => ({ inputs: new Uint32Array(sequences * T), targets: new Uint32Array(sequences * T), sequences }),
  position: () => null,
  restore: () => undefined,
};

/** A run's validation sets as prepareRunData makes them: the full set, and the probe when there is a real one. */
function evalSets(spec: RunSpec): { validation: EvalSet; probe?: EvalSet } {
  const sets = evalSetSequences(spec);
  const validation = { batches: [source.next(sets.full)], tokens: sets.full * T };
  return sets.probe < sets.full ? { validation, probe: { batches: [source.next(sets.probe)], tokens: sets.probe * T } } : { validation };
}

/**
 * Trains a spec with the real run loop and a scripted loss (near the target from `nearFrom`, at it
 * from `reachAt`); returns its record and the passes the engine made over each set.
 */
async function scriptedRun(spec: RunSpec, nearFrom: number, reachAt: number): Promise<{ record: RunRecord; passes: { probe: number; full: number } }> {
  const target = spec.targetLoss ?? 2;
  const engine = new ScriptedEngine((step) => (step >= reachAt ? target : step >= nearFrom ? target * 1.01 : target * 2));
  const sets = evalSets(spec);
  const record = await trainRun(spec, { engine, data: source, ...sets, adapter: 'test' });
  return { record, passes: { probe: sets.probe ? (engine.passes.get(sets.probe.batches) ?? 0) : 0, full: engine.passes.get(sets.validation.batches) ?? 0 } };
}

const timing = (t: Partial<RunTiming> = {}): RunTiming => ({ trainSeconds: 0, evalSeconds: 0, checkpointSeconds: 0, dataSeconds: 0, setupSeconds: 0, ...t });

const SHAPE: ShapeCost = { stepFixedSeconds: 0.02, stepSecondsPerSequence: 0.005, evalSecondsPerToken: 1e-4, checkpointSeconds: 0.25, setupSeconds: 1.5, how: 'test' };

function costFor(specs: readonly RunSpec[], shape = SHAPE, dataSeconds: number | null = 0.5): CostModel {
  const shapes: Record<string, ShapeCost> = {};
  for (const s of specs) shapes[`L${s.model.layers}d${s.model.dModel}h${s.model.heads}T${s.model.context}V${s.model.vocabSize}`] = shape;
  return { shapes, dataSeconds, flopsPerSecond: null, evalAdapter: null };
}

/** A finished sweep record with measured timing at the cost model's rates. */
function finishedRecord(spec: RunSpec, steps: number, reached: boolean, evals: EvalPoint[], shape = SHAPE): RunRecord {
  const evalTokens = recordedEvalWork(spec, evals, evalChunkOf(null, spec)).tokens;
  return {
    spec,
    status: reached ? 'reached-target' : 'censored',
    evals,
    steps: [],
    stepsToTarget: reached ? steps : null,
    stepsDone: steps,
    tokensDone: steps * spec.batchSize * T,
    failure: null,
    wallSeconds: 0,
    adapter: 'test',
    timing: timing({
      trainSeconds: steps * (shape.stepFixedSeconds + shape.stepSecondsPerSequence * spec.batchSize),
      evalSeconds: evalTokens * shape.evalSecondsPerToken,
      checkpointSeconds: checkpointsIn(spec, steps) * shape.checkpointSeconds,
      dataSeconds: 0.5,
      setupSeconds: shape.setupSeconds,
    }),
  };
}

describe('evaluation replay', () => {
  const total = (p: { probe: number; full: number }) => p.probe + p.full;

  for (const probeTokens of [0, 512]) {
    it(`counts the evaluations and the passes over each set the real run loop makes (probe ${probeTokens} tokens), for runs that stop at the target, at their cap, and references`, async () => {
      const c = config({ evaluation: { ...config().evaluation, probeTokens } });
      const specs = plan(c);
      const sweep = { ...specs.find((s) => s.role === 'sweep' && s.batchSize === 8)!, targetLoss: 2 };
      const check = async (spec: RunSpec, nearFrom: number, reachAt: number, lastStep: number, targetStep: number | null, replayNear: number | null) => {
        const { record, passes } = await scriptedRun(spec, nearFrom, reachAt);
        const replay = replayEvaluations(spec, null, lastStep, targetStep, replayNear);
        expect([replay.steps, replay.evaluations, replay.passes]).toEqual([record.stepsDone, record.evals.length, passes]);
        // What the record keeps: the anchors' probe passes are found again.
        expect(recordedEvalWork(spec, record.evals, 1).passes).toBe(total(passes));
        return { record, passes };
      };
      for (const [nearFrom, reachAt] of [
        [40, 61],
        [1, 7],
        [100, 150],
        [61, 61],
      ]) {
        const { passes } = await check(sweep, nearFrom, reachAt, sweep.maxSteps, reachAt, nearFrom);
        // Far from the target every decay and the raw weights read the probe, when there is one.
        expect(passes.probe > 0).toBe(probeTokens > 0);
      }
      // Run to the cap, never at the target.
      await check({ ...sweep, maxSteps: 90, stopAtTarget: false }, 50, Infinity, 90, null, 50);
      // A reference: no target, all decays and the raw weights on the full set at its last step.
      const ref = specs.find((s) => s.role === 'reference')!;
      await check(ref, Infinity, Infinity, ref.maxSteps, null, null);
    });
  }

  it('tells the full-set anchors from evaluations planned on the full set, and counts their tokens in whole chunks', async () => {
    const c = config({ evaluation: { ...config().evaluation, probeTokens: 512 } });
    const sweep = { ...plan(c).find((s) => s.role === 'sweep' && s.batchSize === 8)!, targetLoss: 2 };
    const { record, passes } = await scriptedRun(sweep, 40, 61);
    const anchors = record.evals.filter((e, i) => anchoredProbePasses(sweep, e, record.evals[i - 1]) > 0);
    // One anchor, where the probe first read near: every decay and the raw weights on the probe before it.
    expect(anchors).toHaveLength(1);
    expect(anchors[0]).toMatchObject({ validationTokens: 4096, ewaLosses: [expect.any(Number), null, null], rawLoss: null });
    expect(anchoredProbePasses(sweep, anchors[0], record.evals[record.evals.indexOf(anchors[0]) - 1])).toBe(4);
    // On the CPU emulator a pass is chunks of 128 tokens (4 sequences of 32): the probe 4 chunks, the full set 32.
    const chunk = FALLBACK_EVAL_CHUNK_TOKENS / T;
    expect(evalChunkOf({ evalAdapter: { limits: { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 }, isFallbackAdapter: true } }, sweep)).toBe(chunk);
    expect(recordedEvalWork(sweep, record.evals, chunk).tokens).toBe(passes.probe * 512 + passes.full * 4096);
    // A probe smaller than a chunk still costs a whole chunk.
    expect(recordedEvalWork(sweep, record.evals, 32).tokens).toBe(passes.probe * 1024 + passes.full * 4096);
  });

  it('continues from a run in flight exactly as from its start', async () => {
    for (const probeTokens of [0, 512]) {
      const c = config({ evaluation: { ...config().evaluation, probeTokens } });
      const sweep = { ...plan(c).find((s) => s.role === 'sweep' && s.batchSize === 4)!, targetLoss: 2 };
      const whole = replayEvaluations(sweep, null, sweep.maxSteps, 120, 60);
      const { record } = await scriptedRun(sweep, 60, 120);
      for (const cut of [9, 20]) {
        const at = record.evals[cut];
        const rest = replayEvaluations(sweep, { step: at.step, near: at.ewaLoss <= 2 * 1.05 }, sweep.maxSteps, 120, 60);
        expect(rest.evaluations + cut + 1).toBe(whole.evaluations);
        expect(total(rest.passes) + recordedEvalWork(sweep, record.evals.slice(0, cut + 1), 1).passes).toBe(total(whole.passes));
      }
    }
  });
});

describe('steps to target', () => {
  it('the prior: linear scaling from the budget up to the reference batch size, B^-1/2 beyond', () => {
    const c = config();
    const at = (B: number) => priorStepsToTarget(c, plan(c).find((s) => s.role === 'sweep' && s.batchSize === B)!);
    // The measured overshoot at the reference batch size under protocol v2 was 1.04: taken as 1.
    expect(REFERENCE_OVERSHOOT).toBe(1);
    // D = 20000 tokens, T = 32, reference B = 4: D/(B·T) × max(1, B/4)^½.
    expect(at(4)).toBeCloseTo(20000 / 128, 10);
    expect(at(8)).toBeCloseTo((20000 / 256) * Math.SQRT2, 10);
    expect(at(16)).toBeCloseTo((20000 / 512) * 2, 10);
    expect(at(32)).toBeCloseTo((20000 / 1024) * Math.sqrt(8), 10);
  });

  it('finished runs replace the prior at their batch size and rescale it between and beyond them', () => {
    const c = config();
    const specs = plan(c);
    const at = (B: number) => specs.find((s) => s.role === 'sweep' && s.batchSize === B)!;
    const finished = [finishedRecord(at(4), 250, true, []), finishedRecord(at(16), 125, true, [])];
    const r = predictStepsToTarget(c, specs, finished);
    const key = (B: number) => [...r.keys()].find((k) => k.endsWith(`|B${B}`))!;
    expect(r.get(key(4))).toBe(250);
    expect(r.get(key(16))).toBe(125);
    // Both measured at 1.6 × the prior (250 = 1.6 × 20000/128, 125 = 1.6 × 20000/512 × 2): B = 8
    // (between) and B = 32 (beyond) take 1.6 × theirs.
    expect(r.get(key(8))).toBeCloseTo(1.6 * (20000 / 256) * Math.SQRT2, 8);
    expect(r.get(key(32))).toBeCloseTo(1.6 * (20000 / 1024) * Math.sqrt(8), 8);
  });

  it('a data size with no finished run borrows the others\' measured/prior ratio half way, in log terms', () => {
    const c = config({ dataSizes: [20_000, 80_000] });
    const specs = plan(c);
    const at = (D: number, B: number) => specs.find((s) => s.role === 'sweep' && s.dataSize === D && s.batchSize === B)!;
    // At 20k, B = 4 reached the target at 0.64 × its prior (20000/128 steps).
    const finished = [finishedRecord(at(20_000, 4), 0.64 * (20000 / 128), true, [])];
    const r = predictStepsToTarget(c, specs, finished);
    const key = (D: number, B: number) => [...r.keys()].find((k) => k.includes(`|D${D}|`) && k.endsWith(`|B${B}`))!;
    // Its own data size takes the ratio whole; 80k takes 0.64^½ = 0.8.
    expect(r.get(key(20_000, 8))).toBeCloseTo(0.64 * (20000 / 256) * Math.SQRT2, 8);
    expect(BORROWED_RATIO_WEIGHT).toBe(0.5);
    expect(r.get(key(80_000, 4))).toBeCloseTo(0.8 * (80000 / 128), 8);
    expect(r.get(key(80_000, 16))).toBeCloseTo(0.8 * (80000 / 512) * 2, 8);
  });

  it('learns where the near phase starts from runs that reached the target', () => {
    const spec = { ...plan(config()).find((s) => s.role === 'sweep')!, targetLoss: 2 };
    const ev = (step: number, loss: number): EvalPoint => ({ step, tokens: 0, validationTokens: 4096, ewaLoss: loss, ewaLosses: [loss], rawLoss: null });
    const a = finishedRecord(spec, 100, true, [ev(10, 4), ev(25, 2.08), ev(100, 2)]);
    const b = finishedRecord(spec, 64, true, [ev(16, 2.09), ev(64, 1.99)]);
    expect(nearOnsetFraction([a, b])).toBeCloseTo(Math.sqrt(0.25 * 0.25), 12);
    expect(nearOnsetFraction([])).toBe(0.5);
  });
});

describe('cost model', () => {
  it('fits the step line, keeping both coefficients non-negative', () => {
    expect(fitStepLine([4, 8, 32].map((b) => ({ batchSize: b, seconds: 0.01 + 0.002 * b, weight: b })))).toEqual({ fixed: expect.closeTo(0.01, 12), perSequence: expect.closeTo(0.002, 12) });
    // Noise that tilts the line down: all cost fixed.
    expect(fitStepLine([{ batchSize: 4, seconds: 0.2, weight: 1 }, { batchSize: 8, seconds: 0.1, weight: 1 }])).toEqual({ fixed: expect.closeTo(0.15, 12), perSequence: 0 });
    // One batch size: through the origin.
    expect(fitStepLine([{ batchSize: 4, seconds: 0.2, weight: 3 }])).toEqual({ fixed: 0, perSequence: expect.closeTo(0.05, 12) });
    expect(fitStepLine([])).toBeNull();
  });

  it("predicts a larger batch's step from a small one by the extra sequences' FLOPs, and draws one point's line the same way", () => {
    // The calibration of a 4-layer demo-width model on the emulator: 33.7 ms at B 1, 5.2 ms per
    // sequence by FLOPs. Its step at B 64 is 33.7 + 63 × 5.2 = 361.3 ms, inside a 2 s budget
    // (scaled whole by 64 it would be 2.16 s, and not measured).
    expect(predictedStepSeconds({ batchSize: 1, seconds: 0.0337 }, 64, 0.0052)).toBeCloseTo(0.0337 + 63 * 0.0052, 12);
    expect(predictedStepSeconds({ batchSize: 8, seconds: 0.1 }, 8, 0.0052)).toBe(0.1);
    // One point: the per-sequence part from FLOPs, the rest fixed.
    const line = stepLineThroughOne({ batchSize: 1, seconds: 0.0337 }, 0.0052);
    expect(line.perSequence).toBe(0.0052);
    expect(line.fixed).toBeCloseTo(0.0285, 12);
    expect(line.fixed + line.perSequence).toBeCloseTo(0.0337, 12);
    // FLOPs that price a sequence above the whole measured step per sequence: all of it per sequence, nothing fixed.
    expect(stepLineThroughOne({ batchSize: 4, seconds: 0.02 }, 0.01)).toEqual({ fixed: 0, perSequence: 0.005 });
  });

  it('refits step, evaluation, setup and data costs from measured runs', () => {
    const c = config();
    const specs = plan(c).filter((s) => s.role === 'sweep');
    const truth: ShapeCost = { stepFixedSeconds: 0.03, stepSecondsPerSequence: 0.004, evalSecondsPerToken: 2e-5, checkpointSeconds: 0.3, setupSeconds: 2, how: '' };
    const ev = (step: number): EvalPoint => ({ step, tokens: 0, validationTokens: 4096, ewaLoss: 3, ewaLosses: [3, null, 3], rawLoss: 4 });
    const runs = specs.map((s, i) => finishedRecord(s, 100 + 10 * i, true, [ev(1), ev(2)], truth));
    expect(runs.reduce((n, r) => n + checkpointsIn(r.spec, r.stepsDone), 0)).toBeGreaterThan(0);
    const refit = refineCost(costFor(specs), runs.map((r) => ({ spec: r.spec, stepsDone: r.stepsDone, evals: r.evals, timing: r.timing! })));
    const shape = Object.values(refit.shapes)[0];
    expect(shape.stepFixedSeconds).toBeCloseTo(0.03, 10);
    expect(shape.stepSecondsPerSequence).toBeCloseTo(0.004, 10);
    // Each evaluation read 3 passes of 4096 tokens (the demo's validation set: 128 sequences of 32).
    expect(shape.evalSecondsPerToken).toBeCloseTo(2e-5, 12);
    expect(shape.checkpointSeconds).toBeCloseTo(0.3, 12);
    expect(shape.setupSeconds).toBeCloseTo(2, 12);
    expect(refit.dataSeconds).toBeCloseTo(0.5, 12);
    // One batch size measured: the prior's line, rescaled through it.
    const one = refineCost(costFor(specs), [{ spec: specs[0], stepsDone: 10, evals: [], timing: timing({ trainSeconds: 10 * 2 * (0.02 + 0.005 * 4) }) }]);
    expect(Object.values(one.shapes)[0]).toMatchObject({ stepFixedSeconds: expect.closeTo(0.04, 12), stepSecondsPerSequence: expect.closeTo(0.01, 12) });
  });

  it('scales a shape it has no measurement of by FLOPs, or from the probe alone', () => {
    const small = { name: 's', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 257 };
    const big = { name: 'b', layers: 2, dModel: 64, heads: 2, context: 32, vocabSize: 257 };
    const fpt = (L: number, C: number) => 6 * 12 * L * C * C + 6 * 257 * C + 12 * L * C * 32;
    const cost: CostModel = { shapes: { L1d32h2T32V257: SHAPE }, dataSeconds: null, flopsPerSecond: 1e9, evalAdapter: null };
    const scaled = shapeCostFor(cost, big)!;
    const ratio = fpt(2, 64) / fpt(1, 32);
    expect(scaled.stepSecondsPerSequence).toBeCloseTo(SHAPE.stepSecondsPerSequence * ratio, 15);
    expect(scaled.evalSecondsPerToken).toBeCloseTo(SHAPE.evalSecondsPerToken * ratio, 15);
    expect(scaled.stepFixedSeconds).toBe(SHAPE.stepFixedSeconds);
    expect(scaled.how).toMatch(/scaled by FLOPs/);
    expect(shapeCostFor(cost, small)).toBe(SHAPE);
    const probeOnly = shapeCostFor({ shapes: {}, dataSeconds: null, flopsPerSecond: 1e9, evalAdapter: null }, big)!;
    expect(probeOnly.stepSecondsPerSequence).toBeCloseTo((fpt(2, 64) * 32) / 1e9, 15);
    expect(probeOnly.evalSecondsPerToken).toBeCloseTo(fpt(2, 64) / 3 / 1e9, 15);
    expect(shapeCostFor({ shapes: {}, dataSeconds: null, flopsPerSecond: null, evalAdapter: null }, big)).toBeNull();
  });
});

describe('forecast', () => {
  it('before Start: each run priced by hand from its predicted steps and evaluation passes', () => {
    const c = config({ batchSizes: [4, 8], workers: 1 });
    const specs = plan(c);
    const f = forecastExperiment({ config: c, plan: specs, prior: costFor(specs), finished: [], live: [], elapsedSeconds: 0 });
    let total = 0;
    for (const [i, s] of specs.entries()) {
      const run = f.runs[s.id];
      const replay =
        s.role === 'reference'
          ? replayEvaluations(s, null, s.maxSteps, null, null)
          : replayEvaluations(s, null, s.maxSteps, Math.ceil(priorStepsToTarget(c, s)), Math.round(0.5 * priorStepsToTarget(c, s)));
      expect([run.steps, run.evalPasses]).toEqual([replay.steps, replay.passes.probe + replay.passes.full]);
      // No probe here: every pass reads the full set, 4096 tokens in one chunk.
      expect(replay.passes.probe).toBe(0);
      // The setup once, for the worker's first run; data preparation for every run.
      // A checkpoint every max(5, ⌈maxSteps / 8⌉) steps, none at the last.
      const checkpoints = Math.floor((replay.steps - 1) / Math.max(5, Math.ceil(s.maxSteps / 8)));
      const seconds = (i === 0 ? 1.5 : 0) + 0.5 + replay.steps * (0.02 + 0.005 * s.batchSize) + replay.passes.full * 1e-4 * 4096 + checkpoints * 0.25;
      expect(run.seconds).toBeCloseTo(seconds, 9);
      total += seconds;
    }
    // The reference trains its budget; the sweep run at B = 4 the prior's R(4) = 156.25, to the next evaluation.
    expect(f.runs[specs[0].id].steps).toBe(156);
    expect(f.runs[specs[1].id].steps).toBeGreaterThanOrEqual(157);
    expect(f.remainingSeconds).toBeCloseTo(total, 9);
    expect(f.fraction).toBe(0);
    const split = f.split!;
    expect(split.trainSeconds + split.evalSeconds + split.checkpointSeconds + split.dataSeconds + split.setupSeconds).toBeCloseTo(total, 9);
    expect(split.checkpointSeconds).toBeGreaterThan(0);
    // Two workers share it, each setting up once.
    const two = forecastExperiment({ config: { ...c, workers: 2 }, plan: specs, prior: costFor(specs), finished: [], live: [], elapsedSeconds: 0 });
    expect(two.remainingSeconds).toBeCloseTo((total + 1.5) / 2, 9);
    // Without a cost model there is no time, but the counts stand.
    const none = forecastExperiment({ config: c, plan: specs, prior: null, finished: [], live: [], elapsedSeconds: 0 });
    expect([none.remainingSeconds, none.fraction, none.runCount]).toEqual([null, null, specs.length]);
  });

  it('prices each pass over its set in the chunks of the adapter: the probe cheaper on the CPU emulator, as dear as the full set in one chunk on a GPU', () => {
    const c = config({ batchSizes: [4, 8], workers: 1, evaluation: { ...config().evaluation, probeTokens: 512 } });
    const specs = plan(c);
    const fallback = { limits: { maxStorageBufferBindingSize: 1 << 30, maxBufferSize: 1 << 30 }, isFallbackAdapter: true };
    const cpu = forecastExperiment({ config: c, plan: specs, prior: { ...costFor(specs), evalAdapter: fallback }, finished: [], live: [], elapsedSeconds: 0 });
    const gpu = forecastExperiment({ config: c, plan: specs, prior: costFor(specs), finished: [], live: [], elapsedSeconds: 0 });
    let cpuEval = 0;
    let gpuEval = 0;
    for (const s of specs) {
      const r = priorStepsToTarget(c, s);
      const replay = s.role === 'reference' ? replayEvaluations(s, null, s.maxSteps, null, null) : replayEvaluations(s, null, s.maxSteps, Math.ceil(r), Math.round(0.5 * r));
      expect(replay.passes.probe).toBeGreaterThan(0);
      // Chunks of 4 sequences on the emulator: the probe's 16 sequences are 4 of them, the full set's 128 are 32.
      cpuEval += 1e-4 * (replay.passes.probe * 512 + replay.passes.full * 4096);
      // On a GPU with room the full set is one chunk of 128 sequences, and the probe is padded to it.
      gpuEval += 1e-4 * 4096 * (replay.passes.probe + replay.passes.full);
    }
    expect(cpu.split!.evalSeconds).toBeCloseTo(cpuEval, 9);
    expect(gpu.split!.evalSeconds).toBeCloseTo(gpuEval, 9);
  });

  it('censors the large batch sizes at censorFactor × linear scaling from the smallest one', () => {
    const c = config({ batchSizes: [4, 32], censorFactor: 1.5 });
    const specs = plan(c);
    const f = forecastExperiment({ config: c, plan: specs, prior: costFor(specs), finished: [], live: [], elapsedSeconds: 0 });
    const at32 = specs.find((s) => s.role === 'sweep' && s.batchSize === 32)!;
    // R(4) = 156.25 predicted; the bound at 32 is ceil(1.5 × 156.25 × 4 / 32) = 30, below the prior's 55.2.
    expect(f.runs[at32.id].steps).toBe(30);
  });

  it('as runs finish and progress, the ETA follows what was measured', () => {
    const c = config({ batchSizes: [4, 8] });
    const specs = plan(c);
    const prior = costFor(specs);
    // Measured: everything twice as slow as calibrated.
    const slow: ShapeCost = { ...SHAPE, stepFixedSeconds: 0.04, stepSecondsPerSequence: 0.01, evalSecondsPerToken: 2e-4, checkpointSeconds: 0.5, setupSeconds: 3 };
    const ev = (step: number): EvalPoint => ({ step, tokens: 0, validationTokens: 4096, ewaLoss: 3, ewaLosses: [3, null, null], rawLoss: 4 });
    const ref = finishedRecord(specs[0], specs[0].maxSteps, false, [ev(1), ev(specs[0].maxSteps)], slow);
    ref.status = 'finished';
    const refSeconds = ref.timing!.trainSeconds + ref.timing!.evalSeconds + ref.timing!.checkpointSeconds + 0.5 + 3;
    const start = forecastExperiment({ config: c, plan: specs, prior, finished: [], live: [], elapsedSeconds: 0 });
    const after = forecastExperiment({ config: c, plan: specs, prior, finished: [ref], live: [], elapsedSeconds: refSeconds });
    // The refit doubles the per-step and per-pass prices of the runs to come.
    const b4 = specs[1];
    expect(after.runs[b4.id].seconds - 0.5).toBeCloseTo(2 * (start.runs[b4.id].seconds - 0.5), 6);
    expect(after.runs[specs[0].id]).toMatchObject({ remainingSeconds: 0, steps: specs[0].maxSteps });
    expect(after.fraction).toBeCloseTo(refSeconds / (refSeconds + after.remainingSeconds!), 12);
    // A run in flight: what is left of it shrinks as it goes.
    const liveAt = (stepsDone: number) =>
      forecastExperiment({
        config: c,
        plan: specs,
        prior,
        finished: [ref],
        live: [{ spec: { ...b4, targetLoss: 2 }, stepsDone, evals: [ev(1)], elapsedSeconds: 10, timing: timing({ trainSeconds: stepsDone * 0.08, evalSeconds: 0.8192, dataSeconds: 0.5, setupSeconds: 3 }) }],
        elapsedSeconds: refSeconds + 10,
      });
    expect(liveAt(100).runs[b4.id].remainingSeconds).toBeLessThan(liveAt(20).runs[b4.id].remainingSeconds);
    expect(liveAt(20).tokensDone).toBe(ref.tokensDone + 20 * 4 * 32);
    // All finished: nothing left.
    const all = specs.map((s) => finishedRecord(s, 10, true, []));
    const end = forecastExperiment({ config: c, plan: specs, prior, finished: all, live: [], elapsedSeconds: 100 });
    expect([end.remainingSeconds, end.fraction, end.runsDone]).toEqual([0, 1, specs.length]);
    expect(end.tokensPerSecond).toBeCloseTo(all.reduce((s, r) => s + r.tokensDone, 0) / 100, 12);
  });
});

describe('forecast of a local-CBS experiment', () => {
  // The fixture's model (T = 32) as a local-CBS experiment: a base run at B = 4 (156 steps),
  // branches at k = 1, 2, 4 from steps 50 and 100 for Δ = 2048 tokens, two evaluations each.
  const local = (compareSchedule: boolean): ExperimentConfig => ({
    ...config({ workers: 1 }),
    kind: 'local-cbs',
    localCbs: { baseBatch: 4, learningRate: 1e-2, checkpoints: [50 * 128, 100 * 128], multipliers: [1, 2, 4], branchTokens: 2048, tolerance: 0.01, smoothing: 0.5, loss: 'validation', finalEvaluations: 2, compareSchedule },
  });

  /** The engine's sequences trained, its passes over each set, and the checkpoints the run loop took (kept and periodic). */
  class CountingEngine extends ScriptedEngine {
    sequences = 0;
    override async step(batches: MicroBatch[]): Promise<StepScalars> {
      this.sequences += batches.reduce((s, b) => s + b.sequences, 0);
      return super.step();
    }
  }
  async function trainCounted(spec: RunSpec, lossAt: (step: number) => number, startFrom?: RunCheckpoint) {
    const engine = new CountingEngine(lossAt);
    const sets = evalSets(spec);
    const kept: RunCheckpoint[] = [];
    let checkpoints = 0;
    const record = await trainRun(spec, {
      engine,
      data: source,
      ...sets,
      adapter: 'test',
      startFrom,
      checkpointEvery: checkpointInterval(spec),
      onCheckpoint: () => void checkpoints++,
      onKeep: spec.checkpointSteps ? (c) => void kept.push(c) : undefined,
    });
    const full = engine.passes.get(sets.validation.batches) ?? 0;
    const probe = sets.probe ? (engine.passes.get(sets.probe.batches) ?? 0) : 0;
    return { record, kept, engine, passes: probe + full, fullPasses: full, checkpoints: checkpoints + kept.length };
  }
  const seconds = (steps: number, sequences: number, fullPasses: number, checkpoints: number) => 0.5 + steps * 0.02 + sequences * 0.005 + fullPasses * 1e-4 * 4096 + checkpoints * 0.25;

  it('prices the base run to its budget and each branch from its checkpoint: its own steps, its fixed evaluation points, its checkpoints, as the run loop makes them', async () => {
    const c = local(false);
    const specs = plan(c);
    expect(specs.map((s) => s.role)).toEqual(['base', ...Array(6).fill('branch')]);
    const f = forecastExperiment({ config: c, plan: specs, prior: costFor(specs), finished: [], live: [], elapsedSeconds: 0 });
    const base = await trainCounted(specs[0], () => 3);
    expect(base.kept.map((k) => k.step)).toEqual([50, 100]);
    expect(f.runs[specs[0].id]).toMatchObject({ steps: 156, evalPasses: base.passes });
    expect(checkpointsIn(specs[0], 156)).toBe(base.checkpoints);
    expect(f.runs[specs[0].id].seconds).toBeCloseTo(1.5 + seconds(156, base.engine.sequences, base.fullPasses, base.checkpoints), 9);
    let total = f.runs[specs[0].id].seconds;
    for (const spec of specs.slice(1)) {
      const from = base.kept.find((k) => k.step === spec.branch!.fromStep)!;
      const branch = await trainCounted(spec, () => 3, from);
      const own = spec.maxSteps - spec.branch!.fromStep;
      // Δ = 2048 tokens: 16, 8 and 4 steps at k = 1, 2, 4, each of 4k sequences; two evaluations, raw and the best decay on the full set.
      expect([own, branch.engine.sequences]).toEqual([2048 / (spec.batchSize * T), 2048 / T]);
      expect(branch.passes).toBe(4);
      expect(f.runs[spec.id]).toMatchObject({ steps: spec.maxSteps, evalPasses: branch.passes });
      expect(checkpointsIn(spec, spec.maxSteps)).toBe(branch.checkpoints);
      expect(f.runs[spec.id].seconds).toBeCloseTo(seconds(own, branch.engine.sequences, branch.fullPasses, branch.checkpoints), 9);
      total += f.runs[spec.id].seconds;
      // What the branch read itself, not its base run's tokens before it.
      const done = forecastExperiment({ config: c, plan: specs, prior: costFor(specs), finished: [branch.record], live: [], elapsedSeconds: 1 });
      expect(done.tokensDone).toBe(2048);
    }
    expect(f.remainingSeconds).toBeCloseTo(total, 9);
  });

  it('the warmup comparison: two constant-batch runs to the target until the branches plan it, then the scheduled run along its phases', async () => {
    const c = local(true);
    const specs = plan(c);
    const prior = costFor(specs);
    const before = forecastExperiment({ config: c, plan: specs, prior, finished: [], live: [], elapsedSeconds: 0 });
    const pending = pendingComparisonRuns(c, specs, new Map());
    expect(pending.map((s) => [s.role, s.batchSize, s.stopAtTarget])).toEqual([
      ['constant', 4, true],
      ['schedule', 4, true],
    ]);
    expect(before.runCount).toBe(specs.length + 2);
    // D = 20000 tokens at 128 a step: 156.25 steps, to the next full-set evaluation.
    for (const s of pending) expect(before.runs[s.id].steps).toBe(replayEvaluations(s, null, s.maxSteps, 157, Math.round(0.5 * comparisonStepsToTarget(s))).steps);
    expect(before.runs[pending[0].id].seconds).toBeCloseTo(before.runs[pending[1].id].seconds, 9);

    // Planned: the schedule grows the batch from 4 to 16 after 6400 tokens; the target is set.
    const schedule = [
      { fromTokens: 0, batchSize: 4, peakLr: 1e-2 },
      { fromTokens: 6400, batchSize: 16, peakLr: 2e-2 },
    ];
    const [constant, scheduled] = planWarmupComparison(c, specs[0], schedule, 2);
    const planned = [...specs, constant, scheduled];
    // Measured at the cost model's rates: each run's own steps (a branch's from its checkpoint).
    const finished = specs.map((s) => {
      const record = finishedRecord(s, s.maxSteps, false, []);
      const own = ownSteps(s, s.maxSteps);
      return { ...record, status: 'finished' as const, timing: { ...record.timing!, trainSeconds: own.steps * stepSeconds(SHAPE, own.meanBatch) } };
    });
    const after = forecastExperiment({ config: c, plan: planned, prior, finished, live: [], elapsedSeconds: 100 });
    expect(after.runCount).toBe(planned.length);
    expect(pendingComparisonRuns(c, planned, new Map(finished.map((r) => [r.spec.id, r])))).toEqual([]);
    // Every run done but no comparison planned (the curve proposed no schedule): nothing more is forecast.
    expect(forecastExperiment({ config: c, plan: specs, prior, finished, live: [], elapsedSeconds: 100 }).runCount).toBe(specs.length);
    // 20000 tokens along the schedule: 50 steps of 4, then 53.1 of 16 → 104 steps; the real loop stopped at the target there.
    const r = comparisonStepsToTarget(scheduled);
    expect(r).toBe(50 + Math.ceil((20_000 - 6400) / (16 * T)));
    const run = await trainCounted(scheduled, (step) => (step >= r ? 2 : step >= Math.round(0.5 * r) ? 2.02 : 4));
    expect(run.record.stepsToTarget).not.toBeNull();
    expect(after.runs[scheduled.id]).toMatchObject({ steps: run.record.stepsDone, evalPasses: run.passes });
    expect(after.runs[scheduled.id].seconds).toBeCloseTo(seconds(run.record.stepsDone, run.engine.sequences, run.fullPasses, run.checkpoints), 9);
  });

  it('refits the step line from each run\'s own steps: a branch from its checkpoint, a schedule at its mean batch', () => {
    const c = local(true);
    const specs = plan(c);
    const schedule = [
      { fromTokens: 0, batchSize: 4, peakLr: 1e-2 },
      { fromTokens: 6400, batchSize: 16, peakLr: 2e-2 },
    ];
    const scheduled = planWarmupComparison(c, specs[0], schedule, 2)[1];
    const measured = (spec: RunSpec, stepsDone: number, sequences: number): MeasuredRun => {
      const own = stepsDone - (spec.branch?.fromStep ?? 0);
      return { spec, stepsDone, evals: [], timing: timing({ trainSeconds: own * 0.02 + sequences * 0.005 }) };
    };
    const branch = specs.find((s) => s.role === 'branch' && s.batchSize === 16)!;
    const refit = refineCost(null, [measured(branch, branch.maxSteps, 2048 / T), measured(scheduled, 100, 50 * 4 + 50 * 16)]);
    const shape = Object.values(refit.shapes)[0];
    expect(shape.stepFixedSeconds).toBeCloseTo(0.02, 12);
    expect(shape.stepSecondsPerSequence).toBeCloseTo(0.005, 12);
  });
});
