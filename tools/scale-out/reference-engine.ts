// The lab's training step in float64 on the CPU, as a TrainingEngine: the model's loss and
// gradient from src/model/reference.ts, AdamW with clipping from src/kernels/adamw.ref.ts and the
// EWA copies from src/kernels/ewa.ref.ts, composed the way src/train/gpu-engine.ts composes its
// kernels. Driven by the lab's own run loop (src/train/run.ts), it is the ground truth that the
// PyTorch package (src/scale-out/train.py) is checked against, step by step. It is test
// machinery, so it lives with the commands (tools/ may compose every layer): tiny models only.
import { adamwStepRef, zeroState, type AdamwState } from '../../src/kernels/adamw.ref';
import { ewaDebiasRef, ewaUpdateRef } from '../../src/kernels/ewa.ref';
import { gradNormRef } from '../../src/kernels/grad-norm.ref';
import { IGNORE_TARGET } from '../../src/model/config';
import type { ParameterLayout } from '../../src/model/layout';
import { referenceLoss, referenceLossAndGradient } from '../../src/model/reference';
import type { EngineState, EvalWeights, MicroBatch, StepHyperparameters, StepScalars, TrainingEngine } from '../../src/train/engine';

export class ReferenceEngine implements TrainingEngine {
  private readonly state: AdamwState;
  /** One EWA copy per decay, in the order of the run's decays. */
  private readonly ewas: Float64Array[];
  /** decay[i] is false for LayerNorm scales, which take no weight decay. */
  private readonly decayMask: boolean[];

  constructor(
    readonly layout: ParameterLayout,
    initialParams: ArrayLike<number>,
    ewaCount: number,
  ) {
    this.state = zeroState(layout.totalFloats, initialParams);
    this.ewas = Array.from({ length: Math.max(1, ewaCount) }, () => new Float64Array(layout.totalFloats));
    this.decayMask = new Array<boolean>(layout.totalFloats).fill(true);
    for (const t of layout.tensors) if (t.kind === 'norm') this.decayMask.fill(false, t.offset, t.offset + t.size);
  }

  private batchOf(b: MicroBatch) {
    return { tokens: b.inputs, targets: b.targets, batch: b.sequences, seqLen: this.layout.config.context };
  }

  async step(microBatches: MicroBatch[], hp: StepHyperparameters): Promise<StepScalars> {
    if (hp.ewaDecays.length !== this.ewas.length) throw new Error(`${hp.ewaDecays.length} EWA decays given, the engine keeps ${this.ewas.length} EWA copies`);
    // Each micro-batch's mean gradient, weighted by its share of the valid targets: the mean over the whole batch.
    const parts = microBatches.map((b) => referenceLossAndGradient(this.layout, this.state.params, this.batchOf(b)));
    const total = parts.reduce((s, p) => s + p.validTargets, 0);
    if (total === 0) throw new Error('a training step with no valid targets');
    const grad = new Float64Array(this.layout.totalFloats);
    let loss = 0;
    for (const p of parts) {
      const w = p.validTargets / total;
      loss += p.loss * w;
      for (let i = 0; i < grad.length; i++) grad[i] += p.grad[i] * w;
    }
    const batchGradSq = gradNormRef(grad).sumSquares;
    const microGradSq = parts.length > 1 ? gradNormRef(parts[0].grad).sumSquares : batchGradSq;
    adamwStepRef(
      this.state,
      grad,
      { lr: hp.lr, beta1: hp.beta1, beta2: hp.beta2, eps: hp.eps, weightDecay: hp.weightDecay, step: hp.step, clipNorm: hp.clipNorm },
      this.decayMask,
    );
    hp.ewaDecays.forEach((decay, k) => ewaUpdateRef(this.ewas[k], this.state.params, decay));
    return { loss, gradNorm: Math.sqrt(batchGradSq), microGradSq, batchGradSq };
  }

  async evaluate(batches: MicroBatch[], weights: EvalWeights): Promise<number> {
    const params = weights.kind === 'raw' ? this.state.params : ewaDebiasRef(this.ewas[weights.index], weights.decay, weights.step);
    let sum = 0;
    let valid = 0;
    for (const b of batches) {
      let n = 0;
      for (let i = 0; i < b.targets.length; i++) if (b.targets[i] !== IGNORE_TARGET) n++;
      if (n === 0) continue;
      sum += referenceLoss(this.layout, params, this.batchOf(b)) * n;
      valid += n;
    }
    if (valid === 0) throw new Error('the validation set is empty');
    return sum / valid;
  }

  async saveState(): Promise<EngineState> {
    return {
      params: Float32Array.from(this.state.params),
      adamM: Float32Array.from(this.state.m),
      adamV: Float32Array.from(this.state.v),
      ewas: this.ewas.map((e) => Float32Array.from(e)),
    };
  }

  async loadState(): Promise<void> {
    throw new Error('the reference engine keeps float64 state: it does not resume from a float32 checkpoint');
  }

  async exportWeights(): Promise<Float32Array> {
    return Float32Array.from(this.state.params);
  }

  destroy(): void {}
}
