// The whole decoder LM in float64 TypeScript: forward (mean cross-entropy, optionally the logits)
// and an explicit backward giving the gradient of the mean loss with respect to every parameter,
// in the flat layout of ./layout.ts. No autodiff: each op's backward sits right after its
// forward, and the model's forward and backward read top to bottom (in the manner of llm.c's
// train_gpt2.c). This is the ground truth the GPU model is checked against; it is slow, so it is
// for tiny configs only.
//
// Shapes: B sequences of T tokens, N = B·T rows, C = d_model, H heads of hd = C/H, F = 4·C, V vocab.
// Activations are row-major (N, C); linear weights are (out, in) and y = x·Wᵀ.
import { IGNORE_TARGET, LAYER_NORM_EPS, MLP_RATIO, ROPE_BASE } from './config';
import type { ParameterLayout } from './layout';

export interface ReferenceBatch {
  /** N = batch·seqLen token ids, row-major (sequence, position). */
  tokens: ArrayLike<number>;
  /** N next-token targets; IGNORE_TARGET (0xFFFFFFFF) marks a position the loss ignores. */
  targets: ArrayLike<number>;
  batch: number;
  /** Tokens per sequence, at most the config's context. */
  seqLen: number;
}

// ---------------------------------------------------------------------------------------------
// Ops, each forward followed by its backward. Backward functions ACCUMULATE (+=) into gradients.
// ---------------------------------------------------------------------------------------------

/** out[n] = W_emb[token[n]]. */
function embeddingForward(out: Float64Array, tokens: ArrayLike<number>, wte: Float64Array, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const row = tokens[n] * C;
    for (let c = 0; c < C; c++) out[n * C + c] = wte[row + c];
  }
}
function embeddingBackward(dwte: Float64Array, dout: Float64Array, tokens: ArrayLike<number>, N: number, C: number): void {
  for (let n = 0; n < N; n++) {
    const row = tokens[n] * C;
    for (let c = 0; c < C; c++) dwte[row + c] += dout[n * C + c];
  }
}

/** Scale-only LayerNorm over rows of C: out = (x − mean)·rstd·w, rstd = 1/√(var + eps), biased var. */
function layerNormForward(
  out: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  inp: Float64Array,
  w: Float64Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += inp[x + c];
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (inp[x + c] - m) ** 2;
    v /= C;
    const s = 1 / Math.sqrt(v + LAYER_NORM_EPS);
    for (let c = 0; c < C; c++) out[x + c] = (inp[x + c] - m) * s * w[c];
    mean[n] = m;
    rstd[n] = s;
  }
}
/** dx = rstd·(dx̂ − mean(dx̂) − x̂·mean(dx̂·x̂)) with dx̂ = dout·w; dw = Σ_n dout·x̂. */
function layerNormBackward(
  dinp: Float64Array,
  dw: Float64Array,
  dout: Float64Array,
  inp: Float64Array,
  w: Float64Array,
  mean: Float64Array,
  rstd: Float64Array,
  N: number,
  C: number,
): void {
  for (let n = 0; n < N; n++) {
    const x = n * C;
    let meanDxhat = 0;
    let meanDxhatXhat = 0;
    for (let c = 0; c < C; c++) {
      const xhat = (inp[x + c] - mean[n]) * rstd[n];
      const dxhat = dout[x + c] * w[c];
      meanDxhat += dxhat;
      meanDxhatXhat += dxhat * xhat;
    }
    meanDxhat /= C;
    meanDxhatXhat /= C;
    for (let c = 0; c < C; c++) {
      const xhat = (inp[x + c] - mean[n]) * rstd[n];
      const dxhat = dout[x + c] * w[c];
      dw[c] += dout[x + c] * xhat;
      dinp[x + c] += rstd[n] * (dxhat - meanDxhat - xhat * meanDxhatXhat);
    }
  }
}

/** out (N, O) = inp (N, I) · Wᵀ with W (O, I). */
function linearForward(out: Float64Array, inp: Float64Array, w: Float64Array, N: number, I: number, O: number): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      let s = 0;
      for (let i = 0; i < I; i++) s += inp[n * I + i] * w[o * I + i];
      out[n * O + o] = s;
    }
  }
}
/** dinp += dout·W; dW += doutᵀ·inp. */
function linearBackward(
  dinp: Float64Array,
  dw: Float64Array,
  dout: Float64Array,
  inp: Float64Array,
  w: Float64Array,
  N: number,
  I: number,
  O: number,
): void {
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < O; o++) {
      const d = dout[n * O + o];
      if (d === 0) continue;
      for (let i = 0; i < I; i++) {
        dinp[n * I + i] += d * w[o * I + i];
        dw[o * I + i] += d * inp[n * I + i];
      }
    }
  }
}

/** cos and sin of θ(t, i) = t·base^(−2i/hd), as (T, hd/2) tables. */
export function ropeTables(T: number, hd: number): { cos: Float64Array; sin: Float64Array } {
  const half = hd / 2;
  const cos = new Float64Array(T * half);
  const sin = new Float64Array(T * half);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < half; i++) {
      const theta = t * Math.pow(ROPE_BASE, (-2 * i) / hd);
      cos[t * half + i] = Math.cos(theta);
      sin[t * half + i] = Math.sin(theta);
    }
  }
  return { cos, sin };
}

/**
 * RoPE, GPT-NeoX rotate-half, per head: for pair i < hd/2 at position t,
 * out[i] = x[i]cosθ − x[i+hd/2]sinθ, out[i+hd/2] = x[i+hd/2]cosθ + x[i]sinθ.
 */
function ropeForward(out: Float64Array, inp: Float64Array, cos: Float64Array, sin: Float64Array, B: number, T: number, C: number, H: number): void {
  const hd = C / H;
  const half = hd / 2;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * C;
      for (let h = 0; h < H; h++) {
        const base = row + h * hd;
        for (let i = 0; i < half; i++) {
          const c = cos[t * half + i];
          const s = sin[t * half + i];
          const x1 = inp[base + i];
          const x2 = inp[base + i + half];
          out[base + i] = x1 * c - x2 * s;
          out[base + i + half] = x2 * c + x1 * s;
        }
      }
    }
  }
}
/** The rotation is orthogonal, so its backward is the rotation by −θ. */
function ropeBackward(dinp: Float64Array, dout: Float64Array, cos: Float64Array, sin: Float64Array, B: number, T: number, C: number, H: number): void {
  const hd = C / H;
  const half = hd / 2;
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) {
      const row = (b * T + t) * C;
      for (let h = 0; h < H; h++) {
        const base = row + h * hd;
        for (let i = 0; i < half; i++) {
          const c = cos[t * half + i];
          const s = sin[t * half + i];
          const d1 = dout[base + i];
          const d2 = dout[base + i + half];
          dinp[base + i] += d1 * c + d2 * s;
          dinp[base + i + half] += d2 * c - d1 * s;
        }
      }
    }
  }
}

/**
 * Causal softmax attention per (sequence, head): p[t, j] = softmax_j≤t(q_t·k_j / √hd),
 * out_t = Σ_j p[t, j] v_j. `att` (B, H, T, T) keeps p (zero above the diagonal).
 */
function attentionForward(
  out: Float64Array,
  att: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const hd = C / H;
  const scale = 1 / Math.sqrt(hd);
  att.fill(0);
  out.fill(0);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const qRow = (b * T + t) * C + h * hd;
        const p = ((b * H + h) * T + t) * T;
        let max = -Infinity;
        for (let j = 0; j <= t; j++) {
          const kRow = (b * T + j) * C + h * hd;
          let s = 0;
          for (let d = 0; d < hd; d++) s += q[qRow + d] * k[kRow + d];
          att[p + j] = s * scale;
          max = Math.max(max, att[p + j]);
        }
        let sum = 0;
        for (let j = 0; j <= t; j++) {
          att[p + j] = Math.exp(att[p + j] - max);
          sum += att[p + j];
        }
        for (let j = 0; j <= t; j++) {
          att[p + j] /= sum;
          const vRow = (b * T + j) * C + h * hd;
          for (let d = 0; d < hd; d++) out[qRow + d] += att[p + j] * v[vRow + d];
        }
      }
    }
  }
}
/** dp = do·vᵀ; dv += pᵀ·do; ds = p ⊙ (dp − Σ_j p·dp); dq += ds·k/√hd; dk += dsᵀ·q/√hd. */
function attentionBackward(
  dq: Float64Array,
  dk: Float64Array,
  dv: Float64Array,
  dout: Float64Array,
  att: Float64Array,
  q: Float64Array,
  k: Float64Array,
  v: Float64Array,
  B: number,
  T: number,
  C: number,
  H: number,
): void {
  const hd = C / H;
  const scale = 1 / Math.sqrt(hd);
  const dp = new Float64Array(T);
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      for (let t = 0; t < T; t++) {
        const qRow = (b * T + t) * C + h * hd;
        const p = ((b * H + h) * T + t) * T;
        let dot = 0;
        for (let j = 0; j <= t; j++) {
          const vRow = (b * T + j) * C + h * hd;
          let s = 0;
          for (let d = 0; d < hd; d++) {
            s += dout[qRow + d] * v[vRow + d];
            dv[vRow + d] += att[p + j] * dout[qRow + d];
          }
          dp[j] = s;
          dot += att[p + j] * s;
        }
        for (let j = 0; j <= t; j++) {
          const ds = att[p + j] * (dp[j] - dot) * scale;
          const kRow = (b * T + j) * C + h * hd;
          for (let d = 0; d < hd; d++) {
            dq[qRow + d] += ds * k[kRow + d];
            dk[kRow + d] += ds * q[qRow + d];
          }
        }
      }
    }
  }
}

/**
 * erf to about 1e-15 (JavaScript has none): the all-positive series
 * erf(x) = 2/√π · e^(−x²) · Σ_n 2ⁿ x^(2n+1) / (1·3·…·(2n+1)), which has no cancellation, for |x| < 6;
 * ±1 beyond (erfc(6) ≈ 2e−17).
 */
export function erf(x: number): number {
  const ax = Math.abs(x);
  if (ax >= 6) return Math.sign(x);
  const x2 = ax * ax;
  let term = ax;
  let sum = ax;
  for (let n = 0; n < 300; n++) {
    term *= (2 * x2) / (2 * n + 3);
    sum += term;
    if (term < sum * 1e-17) break;
  }
  const r = (2 / Math.sqrt(Math.PI)) * Math.exp(-x2) * sum;
  return x < 0 ? -r : r;
}

/** Exact GELU: x·Φ(x) = ½x(1 + erf(x/√2)). */
export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}
/** d/dx GELU = Φ(x) + x·φ(x). */
export function geluDerivative(x: number): number {
  return 0.5 * (1 + erf(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);
}
function geluForward(out: Float64Array, inp: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = gelu(inp[i]);
}
function geluBackward(dinp: Float64Array, dout: Float64Array, inp: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) dinp[i] += dout[i] * geluDerivative(inp[i]);
}

function residualForward(out: Float64Array, a: Float64Array, b: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
}
/** d(a + b): both inputs receive dout. */
function residualBackward(da: Float64Array, db: Float64Array, dout: Float64Array, n: number): void {
  for (let i = 0; i < n; i++) {
    da[i] += dout[i];
    db[i] += dout[i];
  }
}

/**
 * Mean cross-entropy over non-ignored targets. Returns the loss and the count of valid targets;
 * writes the softmax probabilities into `probs` (N, V). With no valid target the loss is 0.
 */
function crossEntropyForward(
  probs: Float64Array,
  logits: Float64Array,
  targets: ArrayLike<number>,
  N: number,
  V: number,
): { loss: number; valid: number } {
  let total = 0;
  let valid = 0;
  for (let n = 0; n < N; n++) {
    const row = n * V;
    let max = -Infinity;
    for (let i = 0; i < V; i++) max = Math.max(max, logits[row + i]);
    let sum = 0;
    for (let i = 0; i < V; i++) {
      probs[row + i] = Math.exp(logits[row + i] - max);
      sum += probs[row + i];
    }
    for (let i = 0; i < V; i++) probs[row + i] /= sum;
    const target = targets[n];
    if (target === IGNORE_TARGET) continue;
    if (!(target >= 0 && target < V)) throw new Error(`target ${target} at row ${n} is outside the vocabulary (${V}).`);
    total += max + Math.log(sum) - logits[row + target];
    valid++;
  }
  return { loss: valid > 0 ? total / valid : 0, valid };
}
/** dlogits = (softmax − onehot(target)) / valid on valid rows, 0 on ignored rows. */
function crossEntropyBackward(dlogits: Float64Array, probs: Float64Array, targets: ArrayLike<number>, valid: number, N: number, V: number): void {
  if (valid === 0) return;
  for (let n = 0; n < N; n++) {
    const target = targets[n];
    if (target === IGNORE_TARGET) continue;
    for (let i = 0; i < V; i++) dlogits[n * V + i] += (probs[n * V + i] - (i === target ? 1 : 0)) / valid;
  }
}

// ---------------------------------------------------------------------------------------------
// The model.
// ---------------------------------------------------------------------------------------------

interface LayerActivations {
  xIn: Float64Array;
  ln1Mean: Float64Array;
  ln1Rstd: Float64Array;
  h1: Float64Array;
  qPre: Float64Array;
  kPre: Float64Array;
  lnqMean: Float64Array;
  lnqRstd: Float64Array;
  lnkMean: Float64Array;
  lnkRstd: Float64Array;
  qNormed: Float64Array;
  kNormed: Float64Array;
  q: Float64Array;
  k: Float64Array;
  v: Float64Array;
  att: Float64Array;
  attnOut: Float64Array;
  attnProj: Float64Array;
  xMid: Float64Array;
  ln2Mean: Float64Array;
  ln2Rstd: Float64Array;
  h2: Float64Array;
  fc: Float64Array;
  fcGelu: Float64Array;
  mlpProj: Float64Array;
}

interface ForwardCache {
  B: number;
  T: number;
  N: number;
  layers: LayerActivations[];
  xFinal: Float64Array;
  lnfMean: Float64Array;
  lnfRstd: Float64Array;
  hf: Float64Array;
  logits: Float64Array;
  probs: Float64Array;
  loss: number;
  valid: number;
  rope: { cos: Float64Array; sin: Float64Array };
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
  }
}

function forwardWithCache(layout: ParameterLayout, paramsIn: ArrayLike<number>, batch: ReferenceBatch): ForwardCache {
  checkBatch(layout, paramsIn, batch);
  const params = paramsIn instanceof Float64Array ? paramsIn : Float64Array.from(paramsIn);
  const view = (t: { offset: number; size: number }) => params.subarray(t.offset, t.offset + t.size);
  const { dModel: C, heads: H, vocabSize: V } = layout.config;
  const F = MLP_RATIO * C;
  const B = batch.batch;
  const T = batch.seqLen;
  const N = B * T;
  const rope = ropeTables(T, C / H);
  const f64 = (n: number) => new Float64Array(n);

  let x = f64(N * C);
  embeddingForward(x, batch.tokens, view(layout.tokEmbeddings), N, C);

  const layers: LayerActivations[] = [];
  for (const p of layout.layers) {
    const a: LayerActivations = {
      xIn: x,
      ln1Mean: f64(N),
      ln1Rstd: f64(N),
      h1: f64(N * C),
      qPre: f64(N * C),
      kPre: f64(N * C),
      lnqMean: f64(N),
      lnqRstd: f64(N),
      lnkMean: f64(N),
      lnkRstd: f64(N),
      qNormed: f64(N * C),
      kNormed: f64(N * C),
      q: f64(N * C),
      k: f64(N * C),
      v: f64(N * C),
      att: f64(B * H * T * T),
      attnOut: f64(N * C),
      attnProj: f64(N * C),
      xMid: f64(N * C),
      ln2Mean: f64(N),
      ln2Rstd: f64(N),
      h2: f64(N * C),
      fc: f64(N * F),
      fcGelu: f64(N * F),
      mlpProj: f64(N * C),
    };
    // Attention block.
    layerNormForward(a.h1, a.ln1Mean, a.ln1Rstd, a.xIn, view(p.attnNorm), N, C);
    linearForward(a.qPre, a.h1, view(p.wq), N, C, C);
    linearForward(a.kPre, a.h1, view(p.wk), N, C, C);
    linearForward(a.v, a.h1, view(p.wv), N, C, C);
    layerNormForward(a.qNormed, a.lnqMean, a.lnqRstd, a.qPre, view(p.qNorm), N, C);
    layerNormForward(a.kNormed, a.lnkMean, a.lnkRstd, a.kPre, view(p.kNorm), N, C);
    ropeForward(a.q, a.qNormed, rope.cos, rope.sin, B, T, C, H);
    ropeForward(a.k, a.kNormed, rope.cos, rope.sin, B, T, C, H);
    attentionForward(a.attnOut, a.att, a.q, a.k, a.v, B, T, C, H);
    linearForward(a.attnProj, a.attnOut, view(p.wo), N, C, C);
    residualForward(a.xMid, a.xIn, a.attnProj, N * C);
    // MLP block.
    layerNormForward(a.h2, a.ln2Mean, a.ln2Rstd, a.xMid, view(p.mlpNorm), N, C);
    linearForward(a.fc, a.h2, view(p.w1), N, C, F);
    geluForward(a.fcGelu, a.fc, N * F);
    linearForward(a.mlpProj, a.fcGelu, view(p.w2), N, F, C);
    x = f64(N * C);
    residualForward(x, a.xMid, a.mlpProj, N * C);
    layers.push(a);
  }

  const lnfMean = f64(N);
  const lnfRstd = f64(N);
  const hf = f64(N * C);
  layerNormForward(hf, lnfMean, lnfRstd, x, view(layout.norm), N, C);
  const logits = f64(N * V);
  linearForward(logits, hf, view(layout.output), N, C, V);
  const probs = f64(N * V);
  const { loss, valid } = crossEntropyForward(probs, logits, batch.targets, N, V);
  return { B, T, N, layers, xFinal: x, lnfMean, lnfRstd, hf, logits, probs, loss, valid, rope };
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
  const params = paramsIn instanceof Float64Array ? paramsIn : Float64Array.from(paramsIn);
  const view = (t: { offset: number; size: number }) => params.subarray(t.offset, t.offset + t.size);
  const grad = new Float64Array(layout.totalFloats);
  const gview = (t: { offset: number; size: number }) => grad.subarray(t.offset, t.offset + t.size);
  const { dModel: C, heads: H, vocabSize: V } = layout.config;
  const F = MLP_RATIO * C;
  const { B, T, N, rope } = cache;
  const f64 = (n: number) => new Float64Array(n);

  // Loss and output head.
  const dlogits = f64(N * V);
  crossEntropyBackward(dlogits, cache.probs, batch.targets, cache.valid, N, V);
  const dhf = f64(N * C);
  linearBackward(dhf, gview(layout.output), dlogits, cache.hf, view(layout.output), N, C, V);
  let dx = f64(N * C);
  layerNormBackward(dx, gview(layout.norm), dhf, cache.xFinal, view(layout.norm), cache.lnfMean, cache.lnfRstd, N, C);

  // Layers, last to first. dx is the gradient wrt the layer's output x = xMid + mlpProj.
  for (let l = layout.layers.length - 1; l >= 0; l--) {
    const p = layout.layers[l];
    const a = cache.layers[l];
    // MLP block backward: x = xMid + w2(gelu(w1(LN2(xMid)))).
    const dxMid = f64(N * C);
    const dmlpProj = f64(N * C);
    residualBackward(dxMid, dmlpProj, dx, N * C);
    const dfcGelu = f64(N * F);
    linearBackward(dfcGelu, gview(p.w2), dmlpProj, a.fcGelu, view(p.w2), N, F, C);
    const dfc = f64(N * F);
    geluBackward(dfc, dfcGelu, a.fc, N * F);
    const dh2 = f64(N * C);
    linearBackward(dh2, gview(p.w1), dfc, a.h2, view(p.w1), N, C, F);
    layerNormBackward(dxMid, gview(p.mlpNorm), dh2, a.xMid, view(p.mlpNorm), a.ln2Mean, a.ln2Rstd, N, C);

    // Attention block backward: xMid = xIn + wo(attn(rope(LNq(wq h1)), rope(LNk(wk h1)), wv h1)).
    const dxIn = f64(N * C);
    const dattnProj = f64(N * C);
    residualBackward(dxIn, dattnProj, dxMid, N * C);
    const dattnOut = f64(N * C);
    linearBackward(dattnOut, gview(p.wo), dattnProj, a.attnOut, view(p.wo), N, C, C);
    const dq = f64(N * C);
    const dk = f64(N * C);
    const dv = f64(N * C);
    attentionBackward(dq, dk, dv, dattnOut, a.att, a.q, a.k, a.v, B, T, C, H);
    const dqNormed = f64(N * C);
    const dkNormed = f64(N * C);
    ropeBackward(dqNormed, dq, rope.cos, rope.sin, B, T, C, H);
    ropeBackward(dkNormed, dk, rope.cos, rope.sin, B, T, C, H);
    const dqPre = f64(N * C);
    const dkPre = f64(N * C);
    layerNormBackward(dqPre, gview(p.qNorm), dqNormed, a.qPre, view(p.qNorm), a.lnqMean, a.lnqRstd, N, C);
    layerNormBackward(dkPre, gview(p.kNorm), dkNormed, a.kPre, view(p.kNorm), a.lnkMean, a.lnkRstd, N, C);
    const dh1 = f64(N * C);
    linearBackward(dh1, gview(p.wq), dqPre, a.h1, view(p.wq), N, C, C);
    linearBackward(dh1, gview(p.wk), dkPre, a.h1, view(p.wk), N, C, C);
    linearBackward(dh1, gview(p.wv), dv, a.h1, view(p.wv), N, C, C);
    layerNormBackward(dxIn, gview(p.attnNorm), dh1, a.xIn, view(p.attnNorm), a.ln1Mean, a.ln1Rstd, N, C);
    dx = dxIn;
  }

  embeddingBackward(gview(layout.tokEmbeddings), dx, batch.tokens, N, C);
  return { loss: cache.loss, validTargets: cache.valid, grad };
}

