import { describe, expect, it } from 'vitest';
import { RunControl, bestDecayIndex, trainRun, type BatchSource, type RunCheckpoint } from './run';
import type { EngineState, EvalWeights, MicroBatch, StepHyperparameters, StepScalars, TrainingEngine } from './engine';
import type { EvalPoint, RunSpec } from '../experiment/schema';

/**
 * A deterministic stand-in for a model: one "weight" w decays towards 0 at a rate set by the
 * learning rate and batch size; the loss is 2 + w. Enough to test the protocol, not the math.
 */
class ToyEngine implements TrainingEngine {
  w = 3;
  ewas: number[] = [];
  steps: StepHyperparameters[] = [];
  nanAtStep: number | null = null;
  async step(batches: MicroBatch[], hp: StepHyperparameters): Promise<StepScalars> {
    this.steps.push(hp);
    const sequences = batches.reduce((s, b) => s + b.sequences, 0);
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
});
