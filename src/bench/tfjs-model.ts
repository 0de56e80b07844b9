// CBS Lab's decoder LM written the way a TF.js user would write it: TF.js ops, autodiff through
// tf.variableGrads, AdamW by hand with tensor ops. The peer of the throughput comparison
// (docs/peer.md): same architecture as src/model/reference.ts (pre-LN, scale-only LayerNorm
// eps 1e-5, no biases, QK-LayerNorm over the full width, RoPE rotate-half base 10000, causal
// softmax attention, exact-erf GELU MLP of width 4d, untied embeddings, mean cross-entropy that
// ignores targets 0xFFFFFFFF), same flat initial parameters, same AdamW as shaders/adamw.wgsl.
//
// GELU is ½x(1 + erf(x/√2)) with tf.erf: TF.js's erf is the Abramowitz–Stegun 7.1.26 fit
// (|error| < 1.5e-7) on the CPU and WebGPU backends alike, so this is the exact GELU to f32 noise.
//
// TF.js core does not register gradients by itself (the union package @tensorflow/tfjs does);
// registerTfjsGradients() imports them when they are missing.
import { IGNORE_TARGET, LAYER_NORM_EPS, ROPE_BASE } from '../model/config';
import { ropeTable } from '../kernels/rope.plan';
import { buildLayout, type ParameterLayout, type ParamTensor } from '../model/layout';
import type { ModelConfig } from '../model/config';
import type { MicroBatch, StepHyperparameters } from '../train/engine';
import { initTfjsWebgpu } from './tfjs-matmul';

export type Tf = typeof import('@tensorflow/tfjs-core');
type Tensor = import('@tensorflow/tfjs-core').Tensor;
type Variable = import('@tensorflow/tfjs-core').Variable;
type Scalar = import('@tensorflow/tfjs-core').Scalar;

/** Registers TF.js's gradient functions unless some other import already did. */
export async function registerTfjsGradients(tf: Tf): Promise<void> {
  if (tf.getGradient('BatchMatMul')) return;
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  if (!tf.getGradient('BatchMatMul')) throw new Error('TF.js gradients did not register (two copies of tfjs-core?)');
}

/** TF.js on its WebGPU backend, with gradients: what the peer model trains on. */
export async function initTfjsTraining(): Promise<Tf> {
  const tf = await initTfjsWebgpu();
  await registerTfjsGradients(tf);
  return tf;
}

/** The scalars one TF.js step reads back (one readback of two floats). */
export interface TfjsStepScalars {
  loss: number;
  /** Global gradient norm before clipping. */
  gradNorm: number;
}

export interface TfjsTrainResult {
  /** Per step, the mean training loss of the step's batch (before the update). */
  losses: number[];
  gradNorms: number[];
  /** Wall-clock seconds of each step, from upload to the loss read back. */
  stepSeconds: number[];
  /** Tokens (sequences × context) per second over all steps but the first (the first compiles TF.js's shaders); over all when steps = 1. */
  tokensPerSecond: number;
}

function validCount(targets: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] !== IGNORE_TARGET) n++;
  return n;
}

/** Tokens per second over the steps after the first (the warm-up), or over the only step. */
export function steadyTokensPerSecond(stepSeconds: readonly number[], tokensPerStep: number): number {
  const timed = stepSeconds.length > 1 ? stepSeconds.slice(1) : stepSeconds;
  const seconds = timed.reduce((a, b) => a + b, 0);
  return (timed.length * tokensPerStep) / seconds;
}

interface LayerVars {
  attnNorm: Variable;
  wq: Variable;
  wk: Variable;
  wv: Variable;
  qNorm: Variable;
  kNorm: Variable;
  wo: Variable;
  mlpNorm: Variable;
  w1: Variable;
  w2: Variable;
}

export class TfjsModel {
  readonly layout: ParameterLayout;
  readonly config: ModelConfig;
  /** Step counter for AdamW's bias correction when trainSteps numbers the steps. */
  private steps = 0;
  private readonly vars: Variable[];
  private readonly adamM: Variable[];
  private readonly adamV: Variable[];
  private readonly decays: boolean[];
  private readonly tokEmb: Variable;
  private readonly layerVars: LayerVars[];
  private readonly normF: Variable;
  private readonly output: Variable;
  /** cos and sin of RoPE as (1, T, 1, hd/2), per sequence length. */
  private readonly ropeCache = new Map<number, { cos: Tensor; sin: Tensor; mask: Tensor }>();

  private constructor(
    private readonly tf: Tf,
    layout: ParameterLayout,
    params: Float32Array,
  ) {
    this.layout = layout;
    this.config = layout.config;
    if (params.length !== layout.totalFloats) throw new Error(`params has ${params.length} floats, the layout needs ${layout.totalFloats}`);
    const make = (t: ParamTensor) => tf.variable(tf.tensor(params.subarray(t.offset, t.offset + t.size), t.shape, 'float32'), true);
    const byTensor = new Map<ParamTensor, Variable>();
    for (const t of layout.tensors) byTensor.set(t, make(t));
    const get = (t: ParamTensor) => byTensor.get(t)!;
    this.vars = layout.tensors.map(get);
    // LayerNorm scales take no weight decay, as in the lab's engine.
    this.decays = layout.tensors.map((t) => t.kind !== 'norm');
    this.adamM = layout.tensors.map((t) => tf.variable(tf.zeros(t.shape), false));
    this.adamV = layout.tensors.map((t) => tf.variable(tf.zeros(t.shape), false));
    this.tokEmb = get(layout.tokEmbeddings);
    this.layerVars = layout.layers.map((l) => ({
      attnNorm: get(l.attnNorm),
      wq: get(l.wq),
      wk: get(l.wk),
      wv: get(l.wv),
      qNorm: get(l.qNorm),
      kNorm: get(l.kNorm),
      wo: get(l.wo),
      mlpNorm: get(l.mlpNorm),
      w1: get(l.w1),
      w2: get(l.w2),
    }));
    this.normF = get(layout.norm);
    this.output = get(layout.output);
  }

  /** The model with the given flat parameters (the lab's layout, e.g. from initParameters). */
  static create(tf: Tf, config: ModelConfig, params: Float32Array): TfjsModel {
    return new TfjsModel(tf, buildLayout(config), params);
  }

  private tables(T: number): { cos: Tensor; sin: Tensor; mask: Tensor } {
    let t = this.ropeCache.get(T);
    if (!t) {
      const tf = this.tf;
      const hd = this.config.dModel / this.config.heads;
      const half = hd / 2;
      // The lab's own angle table (interleaved cos, sin), so both models rotate by the same angles.
      const table = ropeTable(T, hd, ROPE_BASE);
      const cos = new Float32Array(T * half);
      const sin = new Float32Array(T * half);
      for (let j = 0; j < T * half; j++) {
        cos[j] = table[2 * j];
        sin[j] = table[2 * j + 1];
      }
      // Additive causal mask: 0 on and below the diagonal, −1e9 above (exp underflows to 0).
      const mask = new Float32Array(T * T);
      for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) mask[i * T + j] = -1e9;
      // Kept: the first call may come from inside a tidy, which would dispose them.
      t = { cos: tf.keep(tf.tensor4d(cos, [1, T, 1, half])), sin: tf.keep(tf.tensor4d(sin, [1, T, 1, half])), mask: tf.keep(tf.tensor2d(mask, [T, T])) };
      this.ropeCache.set(T, t);
    }
    return t;
  }

  /** Scale-only LayerNorm over the last axis (biased variance, eps 1e-5). */
  private layerNorm(x: Tensor, w: Tensor): Tensor {
    const tf = this.tf;
    const mean = tf.mean(x, -1, true);
    const xc = tf.sub(x, mean);
    const variance = tf.mean(tf.square(xc), -1, true);
    return tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, LAYER_NORM_EPS))), w);
  }

  /** y = x·Wᵀ for W in PyTorch (out, in) order. */
  private linear(x: Tensor, w: Tensor): Tensor {
    return this.tf.matMul(x, w, false, true);
  }

  /** RoPE, NeoX rotate-half, on (B, T, H, hd). */
  private rope(x: Tensor, cos: Tensor, sin: Tensor): Tensor {
    const tf = this.tf;
    const [x1, x2] = tf.split(x, 2, -1);
    return tf.concat([tf.sub(tf.mul(x1, cos), tf.mul(x2, sin)), tf.add(tf.mul(x2, cos), tf.mul(x1, sin))], -1);
  }

  /**
   * The mean cross-entropy of a batch as a scalar tensor (tracked by the caller's tidy or
   * variableGrads). `inputs` and `targets` are int32 (N) tensors; ignored targets are −1, which
   * tf.oneHot turns into an all-zero row, so they add nothing; `valid` is the count of the others.
   */
  lossTensor(inputs: Tensor, targets: Tensor, batch: number, seqLen: number, valid: number): Scalar {
    const tf = this.tf;
    const { dModel: C, heads: H, vocabSize: V } = this.config;
    const hd = C / H;
    const B = batch;
    const T = seqLen;
    const N = B * T;
    const { cos, sin, mask } = this.tables(T);
    let x = tf.gather(this.tokEmb, inputs); // (N, C)
    const heads = (t: Tensor) => tf.reshape(t, [B, T, H, hd]);
    for (const p of this.layerVars) {
      const h1 = this.layerNorm(x, p.attnNorm);
      const q = this.rope(heads(this.layerNorm(this.linear(h1, p.wq), p.qNorm)), cos, sin);
      const k = this.rope(heads(this.layerNorm(this.linear(h1, p.wk), p.kNorm)), cos, sin);
      const v = heads(this.linear(h1, p.wv));
      const toBh = (t: Tensor) => tf.transpose(t, [0, 2, 1, 3]); // (B, H, T, hd)
      const scores = tf.add(tf.mul(tf.matMul(toBh(q), toBh(k), false, true), 1 / Math.sqrt(hd)), mask);
      const att = tf.matMul(tf.softmax(scores), toBh(v)); // (B, H, T, hd)
      const attnOut = tf.reshape(tf.transpose(att, [0, 2, 1, 3]), [N, C]);
      x = tf.add(x, this.linear(attnOut, p.wo));
      const fc = this.linear(this.layerNorm(x, p.mlpNorm), p.w1);
      const gelu = tf.mul(tf.mul(fc, 0.5), tf.add(tf.erf(tf.mul(fc, Math.SQRT1_2)), 1));
      x = tf.add(x, this.linear(gelu, p.w2));
    }
    const logits = this.linear(this.layerNorm(x, this.normF), this.output); // (N, V)
    const picked = tf.sum(tf.mul(tf.logSoftmax(logits), tf.oneHot(targets, V)));
    return tf.div<Scalar>(tf.neg(picked), valid);
  }

  private batchTensors(batch: MicroBatch): { inputs: Tensor; targets: Tensor; T: number; valid: number } {
    const tf = this.tf;
    const n = batch.inputs.length;
    if (n % batch.sequences !== 0 || batch.targets.length !== n) throw new Error('inputs and targets must hold sequences × length ids');
    const T = n / batch.sequences;
    if (T > this.config.context) throw new Error(`sequence length ${T} exceeds the context ${this.config.context}`);
    const valid = validCount(batch.targets);
    if (valid === 0) throw new Error('a batch with no valid targets');
    // Ids are below 2³¹; IGNORE_TARGET (0xFFFFFFFF) reads as −1 in int32.
    const inputs = tf.tensor1d(new Int32Array(batch.inputs.buffer, batch.inputs.byteOffset, n), 'int32');
    const targets = tf.tensor1d(new Int32Array(batch.targets.buffer, batch.targets.byteOffset, n), 'int32');
    return { inputs, targets, T, valid };
  }

  /** The mean loss of a batch with the current weights (no update). */
  async loss(batch: MicroBatch): Promise<number> {
    const { inputs, targets, T, valid } = this.batchTensors(batch);
    const out = this.tf.tidy(() => this.lossTensor(inputs, targets, batch.sequences, T, valid));
    const [value] = await out.data();
    [out, inputs, targets].forEach((t) => t.dispose());
    return value;
  }

  /** Loss and d loss / d params in the lab's flat layout (for checks against the reference). */
  async lossAndGradient(batch: MicroBatch): Promise<{ loss: number; grad: Float32Array }> {
    const tf = this.tf;
    const { inputs, targets, T, valid } = this.batchTensors(batch);
    const { value, grads } = tf.variableGrads(() => this.lossTensor(inputs, targets, batch.sequences, T, valid), this.vars);
    const grad = new Float32Array(this.layout.totalFloats);
    for (let i = 0; i < this.vars.length; i++) {
      grad.set(await grads[this.vars[i].name].data(), this.layout.tensors[i].offset);
    }
    const [loss] = await value.data();
    [value, inputs, targets, ...Object.values(grads)].forEach((t) => t.dispose());
    return { loss, grad };
  }

  /**
   * One optimizer step on one batch: loss and gradients by autodiff, global-norm clipping
   * (scale min(1, clip / (‖g‖ + 1e-6))), then AdamW exactly as shaders/adamw.wgsl:
   * θ ← θ(1 − lr·wd) [not LayerNorm scales]; m ← β1m + (1−β1)g; v ← β2v + (1−β2)g²;
   * θ ← θ − (lr/bc1)·m / (√v/√bc2 + eps). Reads back the loss and the norm (one readback).
   */
  async step(batch: MicroBatch, hp: StepHyperparameters): Promise<TfjsStepScalars> {
    const tf = this.tf;
    const { inputs, targets, T, valid } = this.batchTensors(batch);
    const bc1 = 1 - hp.beta1 ** hp.step;
    const bc2 = 1 - hp.beta2 ** hp.step;
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => this.lossTensor(inputs, targets, batch.sequences, T, valid), this.vars);
      const gs = this.vars.map((v) => grads[v.name]);
      // A chain of adds, not tf.addN: WebGPU's AddN binds every input at once and fails past
      // the adapter's storage-buffer limit (8 by default) for models of more than a few tensors.
      const norm = tf.sqrt(gs.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
      const clip = hp.clipNorm > 0 ? tf.minimum(1, tf.div(hp.clipNorm, tf.add(norm, 1e-6))) : tf.scalar(1);
      for (let i = 0; i < this.vars.length; i++) {
        const w = this.vars[i];
        const g = tf.mul(gs[i], clip);
        const m = tf.add(tf.mul(this.adamM[i], hp.beta1), tf.mul(g, 1 - hp.beta1));
        const v = tf.add(tf.mul(this.adamV[i], hp.beta2), tf.mul(tf.square(g), 1 - hp.beta2));
        const decayed = this.decays[i] && hp.weightDecay !== 0 ? tf.mul(w, 1 - hp.lr * hp.weightDecay) : w;
        const update = tf.div(m, tf.add(tf.div(tf.sqrt(v), Math.sqrt(bc2)), hp.eps));
        this.adamM[i].assign(m);
        this.adamV[i].assign(v);
        w.assign(tf.sub(decayed, tf.mul(update, hp.lr / bc1)));
      }
      return tf.stack([value, norm]);
    });
    const [loss, gradNorm] = await out.data();
    [out, inputs, targets].forEach((t) => t.dispose());
    this.steps = hp.step;
    return { loss, gradNorm };
  }

  /**
   * `steps` optimizer steps on batches[0], batches[1], … (cycling), numbered from the model's
   * last step + 1 (hp.step is overridden). Each step is timed from upload to the loss read back,
   * as the lab's engine is.
   */
  async trainSteps(batches: MicroBatch[], hp: StepHyperparameters, steps: number): Promise<TfjsTrainResult> {
    if (batches.length === 0) throw new Error('trainSteps needs at least one batch');
    const losses: number[] = [];
    const gradNorms: number[] = [];
    const stepSeconds: number[] = [];
    for (let s = 0; s < steps; s++) {
      const batch = batches[s % batches.length];
      const started = performance.now();
      const r = await this.step(batch, { ...hp, step: this.steps + 1 });
      stepSeconds.push((performance.now() - started) / 1000);
      losses.push(r.loss);
      gradNorms.push(r.gradNorm);
    }
    const tokensPerStep = batches[0].inputs.length;
    return { losses, gradNorms, stepSeconds, tokensPerSecond: steadyTokensPerSecond(stepSeconds, tokensPerStep) };
  }

  /** The weights in the lab's flat layout (padding zero). */
  async exportWeights(): Promise<Float32Array> {
    const flat = new Float32Array(this.layout.totalFloats);
    for (let i = 0; i < this.vars.length; i++) flat.set(await this.vars[i].data(), this.layout.tensors[i].offset);
    return flat;
  }

  dispose(): void {
    for (const v of [...this.vars, ...this.adamM, ...this.adamV]) v.dispose();
    for (const t of this.ropeCache.values()) [t.cos, t.sin, t.mask].forEach((x) => x.dispose());
    this.ropeCache.clear();
  }
}
