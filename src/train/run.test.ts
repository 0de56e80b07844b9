import { describe, expect, it } from 'vitest';
import { RunControl, bestDecayIndex, trainRun, type BatchSource, type RunCheckpoint } from './run';
import type { EngineState, EvalWeights, MicroBatch, StepHyperparameters, StepScalars, TrainingEngine } from './engine';
import type { EvalPoint, RunSpec, StepStats } from '../experiment/schema';

/**
 * A deterministic stand-in for a model: one "weight" w decays towards 0 at a rate set by the
 * learning rate and batch size; the loss is 2 + w. Enough to test the protocol, not the math.
 */
class ToyEngine implements TrainingEngine {
  w = 3;
  ewas: number[] = [];
  steps: StepHyperparameters[] = [];
  /** Sequences per step, as the run loop gathered them. */
  sequences: number[] = [];
  nanAtStep: number | null = null;
  async step(batches: MicroBatch[], hp: StepHyperparameters): Promise<StepScalars> {
    this.steps.push(hp);
    const sequences = batches.reduce((s, b) => s + b.sequences, 0);
    this.sequences.push(sequences);
    // float32 state, as on the GPU, so that a checkpoint holds it exactly.
    this.w = Math.fround(this.w * (1 - Math.min(0.5, hp.lr * sequences)));
    this.ewas = hp.ewaDecays.map((d, i) => Math.fround(d * (this.ewas[i] ?? 0) + (1 - d) * this.w));
    const loss = hp.step === this.nanAtStep ? NaN : 2 + this.w;
    return { loss, gradNorm: this.w, microGradSq: this.w ** 2 * 2, batchGradSq: this.w ** 2 };
  }
  async evaluate(_b: MicroBatch[], weights: EvalWeights): Promise<number> {
    return 2 + (weights.kind === 'raw' ? this.w : this.ewas[weights.index] / (1 - weights.decay ** weights.step));
  }
  async saveState(): Promise<EngineState> {
    return { params: new Float32Array([this.w]), adamM: new Float32Array(), adamV: new Float32Array(), ewas: this.ewas.map((e) => new Float32Array([e])) };
  }
  async loadState(s: EngineState): Promise<void> {
    this.w = s.params[0];
    this.ewas = s.ewas.map((e) => e[0]);
  }
  async exportWeights(): Promise<Float32Array> {
    return new Float32Array([this.w]);
  }
  destroy(): void {}
}

class CountingSource implements BatchSource {
  offset = 0;
  next(sequences: number): MicroBatch {
    const inputs = new Uint32Array(sequences).fill(this.offset);
    this.offset += sequences;
    return { inputs, targets: inputs, sequences };
  }
  position(): unknown {
    return { offset: this.offset };
  }
  restore(p: unknown): void {
    this.offset = (p as { offset: number }).offset;
  }
}

function spec(overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    id: 'toy',
    model: { name: 'toy', layers: 1, dModel: 8, heads: 1, context: 4, vocabSize: 5 },
    dataSize: 1000,
    batchSize: 8,
    microBatch: 2,
    peakLr: 0.01,
    beta1: 0.95,
    beta2: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    warmupSteps: 4,
    clipNorm: 1,
    ewaDecays: [0.9],
    maxSteps: 200,
    targetLoss: 2.5,
    stopAtTarget: true,
    evaluation: { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 16, probeTokens: 0 },
    role: 'sweep',
    replicate: 0,
    seeds: { init: 1, data: 2 },
    poolTokens: null,
    ...overrides,
  };
}

const common = () => ({ engine: new ToyEngine(), data: new CountingSource(), validation: { batches: [], tokens: 16 }, adapter: 'toy' });

describe('trainRun', () => {
  it('accumulates B / micro micro-batches per step, warms the LR up, and stops at the first eval under the target', async () => {
    const opts = common();
    const record = await trainRun(spec(), opts);
    expect(record.status).toBe('reached-target');
    expect(opts.data.offset).toBe(8 * record.stepsDone);
    expect(opts.engine.steps[0].lr).toBeCloseTo(0.001, 12);
    expect(opts.engine.steps[4].lr).toBe(0.01);
    const hit = record.evals.find((e) => e.ewaLoss <= 2.5)!;
    expect(record.stepsToTarget).toBe(hit.step);
    expect(record.stepsDone).toBe(hit.step);
    // Every evaluation before the hit was above the target.
    expect(record.evals.filter((e) => e.step < hit.step).every((e) => e.ewaLoss > 2.5)).toBe(true);
    expect(record.steps).toHaveLength(record.stepsDone);
    expect(record.tokensDone).toBe(record.stepsDone * 8 * 4);
  });

  it('runs on to its cap when it does not stop at the target, evaluating the last step', async () => {
    const record = await trainRun(spec({ stopAtTarget: false, maxSteps: 60 }), common());
    expect(record.status).toBe('reached-target');
    expect(record.stepsDone).toBe(60);
    expect(record.evals.at(-1)!.step).toBe(60);
    expect(record.stepsToTarget).toBeLessThan(60);
  });

  it('ends a NaN loss as diverged with the step and the reason', async () => {
    const opts = common();
    opts.engine.nanAtStep = 7;
    const record = await trainRun(spec({ targetLoss: 0 }), opts);
    expect(record.status).toBe('diverged');
    expect(record.failure).toEqual({ step: 7, reason: 'the training loss became NaN at step 7' });
  });

  it('stops when cancelled and waits while paused', async () => {
    const control = new RunControl();
    const opts = common();
    let resumed = false;
    const run = trainRun(spec({ targetLoss: 0 }), {
      ...opts,
      control,
      onStep: (s) => {
        if (s.step === 3) {
          control.pause();
          setTimeout(() => {
            resumed = true;
            control.resume();
          }, 20);
        }
        if (s.step === 10) control.cancel();
      },
    });
    const record = await run;
    expect(resumed).toBe(true);
    expect(record.status).toBe('stopped');
    expect(record.stepsDone).toBe(10);
  });

  it('resumes from a checkpoint to exactly the record of an uninterrupted run', async () => {
    const s = spec({ targetLoss: 0, maxSteps: 40, stopAtTarget: false });
    const clock = () => 0;
    const straight = await trainRun(s, { ...common(), now: clock });
    const checkpoints: RunCheckpoint[] = [];
    await trainRun(s, { ...common(), now: clock, checkpointEvery: 16, onCheckpoint: (c) => void checkpoints.push(c) });
    expect(checkpoints.map((c) => c.step)).toEqual([16, 32]);
    const resumed = await trainRun(s, { ...common(), now: clock, resumeFrom: checkpoints[0] });
    expect(resumed).toEqual(straight);
  });

  it('a checkpoint that cannot be saved (storage full) does not end the run: training goes on and says why', async () => {
    const s = spec({ targetLoss: 0, maxSteps: 40, stopAtTarget: false });
    const clock = () => 0;
    const straight = await trainRun(s, { ...common(), now: clock });
    const warnings: string[] = [];
    const full = Object.assign(new Error(''), { name: 'QuotaExceededError' });
    const record = await trainRun(s, {
      ...common(),
      now: clock,
      checkpointEvery: 16,
      onCheckpoint: () => Promise.reject(full),
      onWarning: (m) => void warnings.push(m),
    });
    expect(record).toEqual(straight);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^the browser's storage for this site is full: the checkpoint at step 16 of run toy was not saved/);
  });

  it('stops early in economical mode once it cannot beat the best run at its batch size', async () => {
    const record = await trainRun(spec({ targetLoss: 0 }), { ...common(), bestAtBatch: () => 12 });
    expect(record.status).toBe('stopped');
    expect(record.stepsDone).toBe(12);
    expect(record.failure?.reason).toMatch(/reached the target in 12 steps/);
  });

  it('censors a sweep run past the economy bound, and never a reference run', async () => {
    const record = await trainRun(spec({ targetLoss: 0 }), { ...common(), censorAfter: () => 9 });
    expect(record.status).toBe('censored');
    expect(record.stepsDone).toBe(9);
    expect(record.failure?.reason).toMatch(/R\(B\) > 9/);
    const reference = await trainRun(spec({ targetLoss: null, role: 'reference', stopAtTarget: false, maxSteps: 20 }), { ...common(), censorAfter: () => 9 });
    expect(reference.status).toBe('finished');
    expect(reference.stepsDone).toBe(20);
  });

  it('splits its wall time into training, evaluation and checkpoints, and reports wall-clock tokens per second', async () => {
    // A virtual clock (milliseconds): a step costs 2, an evaluation 30, a checkpoint 50; nothing else advances it.
    const clock = { ms: 0 };
    class ClockedEngine extends ToyEngine {
      override async step(batches: MicroBatch[], hp: StepHyperparameters): Promise<StepScalars> {
        clock.ms += 2;
        return super.step(batches, hp);
      }
      override async evaluate(b: MicroBatch[], weights: EvalWeights): Promise<number> {
        clock.ms += 30;
        return super.evaluate(b, weights);
      }
    }
    const seen: number[] = [];
    const record = await trainRun(spec({ targetLoss: 0, maxSteps: 30 }), {
      ...common(),
      engine: new ClockedEngine(),
      now: () => clock.ms,
      preparation: { dataSeconds: 1.5, setupSeconds: 0.25 },
      checkpointEvery: 10,
      onCheckpoint: () => void (clock.ms += 50),
      onStep: (s) => void seen.push(s.tokensPerSecond),
    });
    const passes = record.evals.reduce((n, e) => n + e.ewaLosses.filter((l) => l !== null).length + (e.rawLoss === null ? 0 : 1), 0);
    const timing = record.timing!;
    expect(timing.trainSeconds).toBeCloseTo((30 * 2) / 1000, 12);
    expect(timing.evalSeconds).toBeCloseTo((passes * 30) / 1000, 12);
    // At steps 10 and 20 (none at the last step).
    expect(timing.checkpointSeconds).toBeCloseTo((2 * 50) / 1000, 12);
    expect([timing.dataSeconds, timing.setupSeconds]).toEqual([1.5, 0.25]);
    expect(record.wallSeconds).toBeCloseTo((30 * 2 + passes * 30 + 2 * 50) / 1000, 12);
    // Step 1: 2 ms of training, no evaluation before it yet: 32 tokens in 0.002 s.
    expect(seen[0]).toBeCloseTo(32 / 0.002, 6);
    // The last step's figure counts every evaluation and checkpoint before it (the final evaluation comes after).
    const evalsBefore = record.evals.slice(0, -1).reduce((n, e) => n + e.ewaLosses.filter((l) => l !== null).length + (e.rawLoss === null ? 0 : 1), 0);
    expect(seen.at(-1)).toBeCloseTo((30 * 32) / ((30 * 2 + evalsBefore * 30 + 2 * 50) / 1000), 6);
  });

  it('far from the target: every decay and the raw weights on the probe; near it: the best decay on the full set; the last step: everything on the full set', async () => {
    const decays = [0.5, 0.9, 0.99];
    const evaluation = { spacing: 2, nearSpacing: 1.05, nearMargin: 0.02, validationTokens: 16, probeTokens: 4 };
    const options = { ...common(), probe: { batches: [], tokens: 4 } };
    const record = await trainRun(spec({ ewaDecays: decays, stopAtTarget: false, maxSteps: 60, targetLoss: 2.3, evaluation }), options);
    const tried = (e: EvalPoint) => e.ewaLosses.filter((l): l is number => l !== null);
    for (const e of record.evals) expect(e.ewaLoss).toBe(Math.min(...tried(e)));
    const far = record.evals.filter((e) => e.validationTokens === 4);
    const near = record.evals.filter((e) => e.validationTokens === 16 && e.step < 60);
    expect(far.length).toBeGreaterThan(2);
    expect(near.length).toBeGreaterThan(2);
    for (const e of far) {
      expect(tried(e)).toHaveLength(3);
      expect(e.rawLoss).not.toBeNull();
    }
    for (const e of near) {
      expect(tried(e)).toHaveLength(1);
      expect(e.rawLoss).toBeNull();
    }
    // Far evaluations double the step; near ones grow by 5% (at least one step). The first full-set
    // evaluation is the anchor taken at the step where the probe first read within the margin.
    expect(far.map((e) => e.step).slice(0, 4)).toEqual([1, 2, 4, 8]);
    expect(near[0].step).toBe(far.at(-1)!.step * 2);
    const last = record.evals.at(-1)!;
    expect(last).toMatchObject({ step: 60, validationTokens: 16 });
    expect(tried(last)).toHaveLength(3);
    expect(last.rawLoss).not.toBeNull();
    // w falls monotonically, so the shortest memory (0.5) lags least and is the best.
    expect(last.ewaLoss).toBe(last.ewaLosses[0]);
    expect(last.ewaLosses[2] as number).toBeGreaterThan(last.ewaLosses[0] as number);
    expect(bestDecayIndex(last)).toBe(0);
    // Only the full set decides the crossing.
    const crossed = record.evals.find((e) => e.step === record.stepsToTarget)!;
    expect(crossed.validationTokens).toBe(16);
  });

  it('a base run keeps a checkpoint at each of its checkpoint steps, its last step included', async () => {
    const kept: RunCheckpoint[] = [];
    const record = await trainRun(spec({ targetLoss: null, stopAtTarget: false, maxSteps: 20, checkpointSteps: [5, 12, 20] }), { ...common(), onKeep: (c) => void kept.push(c) });
    expect(record.status).toBe('finished');
    expect(kept.map((c) => [c.step, c.record.tokensDone, (c.data as { offset: number }).offset])).toEqual([
      [5, 5 * 8 * 4, 5 * 8],
      [12, 12 * 8 * 4, 12 * 8],
      [20, 20 * 8 * 4, 20 * 8],
    ]);
  });

  it('a branch starts from a checkpoint (weights, data position), continues its step count and counts its tokens from there', async () => {
    const base = spec({ targetLoss: null, stopAtTarget: false, maxSteps: 20, checkpointSteps: [10] });
    const clock = () => 0;
    const baseEngine = new ToyEngine();
    const kept: RunCheckpoint[] = [];
    const straight = await trainRun(base, { ...common(), engine: baseEngine, now: clock, onKeep: (c) => void kept.push(c) });
    // k = 1: the branch is the base run's own continuation, exactly.
    const same = spec({ ...base, id: 'branch1', role: 'branch', checkpointSteps: undefined, branch: { baseRunId: base.id, fromStep: 10, fromTokens: 320, multiplier: 1, evalSteps: [18, 19, 20] } });
    const engine = new ToyEngine();
    const data = new CountingSource();
    // With a probe set too: a branch is compared with its siblings on the full validation set only.
    const branch = await trainRun(same, { ...common(), engine, data, now: clock, startFrom: kept[0], probe: { batches: [], tokens: 4 } });
    expect(branch.status).toBe('finished');
    expect(engine.steps.map((h) => h.step)).toEqual(Array.from({ length: 10 }, (_, i) => 11 + i));
    const withoutRate = (steps: StepStats[]) => steps.map(({ tokensPerSecond: _, ...rest }) => rest);
    expect(withoutRate(branch.steps)).toEqual(withoutRate(straight.steps.slice(10)));
    // Its rate counts its own tokens over its own wall time: as the base run's first ten steps (the clock stands still).
    expect(branch.steps.map((s) => s.tokensPerSecond)).toEqual(straight.steps.slice(0, 10).map((s) => s.tokensPerSecond));
    expect(engine.w).toBe(baseEngine.w);
    expect(data.offset).toBe(20 * 8);
    expect(branch.stepsDone).toBe(20);
    expect(branch.tokensDone).toBe(20 * 8 * 4);
    // It evaluates at its evalSteps only, and records the raw weights' loss there.
    expect(branch.evals.map((e) => [e.step, e.tokens])).toEqual([18, 19, 20].map((s) => [s, s * 32]));
    expect(branch.evals.every((e) => e.rawLoss !== null && e.ewaLosses.filter((l) => l !== null).length === 1)).toBe(true);
    expect(branch.evals.map((e) => e.validationTokens)).toEqual([16, 16, 16]);

    // k = 4 at 2× the learning rate: batches of 32 sequences from the checkpoint's data position.
    const wide = spec({ ...same, id: 'branch4', batchSize: 32, peakLr: 0.02, maxSteps: 12, branch: { ...same.branch!, multiplier: 4, evalSteps: [12] } });
    const wideEngine = new ToyEngine();
    const wideData = new CountingSource();
    const r4 = await trainRun(wide, { ...common(), engine: wideEngine, data: wideData, startFrom: kept[0] });
    expect(wideEngine.sequences).toEqual([32, 32]);
    expect(wideEngine.steps.map((h) => h.lr)).toEqual([0.02, 0.02]);
    expect(wideData.offset).toBe(10 * 8 + 2 * 32);
    expect(r4.tokensDone).toBe(320 + 2 * 32 * 4);
  });

  it('a kept checkpoint that cannot be saved is a warning: the base run goes on', async () => {
    const warnings: string[] = [];
    const onKeep = () => Promise.reject(new Error('the storage quota is full'));
    const record = await trainRun(spec({ targetLoss: null, stopAtTarget: false, maxSteps: 8, checkpointSteps: [4] }), { ...common(), onKeep, onWarning: (m) => void warnings.push(m) });
    expect(record.status).toBe('finished');
    expect(record.stepsDone).toBe(8);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/the checkpoint at step 4 of run toy, kept for its branches, was not saved/);
    expect(warnings[0]).toMatch(/storage for this site is full/);
  });

  it('refuses a checkpoint that is not where the branch starts', async () => {
    const kept: RunCheckpoint[] = [];
    await trainRun(spec({ targetLoss: null, stopAtTarget: false, maxSteps: 8, checkpointSteps: [8] }), { ...common(), onKeep: (c) => void kept.push(c) });
    const wrong = spec({ role: 'branch', maxSteps: 12, branch: { baseRunId: 'toy', fromStep: 10, fromTokens: 320, multiplier: 1, evalSteps: [12] } });
    await expect(trainRun(wrong, { ...common(), startFrom: kept[0] })).rejects.toThrow(/starts at step 10 \(320 tokens\) but the checkpoint is at step 8 \(256 tokens\)/);
  });

  it('follows a batch-size schedule by tokens read: batch, learning rate, token counts', async () => {
    // Context 4: 8 sequences read 32 tokens a step; from 64 tokens on, 16 sequences at √2 × the LR.
    const schedule = [
      { fromTokens: 0, batchSize: 8, peakLr: 0.01 },
      { fromTokens: 64, batchSize: 16, peakLr: 0.0141421 },
    ];
    const opts = common();
    const record = await trainRun(spec({ role: 'schedule', batchSchedule: schedule, warmupSteps: 0, targetLoss: null, stopAtTarget: false, maxSteps: 5 }), opts);
    expect(opts.engine.sequences).toEqual([8, 8, 16, 16, 16]);
    expect(opts.engine.steps.map((h) => h.lr)).toEqual([0.01, 0.01, 0.0141421, 0.0141421, 0.0141421]);
    expect(record.tokensDone).toBe((8 + 8 + 16 + 16 + 16) * 4);
    expect(opts.data.offset).toBe(64);
    expect(record.evals.at(-1)!.tokens).toBe(record.tokensDone);
  });

  it('refuses a schedule batch that is not a multiple of the micro-batch', async () => {
    const schedule = [
      { fromTokens: 0, batchSize: 8, peakLr: 0.01 },
      { fromTokens: 64, batchSize: 12, peakLr: 0.01 },
    ];
    await expect(trainRun(spec({ microBatch: 8, batchSchedule: schedule }), common())).rejects.toThrow(/batch size 12 is not a multiple of the micro-batch 8/);
  });
});
