// The TrainingEngine on WebGPU: the decoder LM of src/model/gpu-model.ts, with the flat
// gradient buffer, AdamW (clipping read from the GPU), one EWA copy of the weights per decay and
// one small batched readback of scalars per step. Everything is allocated here, once: a step
// allocates nothing (its readback reuses one staging buffer).
//
// Stats buffer (floats): [0] loss sum of the step, [1] loss sum of an evaluation,
// [2] Σg² after the first micro-batch, [3] its norm, [4] Σg² of the accumulated gradient,
// [5] its norm (AdamW reads [5] to clip).
import { createStorage, encodeDispatches, readBuffers, writeArray, type Dispatch, type GpuContext } from '../gpu';
import { prepareAdamw, type Adamw } from '../kernels/adamw';
import { prepareLossSum } from '../kernels/cross-entropy';
import { prepareEwa, prepareEwaDebias, type Ewa, type EwaDebias } from '../kernels/ewa';
import { prepareGradNorm } from '../kernels/grad-norm';
import { gradNormScratchCount } from '../kernels/grad-norm.plan';
import { IGNORE_TARGET } from '../model/config';
import { prepareGpuModel, type GpuModel } from '../model/gpu-model';
import { initParameters } from '../model/init';
import { buildLayout, type ParameterLayout } from '../model/layout';
import type { ModelConfig } from '../model/config';
import type { EngineState, EvalWeights, MicroBatch, StepHyperparameters, StepScalars, TrainingEngine } from './engine';

const SLOT_STEP_LOSS = 0;
const SLOT_EVAL_LOSS = 1;
const SLOT_MICRO = 2;
const SLOT_BATCH = 4;
const STATS_FLOATS = 8;

export interface GpuEngineArgs {
  model: ModelConfig;
  microBatch: number;
  initSeed: number;
  /** EWA copies of the weights to keep, one per decay the run evaluates (at least 1). */
  ewaCount: number;
  /**
   * Sequences per evaluation forward pass. Evaluation needs no backward, so it can take bigger
   * chunks than training (fewer dispatches); equal to microBatch, it shares the training model.
   */
  evalMicroBatch?: number;
}

function validTargets(targets: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE_TARGET) n++;
  return n;
}

export class GpuTrainingEngine implements TrainingEngine {
  readonly layout: ParameterLayout;
  private constructor(
    private readonly gpu: GpuContext,
    layout: ParameterLayout,
    private readonly model: GpuModel,
    private readonly evalModel: GpuModel,
    private readonly buffers: {
      params: GPUBuffer;
      grads: GPUBuffer;
      m: GPUBuffer;
      v: GPUBuffer;
      ewas: GPUBuffer[];
      backup: GPUBuffer;
      stats: GPUBuffer;
      /** Mappable copy of `stats`, reused by every step's readback (nothing allocated per step). */
      statsStaging: GPUBuffer;
      scratch: GPUBuffer;
    },
    private readonly kernels: {
      firstLossSum: Dispatch;
      nextLossSum: Dispatch;
      evalFirstLossSum: Dispatch;
      evalNextLossSum: Dispatch;
      microNorm: Dispatch[];
      batchNorm: Dispatch[];
      adamw: Adamw;
      ewas: Ewa[];
      debias: EwaDebias[];
    },
  ) {
    this.layout = layout;
  }

  static async create(gpu: GpuContext, args: GpuEngineArgs): Promise<GpuTrainingEngine> {
    const layout = buildLayout(args.model);
    const count = layout.totalFloats;
    const make = (label: string) => createStorage(gpu, count, label);
    const params = make('params');
    writeArray(gpu, params, initParameters(args.model, args.initSeed, layout));
    const buffers = {
      params,
      grads: make('grads'),
      m: make('adam m'),
      v: make('adam v'),
      ewas: Array.from({ length: Math.max(1, args.ewaCount) }, (_, i) => make(`ewa ${i}`)),
      backup: make('params backup'),
      stats: createStorage(gpu, STATS_FLOATS, 'stats'),
      statsStaging: gpu.device.createBuffer({ size: STATS_FLOATS * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'stats readback' }),
      scratch: createStorage(gpu, gradNormScratchCount(count), 'grad norm scratch'),
    };
    const model = await prepareGpuModel(gpu, { layout, params, grads: buffers.grads, microBatch: args.microBatch });
    const evalBatch = args.evalMicroBatch ?? args.microBatch;
    const evalModel =
      evalBatch === args.microBatch
        ? model
        : await prepareGpuModel(gpu, { layout, params, grads: buffers.grads, microBatch: evalBatch, label: 'eval' });
    const lossSum = (slot: number, accumulate: boolean, m = model) =>
      prepareLossSum(gpu, { losses: m.losses, count: m.N, out: buffers.stats, slot, accumulate });
    const norm = (slot: number) =>
      prepareGradNorm(gpu, { grads: buffers.grads, count, scratch: buffers.scratch, stats: buffers.stats, slot });
    const hyper = { lr: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, step: 1, clipNorm: 1 };
    const kernels = {
      firstLossSum: await lossSum(SLOT_STEP_LOSS, false),
      nextLossSum: await lossSum(SLOT_STEP_LOSS, true),
      evalFirstLossSum: await lossSum(SLOT_EVAL_LOSS, false, evalModel),
      evalNextLossSum: await lossSum(SLOT_EVAL_LOSS, true, evalModel),
      microNorm: await norm(SLOT_MICRO),
      batchNorm: await norm(SLOT_BATCH),
      adamw: await prepareAdamw(gpu, {
        params: buffers.params,
        grads: buffers.grads,
        m: buffers.m,
        v: buffers.v,
        count,
        hyper,
        clip: { stats: buffers.stats, slot: SLOT_BATCH },
        // LayerNorm scales take no weight decay (the paper's default decay is 0 anyway).
        noDecay: layout.tensors.filter((t) => t.kind === 'norm').map((t) => ({ offset: t.offset, length: t.size })),
        zeroGrad: true,
      }),
      ewas: await Promise.all(buffers.ewas.map((ewa) => prepareEwa(gpu, { params: buffers.params, ewa, count, ewaDecay: 0.99 }))),
      debias: await Promise.all(buffers.ewas.map((ewa) => prepareEwaDebias(gpu, { ewa, out: buffers.params, count, ewaDecay: 0.99 }))),
    };
    return new GpuTrainingEngine(gpu, layout, model, evalModel, buffers, kernels);
  }

  /** The stats buffer, read back through the reused staging buffer: one small map per call. */
  private async readStats(): Promise<Float32Array> {
    const { stats, statsStaging } = this.buffers;
    this.submit([], (e) => e.copyBufferToBuffer(stats, 0, statsStaging, 0, STATS_FLOATS * 4));
    await statsStaging.mapAsync(GPUMapMode.READ);
    const values = new Float32Array(statsStaging.getMappedRange().slice(0));
    statsStaging.unmap();
    return values;
  }

  get activationBytes(): number {
    return this.model.activationBytes + (this.evalModel === this.model ? 0 : this.evalModel.activationBytes);
  }

  private submit(dispatches: readonly Dispatch[], before?: (encoder: GPUCommandEncoder) => void, after?: (encoder: GPUCommandEncoder) => void): void {
    const encoder = this.gpu.device.createCommandEncoder();
    before?.(encoder);
    if (dispatches.length) {
      const pass = encoder.beginComputePass();
      encodeDispatches(pass, dispatches);
      pass.end();
    }
    after?.(encoder);
    this.gpu.device.queue.submit([encoder.finish()]);
  }

  /**
   * One optimizer step. With `profile`, each phase is awaited on its own and timed (forward,
   * backward, optimizer): the same work in the same order, without the overlap between phases
   * that an unprofiled step gets, so the phases add up to at least the unprofiled step's time.
   */
  async step(microBatches: MicroBatch[], hp: StepHyperparameters, profile?: StepProfile): Promise<StepScalars> {
    const total = microBatches.reduce((s, b) => s + validTargets(b.targets), 0);
    if (total === 0) throw new Error('a training step with no valid targets');
    const firstValid = validTargets(microBatches[0].targets);
    this.model.setLossScale(1 / total);
    await profile?.start(this.gpu);
    for (const [i, batch] of microBatches.entries()) {
      this.model.setBatch(batch.inputs, batch.targets);
      const forward: Dispatch[] = [...this.model.forward, i === 0 ? this.kernels.firstLossSum : this.kernels.nextLossSum];
      const backward: Dispatch[] = [...this.model.backward];
      // The first micro-batch's gradient alone: the small batch of the noise-scale estimate.
      if (i === 0 && microBatches.length > 1) backward.push(...this.kernels.microNorm);
      if (profile) {
        this.submit(forward);
        await profile.mark('forward');
        this.submit(backward);
        await profile.mark('backward');
      } else this.submit([...forward, ...backward]);
    }
    this.kernels.adamw.update({
      lr: hp.lr,
      beta1: hp.beta1,
      beta2: hp.beta2,
      eps: hp.eps,
      weightDecay: hp.weightDecay,
      step: hp.step,
      clipNorm: hp.clipNorm,
    });
    this.setEwaDecays(hp.ewaDecays);
    this.submit([...this.kernels.batchNorm, this.kernels.adamw.dispatch, ...this.kernels.ewas.map((e) => e.dispatch)]);
    await profile?.mark('optimizer');
    const stats = await this.readStats();
    const batchGradSq = stats[SLOT_BATCH];
    // After the first micro-batch the buffer holds Σ_{mb1} ∇loss / total: rescale to that
    // micro-batch's own mean gradient.
    const microGradSq = microBatches.length > 1 ? stats[SLOT_MICRO] * (total / firstValid) ** 2 : batchGradSq;
    return { loss: stats[SLOT_STEP_LOSS] / total, gradNorm: stats[SLOT_BATCH + 1], microGradSq, batchGradSq };
  }

  private setEwaDecays(decays: readonly number[]): void {
    if (decays.length !== this.kernels.ewas.length) {
      throw new Error(`${decays.length} EWA decays given, the engine keeps ${this.kernels.ewas.length} EWA copies`);
    }
    decays.forEach((ewaDecay, i) => this.kernels.ewas[i].update({ ewaDecay }));
  }

  async evaluate(batches: MicroBatch[], weights: EvalWeights): Promise<number> {
    const { params, backup } = this.buffers;
    const bytes = this.layout.totalBytes;
    if (weights.kind === 'ewa') {
      // Swap the debiased EWA weights in, keeping the raw weights aside; swap back after.
      const debias = this.kernels.debias[weights.index];
      if (!debias) throw new Error(`no EWA copy ${weights.index}: the engine keeps ${this.kernels.debias.length}`);
      debias.update({ ewaDecay: weights.decay, step: weights.step });
      this.submit([debias.dispatch], (e) => e.copyBufferToBuffer(params, 0, backup, 0, bytes));
    }
    let valid = 0;
    let first = true;
    try {
      for (const batch of batches) {
        for (const chunk of this.chunks(batch)) {
          valid += validTargets(chunk.targets);
          this.evalModel.setBatch(chunk.inputs, chunk.targets);
          this.submit([...this.evalModel.forward, first ? this.kernels.evalFirstLossSum : this.kernels.evalNextLossSum]);
          first = false;
        }
      }
    } finally {
      // Whatever happened, training resumes on the raw weights.
      if (weights.kind === 'ewa') this.submit([], (e) => e.copyBufferToBuffer(backup, 0, params, 0, bytes));
    }
    if (valid === 0) throw new Error('the validation set is empty');
    return (await this.readStats())[SLOT_EVAL_LOSS] / valid;
  }

  /** Splits or pads a batch into chunks of exactly the evaluation model's size (padding is ignored). */
  private *chunks(batch: MicroBatch): Generator<{ inputs: Uint32Array; targets: Uint32Array }> {
    const { B, T } = this.evalModel;
    for (let s = 0; s < batch.sequences; s += B) {
      const n = Math.min(B, batch.sequences - s);
      const inputs = new Uint32Array(B * T);
      const targets = new Uint32Array(B * T).fill(IGNORE_TARGET);
      inputs.set(batch.inputs.subarray(s * T, (s + n) * T));
      targets.set(batch.targets.subarray(s * T, (s + n) * T));
      yield { inputs, targets };
    }
  }

  async saveState(): Promise<EngineState> {
    const bytes = this.layout.totalBytes;
    const { params, m, v, ewas } = this.buffers;
    const [p, mm, vv, ...e] = await readBuffers(this.gpu, [params, m, v, ...ewas].map((buffer) => ({ buffer, bytes })));
    return { params: new Float32Array(p), adamM: new Float32Array(mm), adamV: new Float32Array(vv), ewas: e.map((x) => new Float32Array(x)) };
  }

  async loadState(state: EngineState): Promise<void> {
    const expected = this.layout.totalFloats;
    const arrays: [string, Float32Array][] = [['params', state.params], ['adamM', state.adamM], ['adamV', state.adamV], ...state.ewas.map((e, i): [string, Float32Array] => [`ewas[${i}]`, e])];
    for (const [name, data] of arrays) {
      if (data.length !== expected) throw new Error(`checkpoint ${name} has ${data.length} floats, the model needs ${expected}`);
    }
    if (state.ewas.length !== this.buffers.ewas.length) {
      throw new Error(`checkpoint has ${state.ewas.length} EWA copies, the run keeps ${this.buffers.ewas.length}`);
    }
    writeArray(this.gpu, this.buffers.params, state.params);
    writeArray(this.gpu, this.buffers.m, state.adamM);
    writeArray(this.gpu, this.buffers.v, state.adamV);
    state.ewas.forEach((e, i) => writeArray(this.gpu, this.buffers.ewas[i], e));
    await this.gpu.device.queue.onSubmittedWorkDone();
  }

  async exportWeights(): Promise<Float32Array> {
    const [p] = await readBuffers(this.gpu, [{ buffer: this.buffers.params, bytes: this.layout.totalBytes }]);
    return new Float32Array(p);
  }

  destroy(): void {
    this.model.destroy();
    if (this.evalModel !== this.model) this.evalModel.destroy();
    this.kernels.adamw.destroy();
    for (const b of Object.values(this.buffers).flat()) b.destroy();
  }
}

/** Milliseconds per phase of profiled steps (GpuTrainingEngine.step's `profile`), summed over steps. */
export class StepProfile {
  readonly ms = { forward: 0, backward: 0, optimizer: 0 };
  private gpu: GpuContext | null = null;
  private last = 0;

  async start(gpu: GpuContext): Promise<void> {
    this.gpu = gpu;
    await gpu.device.queue.onSubmittedWorkDone();
    this.last = performance.now();
  }

  async mark(phase: keyof StepProfile['ms']): Promise<void> {
    if (!this.gpu) throw new Error('StepProfile.mark before start');
    await this.gpu.device.queue.onSubmittedWorkDone();
    const now = performance.now();
    this.ms[phase] += now - this.last;
    this.last = now;
  }
}
