// The decoder LM on the GPU: forward and backward composed from the kernels of src/kernels/.
// Everything is built once per micro-batch size: activation buffers, uniforms, bind groups and
// the two dispatch lists. A training step only uploads the micro-batch's ids and encodes
// `forward` then `backward`; nothing is allocated per step.
//
// Each op's backward is prepared right beside its forward (same buffers, same shapes); the
// backward list is then read in reverse. The float64 reference in ./reference.ts is the same
// model, op for op, and the checks in e2e/checks/model.check.ts compare the two.
//
// Gradients ACCUMULATE (+=) into the flat gradient buffer, so micro-batches sum without a copy;
// the trainer zeroes it between optimizer steps and sets the loss scale to 1/(valid targets in
// the whole step), which makes the sum the gradient of the step's mean loss.
import { createStorage, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';
import { prepareAttentionBackward, prepareAttentionForward } from '../kernels/attention';
import { ATTENTION_MAX_HEAD_DIM } from '../kernels/attention.plan';
import { prepareCrossEntropy, type CrossEntropy } from '../kernels/cross-entropy';
import { prepareAddInPlace } from '../kernels/elementwise';
import { prepareEmbeddingBackward, prepareEmbeddingForward, type EmbeddingBackward } from '../kernels/embedding';
import { prepareGeluBackward, prepareGeluForward } from '../kernels/gelu';
import { prepareLayerNormBackward, prepareLayerNormForward } from '../kernels/layernorm';
import { layerNormScratchFloats } from '../kernels/layernorm.plan';
import { prepareMatmulSteps } from '../kernels/matmul';
import { prepareRope } from '../kernels/rope';
import { LAYER_NORM_EPS, MLP_RATIO, ROPE_BASE } from './config';
import type { ParamTensor, ParameterLayout } from './layout';

export interface GpuModelArgs {
  layout: ParameterLayout;
  /** The flat f32 parameter buffer (layout.totalBytes), read only here. */
  params: GPUBuffer;
  /** The flat f32 gradient buffer of the same layout, accumulated into (+=) by `backward`. */
  grads: GPUBuffer;
  /** Sequences per micro-batch. */
  microBatch: number;
  /** Tokens per sequence; defaults to the context. */
  seqLen?: number;
  label?: string;
}

export interface GpuModel {
  layout: ParameterLayout;
  B: number;
  T: number;
  /** B·T rows. */
  N: number;
  /** u32 input ids (N), written by setBatch. */
  tokens: GPUBuffer;
  /** u32 targets (N), written by setBatch. */
  targets: GPUBuffer;
  /** f32 per-row losses (N): −log softmax at the target, 0 on ignored rows (after `forward`). */
  losses: GPUBuffer;
  /**
   * Embedding → layers → final norm → logits → cross-entropy. The cross-entropy writes the
   * per-row losses and turns the logits into dlogits in place (scaled by the loss scale), so
   * `backward` must follow the forward of the same micro-batch. Evaluation encodes `forward` alone.
   */
  forward: Dispatch[];
  /** Gradients of Σ_rows loss·scale, accumulated into `grads`. */
  backward: Dispatch[];
  /**
   * Uploads a micro-batch (N ids each) and builds the embedding backward's index. Queue-ordered:
   * submit this micro-batch's commands before calling setBatch again.
   */
  setBatch(tokens: Uint32Array, targets: Uint32Array): void;
  /** dlogits = (softmax − onehot)·scale; 1 / (valid targets in the step) gives the mean loss. */
  setLossScale(scale: number): void;
  /** Bytes of activation and scratch buffers this model allocated. */
  activationBytes: number;
  destroy(): void;
}

/** A parameter (or gradient) tensor as a slice of the flat buffer. */
function slice(buffer: GPUBuffer, t: ParamTensor): GPUBufferBinding {
  return { buffer, offset: t.offset * 4, size: t.size * 4 };
}

export async function prepareGpuModel(gpu: GpuContext, args: GpuModelArgs): Promise<GpuModel> {
  const { layout } = args;
  const { dModel: C, heads: H, vocabSize: V } = layout.config;
  const hd = C / H;
  const F = MLP_RATIO * C;
  const B = args.microBatch;
  const T = args.seqLen ?? layout.config.context;
  const N = B * T;
  const name = args.label ?? 'model';
  if (!Number.isInteger(B) || B < 1) throw new Error(`${name}: microBatch must be a positive integer, got ${B}.`);
  if (!Number.isInteger(T) || T < 1 || T > layout.config.context) throw new Error(`${name}: seqLen ${T} must be in [1, ${layout.config.context}].`);
  if (hd > ATTENTION_MAX_HEAD_DIM) throw new Error(`${name}: head dimension ${hd} exceeds the attention kernel's ${ATTENTION_MAX_HEAD_DIM}.`);
  if (args.params.size < layout.totalBytes || args.grads.size < layout.totalBytes) {
    throw new Error(`${name}: params and grads buffers need ${layout.totalBytes} bytes each.`);
  }

  const owned: GPUBuffer[] = [];
  let activationBytes = 0;
  const buffer = (floats: number, label: string): GPUBuffer => {
    const b = createStorage(gpu, floats, `${name}: ${label}`);
    owned.push(b);
    activationBytes += b.size;
    return b;
  };
  const P = (t: ParamTensor) => slice(args.params, t);
  const G = (t: ParamTensor) => slice(args.grads, t);

  // Inputs and the loss.
  const tokens = buffer(N, 'tokens');
  const targets = buffer(N, 'targets');
  const losses = buffer(N, 'losses');

  // Backward scratch, shared by every layer (layers run one after another).
  const dResid = buffer(N * C, 'd residual'); // running gradient of the residual stream
  const dH = buffer(N * C, 'd LN output');
  const dFc = buffer(N * F, 'd MLP hidden');
  const dAttnOut = buffer(N * C, 'd attention output');
  const dq = buffer(N * C, 'dq');
  const dk = buffer(N * C, 'dk');
  const dv = buffer(N * C, 'dv');
  const dqPre = buffer(N * C, 'dq before QK-LN');
  const dkPre = buffer(N * C, 'dk before QK-LN');
  const delta = buffer(B * H * T, 'attention delta');
  const lnScratch = buffer(layerNormScratchFloats(N, C), 'layernorm dw scratch');

  const forward: Dispatch[] = [];
  const backwardReversed: Dispatch[][] = [];
  /** Registers one op: its forward dispatches, and its backward's (run in reverse op order). */
  const op = (fwd: Dispatch | Dispatch[], bwd: Dispatch | Dispatch[] = []) => {
    forward.push(...(Array.isArray(fwd) ? fwd : [fwd]));
    backwardReversed.push(Array.isArray(bwd) ? bwd : [bwd]);
  };

  // y (rows, out) = x (rows, in)·Wᵀ; backward: dx (=|+=) dy·W, dW += dyᵀ·x.
  const linear = async (x: GpuTensor, w: ParamTensor, y: GpuTensor, dy: GpuTensor, dx: GpuTensor | null, accumulateDx: boolean, label: string) => {
    const [out, inp] = w.shape;
    // Each matmul is split over K when its output has too few tiles to fill the GPU (above all dW:
    // small output, K = rows); one scratch per device serves every split (kernels/matmul.ts).
    op(
      await prepareMatmulSteps(gpu, { a: x, b: P(w), c: y, M: N, N: out, K: inp, transB: true, label: `${label} fwd` }),
      [
        ...(dx ? await prepareMatmulSteps(gpu, { a: dy, b: P(w), c: dx, M: N, N: inp, K: out, accumulate: accumulateDx, label: `${label} dx` }) : []),
        ...(await prepareMatmulSteps(gpu, { a: dy, b: x, c: G(w), M: out, N: inp, K: N, transA: true, accumulate: true, label: `${label} dW` })),
      ],
    );
  };
  // LayerNorm (scale, no bias); backward: dx (=|+=) …, dw += ….
  const layerNorm = async (x: GpuTensor, w: ParamTensor, y: GpuTensor, dy: GpuTensor, dx: GpuTensor, accumulateDx: boolean, label: string) => {
    const mean = buffer(N, `${label} mean`);
    const rstd = buffer(N, `${label} rstd`);
    op(
      await prepareLayerNormForward(gpu, { x, weight: P(w), y, mean, rstd, rows: N, cols: C, eps: LAYER_NORM_EPS, label: `${label} fwd` }),
      await prepareLayerNormBackward(gpu, {
        dy, x, weight: P(w), mean, rstd, dx, dweight: G(w), scratch: lnScratch, rows: N, cols: C, accumulateDx, accumulateDweight: true, label: `${label} bwd`,
      }),
    );
  };

  // Token embedding: x0 = W_emb[tokens]; backward: dW_emb[id] += Σ dx0 over id's positions.
  const resid: GPUBuffer[] = [buffer(N * C, 'x0')];
  const embeddingBackward: EmbeddingBackward = await prepareEmbeddingBackward(gpu, {
    dOut: dResid, dTable: G(layout.tokEmbeddings), rows: N, cols: C, vocab: V, label: `${name} embedding bwd`,
  });
  op(
    await prepareEmbeddingForward(gpu, { tokens, table: P(layout.tokEmbeddings), out: resid[0], rows: N, cols: C, vocab: V, label: `${name} embedding fwd` }),
    embeddingBackward.dispatch,
  );

  for (let l = 0; l < layout.layers.length; l++) {
    const p = layout.layers[l];
    const tag = `${name} L${l}`;
    const xIn = resid[l];
    const h1 = buffer(N * C, `L${l} h1`);
    const qPre = buffer(N * C, `L${l} q pre-LN`);
    const kPre = buffer(N * C, `L${l} k pre-LN`);
    const q = buffer(N * C, `L${l} q`);
    const k = buffer(N * C, `L${l} k`);
    const v = buffer(N * C, `L${l} v`);
    const attnOut = buffer(N * C, `L${l} attention out`);
    const lse = buffer(B * H * T, `L${l} attention lse`);
    const xMid = buffer(N * C, `L${l} x mid`);
    const h2 = buffer(N * C, `L${l} h2`);
    const fc = buffer(N * F, `L${l} fc`);
    const fcGelu = buffer(N * F, `L${l} gelu`);
    const xOut = buffer(N * C, `x${l + 1}`);
    resid.push(xOut);

    // ---- Attention block: xMid = xIn + Wo·attn(RoPE(LNq(Wq h1)), RoPE(LNk(Wk h1)), Wv h1), h1 = LN1(xIn).
    // dResid holds dL/dxMid when the backward reaches this block; LN1's backward adds into it.
    await layerNorm(xIn, p.attnNorm, h1, dH, dResid, true, `${tag} attn_norm`);
    // dH = dqPre·Wq + dkPre·Wk + dv·Wv: the first overwrites, the next two accumulate. In the
    // reversed backward list wv's backward runs first, so wv overwrites and wq, wk accumulate.
    await linear(h1, p.wq, qPre, dqPre, dH, true, `${tag} wq`);
    await linear(h1, p.wk, kPre, dkPre, dH, true, `${tag} wk`);
    await linear(h1, p.wv, v, dv, dH, false, `${tag} wv`);
    await layerNorm(qPre, p.qNorm, q, dq, dqPre, false, `${tag} q_norm`);
    await layerNorm(kPre, p.kNorm, k, dk, dkPre, false, `${tag} k_norm`);
    // RoPE in place on q and k; backward: the inverse rotation in place on dq and dk.
    op(
      [
        await prepareRope(gpu, { x: q, rows: N, seqLen: T, heads: H, headDim: hd, base: ROPE_BASE, label: `${tag} rope q` }),
        await prepareRope(gpu, { x: k, rows: N, seqLen: T, heads: H, headDim: hd, base: ROPE_BASE, label: `${tag} rope k` }),
      ],
      [
        await prepareRope(gpu, { x: dq, rows: N, seqLen: T, heads: H, headDim: hd, base: ROPE_BASE, inverse: true, label: `${tag} rope⁻¹ dq` }),
        await prepareRope(gpu, { x: dk, rows: N, seqLen: T, heads: H, headDim: hd, base: ROPE_BASE, inverse: true, label: `${tag} rope⁻¹ dk` }),
      ],
    );
    const shape = { batch: B, seqLen: T, heads: H, headDim: hd };
    op(
      await prepareAttentionForward(gpu, { q, k, v, o: attnOut, lse, ...shape, label: `${tag} attention fwd` }),
      await prepareAttentionBackward(gpu, { q, k, v, o: attnOut, lse, dO: dAttnOut, dq, dk, dv, delta, ...shape, label: `${tag} attention bwd` }),
    );
    // Output projection into xMid, then the residual add (backward: dResid flows to both).
    await linear(attnOut, p.wo, xMid, dResid, dAttnOut, false, `${tag} wo`);
    op(await prepareAddInPlace(gpu, { x: xMid, y: xIn, count: N * C, label: `${tag} residual 1` }));

    // ---- MLP block: xOut = xMid + W2·GELU(W1·LN2(xMid)).
    await layerNorm(xMid, p.mlpNorm, h2, dH, dResid, true, `${tag} mlp_norm`);
    await linear(h2, p.w1, fc, dFc, dH, false, `${tag} w1`);
    op(
      await prepareGeluForward(gpu, { x: fc, y: fcGelu, count: N * F, label: `${tag} gelu fwd` }),
      await prepareGeluBackward(gpu, { x: fc, dy: dFc, dx: dFc, count: N * F, label: `${tag} gelu bwd` }),
    );
    await linear(fcGelu, p.w2, xOut, dResid, dFc, false, `${tag} w2`);
    op(await prepareAddInPlace(gpu, { x: xOut, y: xMid, count: N * C, label: `${tag} residual 2` }));
  }

  // Final norm, logits, loss. LN_f's backward starts dResid (overwrite).
  const hf = buffer(N * C, 'final norm out');
  const logits = buffer(N * V, 'logits / dlogits');
  await layerNorm(resid[layout.layers.length], layout.norm, hf, dH, dResid, false, `${name} norm`);
  await linear(hf, layout.output, logits, logits, dH, false, `${name} output`);
  const crossEntropy: CrossEntropy = await prepareCrossEntropy(gpu, { logits, targets, losses, rows: N, vocab: V, scale: 1 / N, label: `${name} cross-entropy` });
  op(crossEntropy.dispatch);

  const backward = backwardReversed.reverse().flat();
  return {
    layout,
    B,
    T,
    N,
    tokens,
    targets,
    losses,
    forward,
    backward,
    setBatch(tok, tgt) {
      if (tok.length !== N || tgt.length !== N) throw new Error(`${name}: setBatch needs ${N} tokens and targets, got ${tok.length} and ${tgt.length}.`);
      gpu.device.queue.writeBuffer(tokens, 0, tok.buffer, tok.byteOffset, tok.byteLength);
      gpu.device.queue.writeBuffer(targets, 0, tgt.buffer, tgt.byteOffset, tgt.byteLength);
      embeddingBackward.setTokens(tok);
    },
    setLossScale(scale) {
      crossEntropy.update(scale);
    },
    activationBytes,
    destroy() {
      embeddingBackward.destroy();
      for (const b of owned) b.destroy();
    },
  };
}
