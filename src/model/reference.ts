// The whole decoder LM in float64 TypeScript: forward (mean cross-entropy, optionally the logits)
// and an explicit backward giving the gradient of the mean loss with respect to every parameter,
// in the flat layout of ./layout.ts. It has no op of its own: every op is its kernel's float64
// reference (src/kernels/*.ref.ts), composed as llm.c's gpt2_forward composes layernorm_forward
// and the rest, and as ./gpu-model.ts composes the GPU kernels. No autodiff: the forward reads top
// to bottom, the backward bottom to top. This is the ground truth the GPU model is checked
// against; it is slow, so it is for tiny configs only.
//
// Shapes: B sequences of T tokens, N = B·T rows, C = d_model, H heads of hd = C/H, F = 4·C, V vocab.
// Activations are row-major (N, C); linear weights are (out, in) and y = x·Wᵀ.
import type { AttentionShape } from '../kernels/attention.plan';
import { attentionBackwardRef, attentionForwardRef } from '../kernels/attention.ref';
import { countTargets, crossEntropyRef, sumRef } from '../kernels/cross-entropy.ref';
import { addRef } from '../kernels/elementwise.ref';
import { embeddingBackwardRef, embeddingForwardRef } from '../kernels/embedding.ref';
import { geluBackwardRef, geluRef } from '../kernels/gelu.ref';
import { layerNormBackwardRef, layerNormForwardRef, type LayerNormShape } from '../kernels/layernorm.ref';
import { matmulRef } from '../kernels/matmul.ref';
import type { RopeShape } from '../kernels/rope.plan';
import { ropeRef } from '../kernels/rope.ref';
import { IGNORE_TARGET, LAYER_NORM_EPS, MLP_RATIO, ROPE_BASE } from './config';
import type { ParamTensor, ParameterLayout } from './layout';

export interface ReferenceBatch {
  /** N = batch·seqLen token ids, row-major (sequence, position). */
  tokens: ArrayLike<number>;
  /** N next-token targets; IGNORE_TARGET (0xFFFFFFFF) marks a position the loss ignores. */
  targets: ArrayLike<number>;
  batch: number;
  /** Tokens per sequence, at most the config's context. */
  seqLen: number;
}

/** The shapes every op of one batch runs at. */
interface Shapes {
  N: number;
  C: number;
  F: number;
  V: number;
  norm: LayerNormShape;
  rope: RopeShape;
  attention: AttentionShape;
}

function shapesOf(layout: ParameterLayout, batch: ReferenceBatch): Shapes {
  const { dModel: C, heads: H, vocabSize: V } = layout.config;
  const { batch: B, seqLen: T } = batch;
  const N = B * T;
  return {
    N,
    C,
    F: MLP_RATIO * C,
    V,
    norm: { rows: N, cols: C, eps: LAYER_NORM_EPS },
    rope: { rows: N, seqLen: T, heads: H, headDim: C / H, base: ROPE_BASE },
    attention: { batch: B, seqLen: T, heads: H, headDim: C / H },
  };
}

// A linear layer is the matmul kernel with B transposed, as ./gpu-model.ts runs it.
/** y (rows, out) = x (rows, in)·Wᵀ, W (out, in). */
function linearForward(x: ArrayLike<number>, w: ArrayLike<number>, rows: number, inputs: number, outputs: number): Float64Array {
  return matmulRef(x, w, { M: rows, N: outputs, K: inputs, transB: true });
}
/** dW += dyᵀ·x into `dw`; returns dx = dy·W, plus `dxInitial` when given. */
function linearBackward(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dw: Float64Array,
  rows: number,
  inputs: number,
  outputs: number,
  dxInitial?: ArrayLike<number>,
): Float64Array {
  dw.set(matmulRef(dy, x, { M: outputs, N: inputs, K: rows, transA: true }, dw));
  return matmulRef(dy, w, { M: rows, N: inputs, K: outputs }, dxInitial);
}

/** The activations a layer's backward reads, named after docs/model.md's equations. */
interface LayerActivations {
  /** The layer's input, and the first LayerNorm's. */
  xIn: Float64Array;
  /** LN1(xIn): the input of wq, wk and wv. */
  h1: Float64Array;
  /** wq·h1 and wk·h1, the inputs of QK-LayerNorm. */
  qPre: Float64Array;
  kPre: Float64Array;
  /** The attention's inputs: q and k after QK-LayerNorm and RoPE, and v. */
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  /** The attention's output, the input of wo. */
  attnOut: Float64Array;
  /** xIn + attention block: the MLP block's input. */
  xMid: Float64Array;
  /** LN2(xMid): the input of w1. */
  h2: Float64Array;
  /** w1·h2 before and after GELU. */
  fc: Float64Array;
  fcGelu: Float64Array;
}

interface ForwardCache {
  layers: LayerActivations[];
  xFinal: Float64Array;
  hf: Float64Array;
  logits: Float64Array;
  /** d loss / d logits, which the fused cross-entropy gives with the loss. */
  dlogits: Float64Array;
  loss: number;
  valid: number;
}

function checkBatch(layout: ParameterLayout, params: ArrayLike<number>, batch: ReferenceBatch): void {
  const cfg = layout.config;
  const N = batch.batch * batch.seqLen;
  if (params.length !== layout.totalFloats) throw new Error(`params has ${params.length} floats, layout needs ${layout.totalFloats}.`);
  if (!(batch.seqLen >= 1 && batch.seqLen <= cfg.context)) throw new Error(`seqLen ${batch.seqLen} must be in [1, context ${cfg.context}].`);
  if (batch.tokens.length !== N || batch.targets.length !== N) throw new Error(`tokens and targets must hold batch·seqLen = ${N} ids.`);
  for (let n = 0; n < N; n++) {
    const t = batch.tokens[n];
    if (!(Number.isInteger(t) && t >= 0 && t < cfg.vocabSize)) throw new Error(`token ${t} at row ${n} is outside the vocabulary (${cfg.vocabSize}).`);
    // The kernel ignores every target ≥ V; here only IGNORE_TARGET is meant that way.
    const target = batch.targets[n];
    if (target !== IGNORE_TARGET && !(target >= 0 && target < cfg.vocabSize)) {
      throw new Error(`target ${target} at row ${n} is outside the vocabulary (${cfg.vocabSize}).`);
    }
  }
}

function asFloat64(params: ArrayLike<number>): Float64Array {
  return params instanceof Float64Array ? params : Float64Array.from(params);
}

function tensorOf(flat: Float64Array): (t: ParamTensor) => Float64Array {
  return (t) => flat.subarray(t.offset, t.offset + t.size);
}

function forwardWithCache(layout: ParameterLayout, paramsIn: ArrayLike<number>, batch: ReferenceBatch): ForwardCache {
  checkBatch(layout, paramsIn, batch);
  const P = tensorOf(asFloat64(paramsIn));
  const s = shapesOf(layout, batch);
  const { N, C, F, V } = s;

  let x = embeddingForwardRef(batch.tokens, P(layout.tokEmbeddings), V, C);
  const layers: LayerActivations[] = [];
  for (const p of layout.layers) {
    // Attention block: xMid = xIn + wo·attention(rope(LNq(wq·h1)), rope(LNk(wk·h1)), wv·h1), h1 = LN1(xIn).
    const xIn = x;
    const h1 = layerNormForwardRef(xIn, P(p.attnNorm), s.norm).y;
    const qPre = linearForward(h1, P(p.wq), N, C, C);
    const kPre = linearForward(h1, P(p.wk), N, C, C);
    const v = linearForward(h1, P(p.wv), N, C, C);
    const q = ropeRef(layerNormForwardRef(qPre, P(p.qNorm), s.norm).y, s.rope);
    const k = ropeRef(layerNormForwardRef(kPre, P(p.kNorm), s.norm).y, s.rope);
    const attnOut = attentionForwardRef(q, k, v, s.attention).o;
    const xMid = addRef(xIn, linearForward(attnOut, P(p.wo), N, C, C));
    // MLP block: x = xMid + w2·gelu(w1·LN2(xMid)).
    const h2 = layerNormForwardRef(xMid, P(p.mlpNorm), s.norm).y;
    const fc = linearForward(h2, P(p.w1), N, C, F);
    const fcGelu = geluRef(fc);
    x = addRef(xMid, linearForward(fcGelu, P(p.w2), N, F, C));
    layers.push({ xIn, h1, qPre, kPre, q, k, v, attnOut, xMid, h2, fc, fcGelu });
  }

  const hf = layerNormForwardRef(x, P(layout.norm), s.norm).y;
  const logits = linearForward(hf, P(layout.output), N, C, V);
  // Mean over the valid targets: per-row losses summed and divided by their count, and dlogits
  // scaled by 1/count (the trainer's loss scale). With no valid target the loss is 0.
  const valid = countTargets(batch.targets, V);
  const { losses, dlogits } = crossEntropyRef(logits, batch.targets, N, V, valid > 0 ? 1 / valid : 0);
  const loss = valid > 0 ? sumRef(losses) / valid : 0;
  return { layers, xFinal: x, hf, logits, dlogits, loss, valid };
}

export interface ReferenceForwardResult {
  /** Mean cross-entropy over the valid (non-ignored) targets; 0 when there are none. */
  loss: number;
  validTargets: number;
  /** (N, V) row-major logits. */
  logits: Float64Array;
}

/** The forward pass in float64: loss and logits. `params` is the flat layout (f32 or f64). */
export function referenceForward(layout: ParameterLayout, params: ArrayLike<number>, batch: ReferenceBatch): ReferenceForwardResult {
  const cache = forwardWithCache(layout, params, batch);
  return { loss: cache.loss, validTargets: cache.valid, logits: cache.logits };
}

/** Just the loss (for finite differences). */
export function referenceLoss(layout: ParameterLayout, params: ArrayLike<number>, batch: ReferenceBatch): number {
  return forwardWithCache(layout, params, batch).loss;
}

export interface ReferenceGradientResult {
  loss: number;
  validTargets: number;
  /** d loss / d params, in the flat layout (padding is zero). */
  grad: Float64Array;
}

/** Forward, then the explicit backward: the gradient of the mean loss wrt every parameter. */
export function referenceLossAndGradient(layout: ParameterLayout, paramsIn: ArrayLike<number>, batch: ReferenceBatch): ReferenceGradientResult {
  const cache = forwardWithCache(layout, paramsIn, batch);
  const P = tensorOf(asFloat64(paramsIn));
  const grad = new Float64Array(layout.totalFloats);
  const G = tensorOf(grad);
  const s = shapesOf(layout, batch);
  const { N, C, F, V } = s;
  /** LayerNorm's backward: dW into the gradient, dx returned (added to `dxInitial`: the residual's gradient). */
  const layerNormBackward = (dy: Float64Array, x: Float64Array, w: ParamTensor, dxInitial?: Float64Array): Float64Array => {
    const { dx, dweight } = layerNormBackwardRef(dy, x, P(w), s.norm, dxInitial);
    G(w).set(dweight);
    return dx;
  };

  // Output head and final norm.
  const dhf = linearBackward(cache.dlogits, cache.hf, P(layout.output), G(layout.output), N, C, V);
  let dx = layerNormBackward(dhf, cache.xFinal, layout.norm);

  // Layers, last to first. dx is the gradient wrt the layer's output.
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const p = layout.layers[l];
    const a = cache.layers[l];
    // MLP block: x = xMid + w2·gelu(w1·LN2(xMid)). The residual passes dx to both of its inputs.
    const dfcGelu = linearBackward(dx, a.fcGelu, P(p.w2), G(p.w2), N, F, C);
    const dfc = geluBackwardRef(a.fc, dfcGelu);
    const dh2 = linearBackward(dfc, a.h2, P(p.w1), G(p.w1), N, C, F);
    const dxMid = layerNormBackward(dh2, a.xMid, p.mlpNorm, dx);

    // Attention block: xMid = xIn + wo·attention(rope(LNq(wq·h1)), rope(LNk(wk·h1)), wv·h1).
    const dattnOut = linearBackward(dxMid, a.attnOut, P(p.wo), G(p.wo), N, C, C);
    const { dq, dk, dv } = attentionBackwardRef(a.q, a.k, a.v, dattnOut, s.attention);
    // RoPE is a rotation: its backward rotates the gradient back.
    const dqPre = layerNormBackward(ropeRef(dq, s.rope, true), a.qPre, p.qNorm);
    const dkPre = layerNormBackward(ropeRef(dk, s.rope, true), a.kPre, p.kNorm);
    let dh1 = linearBackward(dqPre, a.h1, P(p.wq), G(p.wq), N, C, C);
    dh1 = linearBackward(dkPre, a.h1, P(p.wk), G(p.wk), N, C, C, dh1);
    dh1 = linearBackward(dv, a.h1, P(p.wv), G(p.wv), N, C, C, dh1);
    dx = layerNormBackward(dh1, a.xIn, p.attnNorm, dxMid);
  }

  G(layout.tokEmbeddings).set(embeddingBackwardRef(batch.tokens, dx, V, C));
  return { loss: cache.loss, validTargets: cache.valid, grad };
}
