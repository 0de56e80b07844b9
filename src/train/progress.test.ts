import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../experiment/presets';
import { planRuns } from '../experiment/plan';
import type { EvalPoint, ExperimentConfig, RunRecord, RunSpec, RunTiming } from '../experiment/schema';
import type { EngineState, EvalWeights, MicroBatch, StepScalars, TrainingEngine } from './engine';
import { trainRun, type BatchSource } from './run';
import { checkpointsIn, evalPasses, fitStepLine, refineCost, shapeCostFor, type CostModel, type ShapeCost } from './cost-model';
import { forecastExperiment, nearOnsetFraction, predictStepsToTarget, priorStepsToTarget, replayEvaluations } from './progress';

const VOCAB = 257;
const T = 32;

function config(overrides: Partial<ExperimentConfig> = {}): ExperimentConfig {
  return { ...defaultConfig(), seeds: [{ init: 1, data: 1 }], ...overrides };
}

function plan(c: ExperimentConfig): RunSpec[] {
  return planRuns(c, { vocabSize: VOCAB, microBatchFor: (_m, b) => Math.max(1, b / 2) });
}

/** A model whose EWA validation loss is scripted by step: far above the target, then just above it (near), then at it. */
class ScriptedEngine implements TrainingEngine {
  constructor(private readonly lossAt: (step: number) => number) {}
  async step(): Promise<StepScalars> {
    return { loss: 3, gradNorm: 1, microGradSq: 1, batchGradSq: 1 };
  }
  async evaluate(_b: MicroBatch[], weights: EvalWeights): Promise<number> {
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

/** Trains a spec with the real run loop and a scripted loss: near the target from `nearFrom`, at it from `reachAt`. */
function scriptedRun(spec: RunSpec, nearFrom: number, reachAt: number): Promise<RunRecord> {
  const target = spec.targetLoss ?? 2;
  const engine = new ScriptedEngine((step) => (step >= reachAt ? target : step >= nearFrom ? target * 1.01 : target * 2));
  return trainRun(spec, { engine, data: source, validation: [], adapter: 'test' });
}

const timing = (t: Partial<RunTiming> = {}): RunTiming => ({ trainSeconds: 0, evalSeconds: 0, checkpointSeconds: 0, dataSeconds: 0, setupSeconds: 0, ...t });

const SHAPE: ShapeCost = { stepFixedSeconds: 0.02, stepSecondsPerSequence: 0.005, evalSecondsPerToken: 1e-4, checkpointSeconds: 0.25, setupSeconds: 1.5, how: 'test' };

function costFor(specs: readonly RunSpec[], shape = SHAPE, dataSeconds: number | null = 0.5): CostModel {
  const shapes: Record<string, ShapeCost> = {};
  for (const s of specs) shapes[`L${s.model.layers}d${s.model.dModel}h${s.model.heads}T${s.model.context}V${s.model.vocabSize}`] = shape;
  return { shapes, dataSeconds, flopsPerSecond: null };
}

/** A finished sweep record with measured timing at the cost model's rates. */
function finishedRecord(spec: RunSpec, steps: number, reached: boolean, evals: EvalPoint[], shape = SHAPE): RunRecord {
  const passes = evals.reduce((n, e) => n + evalPasses(e), 0);
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
      evalSeconds: passes * shape.evalSecondsPerToken * spec.evaluation.validationTokens,
      checkpointSeconds: checkpointsIn(spec, steps) * shape.checkpointSeconds,
      dataSeconds: 0.5,
      setupSeconds: shape.setupSeconds,
    }),
  };
}

describe('evaluation replay', () => {
  it('counts the evaluations and passes the real run loop makes, for runs that stop at the target, at their cap, and references', async () => {
    const c = config({ ewa: { horizons: [0.1, 0.2, 0.4] } });
    const specs = plan(c);
    const sweep = { ...specs.find((s) => s.role === 'sweep' && s.batchSize === 8)!, targetLoss: 2 };
    for (const [nearFrom, reachAt] of [
      [40, 61],
      [1, 7],
      [100, 150],
    ]) {
      const record = await scriptedRun(sweep, nearFrom, reachAt);
      const replay = replayEvaluations(sweep, null, sweep.maxSteps, reachAt, nearFrom);
      expect(replay.steps).toBe(record.stepsDone);
      expect(replay.evaluations).toBe(record.evals.length);
      expect(replay.passes).toBe(record.evals.reduce((n, e) => n + evalPasses(e), 0));
    }
    // Run to the cap, never at the target.
    const capped = { ...sweep, maxSteps: 90, stopAtTarget: false };
    const record = await scriptedRun(capped, 50, Infinity);
    const replay = replayEvaluations(capped, null, capped.maxSteps, null, 50);
    expect([replay.steps, replay.evaluations, replay.passes]).toEqual([90, record.evals.length, record.evals.reduce((n, e) => n + evalPasses(e), 0)]);
    // A reference: no target, all decays and the raw weights at its last step.
    const ref = specs.find((s) => s.role === 'reference')!;
    const refRecord = await trainRun(ref, { engine: new ScriptedEngine(() => 3), data: source, validation: [], adapter: 'test' });
    const refReplay = replayEvaluations(ref, null, ref.maxSteps, null, null);
    expect([refReplay.steps, refReplay.evaluations, refReplay.passes]).toEqual([ref.maxSteps, refRecord.evals.length, refRecord.evals.reduce((n, e) => n + evalPasses(e), 0)]);
  });

  it('continues from a run in flight exactly as from its start', async () => {
    const c = config();
    const sweep = { ...plan(c).find((s) => s.role === 'sweep' && s.batchSize === 4)!, targetLoss: 2 };
    const whole = replayEvaluations(sweep, null, sweep.maxSteps, 120, 60);
    const record = await scriptedRun(sweep, 60, 120);
    const cut = record.evals[9];
    const rest = replayEvaluations(sweep, { step: cut.step, near: cut.ewaLoss <= 2 * 1.05 }, sweep.maxSteps, 120, 60);
    expect(rest.evaluations + 10).toBe(whole.evaluations);
    expect(rest.passes + record.evals.slice(0, 10).reduce((n, e) => n + evalPasses(e), 0)).toBe(whole.passes);
  });
});

describe('steps to target', () => {
  it('the prior: linear scaling from 1.25 × the budget up to the reference batch size, B^-1/2 beyond', () => {
    const c = config();
    const at = (B: number) => priorStepsToTarget(c, plan(c).find((s) => s.role === 'sweep' && s.batchSize === B)!);
    // D = 20000 tokens, T = 32, reference B = 4: 1.25 × D/(B·T) × max(1, B/4)^½.
    expect(at(4)).toBeCloseTo(1.25 * (20000 / 128), 10);
    expect(at(8)).toBeCloseTo(1.25 * (20000 / 256) * Math.SQRT2, 10);
    expect(at(16)).toBeCloseTo(1.25 * (20000 / 512) * 2, 10);
    expect(at(32)).toBeCloseTo(1.25 * (20000 / 1024) * Math.sqrt(8), 10);
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
    // Both measured at 1.28 × the prior: B = 8 (between) and B = 32 (beyond) take 1.28 × theirs.
    expect(r.get(key(8))).toBeCloseTo(1.28 * 1.25 * (20000 / 256) * Math.SQRT2, 8);
    expect(r.get(key(32))).toBeCloseTo(1.28 * 1.25 * (20000 / 1024) * Math.sqrt(8), 8);
  });

  it('learns where the near phase starts from runs that reached the target', () => {
    const spec = { ...plan(config()).find((s) => s.role === 'sweep')!, targetLoss: 2 };
    const ev = (step: number, loss: number): EvalPoint => ({ step, tokens: 0, ewaLoss: loss, ewaLosses: [loss], rawLoss: null });
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

  it('refits step, evaluation, setup and data costs from measured runs', () => {
    const c = config();
    const specs = plan(c).filter((s) => s.role === 'sweep');
    const truth: ShapeCost = { stepFixedSeconds: 0.03, stepSecondsPerSequence: 0.004, evalSecondsPerToken: 2e-5, checkpointSeconds: 0.3, setupSeconds: 2, how: '' };
    const ev = (step: number): EvalPoint => ({ step, tokens: 0, ewaLoss: 3, ewaLosses: [3, null, 3], rawLoss: 4 });
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
    const cost: CostModel = { shapes: { L1d32h2T32V257: SHAPE }, dataSeconds: null, flopsPerSecond: 1e9 };
    const scaled = shapeCostFor(cost, big)!;
    const ratio = fpt(2, 64) / fpt(1, 32);
    expect(scaled.stepSecondsPerSequence).toBeCloseTo(SHAPE.stepSecondsPerSequence * ratio, 15);
    expect(scaled.evalSecondsPerToken).toBeCloseTo(SHAPE.evalSecondsPerToken * ratio, 15);
    expect(scaled.stepFixedSeconds).toBe(SHAPE.stepFixedSeconds);
    expect(scaled.how).toMatch(/scaled by FLOPs/);
    expect(shapeCostFor(cost, small)).toBe(SHAPE);
    const probeOnly = shapeCostFor({ shapes: {}, dataSeconds: null, flopsPerSecond: 1e9 }, big)!;
    expect(probeOnly.stepSecondsPerSequence).toBeCloseTo((fpt(2, 64) * 32) / 1e9, 15);
    expect(probeOnly.evalSecondsPerToken).toBeCloseTo(fpt(2, 64) / 3 / 1e9, 15);
    expect(shapeCostFor({ shapes: {}, dataSeconds: null, flopsPerSecond: null }, big)).toBeNull();
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
      expect([run.steps, run.evalPasses]).toEqual([replay.steps, replay.passes]);
      // The setup once, for the worker's first run; data preparation for every run.
      // A checkpoint every max(5, ⌈maxSteps / 8⌉) steps, none at the last.
      const checkpoints = Math.floor((replay.steps - 1) / Math.max(5, Math.ceil(s.maxSteps / 8)));
      const seconds = (i === 0 ? 1.5 : 0) + 0.5 + replay.steps * (0.02 + 0.005 * s.batchSize) + replay.passes * 1e-4 * 4096 + checkpoints * 0.25;
      expect(run.seconds).toBeCloseTo(seconds, 9);
      total += seconds;
    }
    // The reference trains its budget; the sweep run at B = 4 the prior's R(4) = 1.25 × 156.25, to the next evaluation.
    expect(f.runs[specs[0].id].steps).toBe(156);
    expect(f.runs[specs[1].id].steps).toBeGreaterThanOrEqual(196);
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

  it('censors the large batch sizes at censorFactor × linear scaling from the smallest one', () => {
    const c = config({ batchSizes: [4, 32], censorFactor: 1.5 });
    const specs = plan(c);
    const f = forecastExperiment({ config: c, plan: specs, prior: costFor(specs), finished: [], live: [], elapsedSeconds: 0 });
    const at32 = specs.find((s) => s.role === 'sweep' && s.batchSize === 32)!;
    // R(4) = 195.3 predicted; the bound at 32 is ceil(1.5 × 195.3 × 4 / 32) = 37, below the prior's 69.1.
    expect(f.runs[at32.id].steps).toBe(37);
  });

  it('as runs finish and progress, the ETA follows what was measured', () => {
    const c = config({ batchSizes: [4, 8] });
    const specs = plan(c);
    const prior = costFor(specs);
    // Measured: everything twice as slow as calibrated.
    const slow: ShapeCost = { ...SHAPE, stepFixedSeconds: 0.04, stepSecondsPerSequence: 0.01, evalSecondsPerToken: 2e-4, checkpointSeconds: 0.5, setupSeconds: 3 };
    const ev = (step: number): EvalPoint => ({ step, tokens: 0, ewaLoss: 3, ewaLosses: [3, null, null], rawLoss: 4 });
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
