// The decoder LM's configuration: validation, parameter counts, FLOPs per token and an
// activation-memory estimate from which the trainer picks a micro-batch that fits the adapter.
// Architecture (see docs/model.md): pre-LN decoder, scale-only LayerNorm, no biases, QK-LayerNorm
// over the full width, RoPE (rotate-half, base 10000), GELU MLP of width 4·d, untied embeddings.
import { IGNORE_TARGET } from '../kernels/cross-entropy.plan';

/** A decoder-only LM (pre-LN, scale-only LayerNorm, no biases, QK-LN, RoPE, GELU MLP 4d, untied). */
export interface ModelConfig {
  /** Preset name ("nano", "micro", …) or "custom". */
  name: string;
  layers: number;
  dModel: number;
  heads: number;
  /** Context length in tokens (T). */
  context: number;
  /** Filled from the tokenizer when the run starts; 0 means "from the tokenizer". */
  vocabSize: number;
}

// The model uses its kernels' constants, defined once beside each kernel: LayerNorm epsilon
// everywhere (attn_norm, q_norm, k_norm, mlp_norm, norm), the RoPE base frequency, and the target
// id that marks a position ignored by the loss.
export { LAYER_NORM_EPS } from '../kernels/layernorm.plan';
export { ROPE_BASE } from '../kernels/rope.plan';
export { IGNORE_TARGET };
/** MLP hidden width = MLP_RATIO · d_model. */
export const MLP_RATIO = 4;

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v > 0;
}

/** Every problem with a config, as sentences; empty when it is valid. */
export function modelConfigErrors(cfg: ModelConfig): string[] {
  const errors: string[] = [];
  const fields = ['layers', 'dModel', 'heads', 'context', 'vocabSize'] as const;
  for (const f of fields) {
    if (!isPositiveInt(cfg[f])) errors.push(`${f} must be a positive integer (got ${String(cfg[f])}).`);
  }
  if (isPositiveInt(cfg.dModel) && isPositiveInt(cfg.heads)) {
    if (cfg.dModel % cfg.heads !== 0) {
      errors.push(`dModel (${cfg.dModel}) must be divisible by heads (${cfg.heads}).`);
    } else if ((cfg.dModel / cfg.heads) % 2 !== 0) {
      errors.push(`The head dimension dModel/heads = ${cfg.dModel / cfg.heads} must be even (RoPE rotates pairs).`);
    }
  }
  if (isPositiveInt(cfg.vocabSize) && cfg.vocabSize >= IGNORE_TARGET) {
    errors.push(`vocabSize (${cfg.vocabSize}) must be below ${IGNORE_TARGET} (that id marks ignored targets).`);
  }
  return errors;
}

/**
 * Throws one Error listing every problem. vocabSize 0 ("from the tokenizer") is an error here:
 * resolve it first (`{ ...cfg, vocabSize: tokenizer.vocabSize }`).
 */
export function validateModelConfig(cfg: ModelConfig): void {
  const errors = modelConfigErrors(cfg);
  if (errors.length > 0) throw new Error(`Invalid model config "${cfg.name}": ${errors.join(' ')}`);
}

export function headDim(cfg: ModelConfig): number {
  return cfg.dModel / cfg.heads;
}

export interface ParameterCounts {
  /** W_emb (V, C) + W_out (V, C). */
  embedding: number;
  /** Everything else: 12·C² per layer of matrices, 4·C of LayerNorm scales per layer, C for the final norm. */
  nonEmbedding: number;
  total: number;
}

export function parameterCounts(cfg: ModelConfig): ParameterCounts {
  const { layers: L, dModel: C, vocabSize: V } = cfg;
  const perLayer = 4 * C * C + 2 * MLP_RATIO * C * C + 4 * C;
  const nonEmbedding = L * perLayer + C;
  const embedding = 2 * V * C;
  return { embedding, nonEmbedding, total: embedding + nonEmbedding };
}

export interface FlopsPerToken {
  /** 6 · (matrix parameters in the layers) = 6 · 12·L·C²: q, k, v, o and the MLP, forward + backward. */
  layerMatmuls: number;
  /** 6 · V · C: the output projection (the embedding lookup is not a matmul and costs nothing). */
  logits: number;
  /** 12 · L · C · T: q·kᵀ and p·v, forward (2·2·C·T per layer) and backward (twice that). */
  attention: number;
  total: number;
}

/**
 * Training FLOPs per token, forward + backward, in the PaLM (Chowdhery et al. 2022, appendix B)
 * convention: 6·N_matmul + 12·L·C·T, where N_matmul counts the weights that take part in a matmul
 * (the layers' matrices and W_out, not W_emb, not the LayerNorm scales) and the attention term
 * counts the full T×T score matrix (causal masking is not discounted). Elementwise work
 * (LayerNorm, RoPE, GELU, softmax) is not counted. This is the denominator of the benchmark's MFU.
 */
export function flopsPerToken(cfg: ModelConfig): FlopsPerToken {
  const { layers: L, dModel: C, vocabSize: V, context: T } = cfg;
  const layerMatmuls = 6 * L * (4 + 2 * MLP_RATIO) * C * C;
  const logits = 6 * V * C;
  const attention = 12 * L * C * T;
  return { layerMatmuls, logits, attention, total: layerMatmuls + logits + attention };
}

export interface ActivationMemory {
  /** Floats kept per sequence for the backward pass (all layers, final norm and logits). */
  savedFloatsPerSequence: number;
  /** Floats of scratch per sequence used during backward (gradients of activations, not kept). */
  scratchFloatsPerSequence: number;
  /** (saved + scratch) · 4 bytes. */
  bytesPerSequence: number;
  /** Size in bytes, per sequence, of the largest single activation buffer (the one binding that must fit). */
  largestBufferBytesPerSequence: number;
  /** Which buffer that is. */
  largestBufferName: string;
}

/**
 * Activation memory per sequence of T = context tokens, f32 throughout, as ./gpu-model.ts
 * allocates it. Kept for the backward, per layer and token: x after attention and after the
 * MLP, LN1 and LN2 outputs, q and k before and after QK-LN (RoPE is in place), v, the attention
 * output (10C), the MLP before and after GELU (2F), the attention's log-sum-exp (H; the fused
 * kernel keeps no T×T probabilities) and LayerNorm mean and rstd for 4 norms (8). Once: the
 * embedding output (C), the final norm's output and statistics (C + 2), the logits (V, turned into
 * dlogits in place), per-row losses, token ids and targets (3). Backward scratch shared by all
 * layers: 8 (N, C) gradients, one (N, F), the attention's delta (H) and the LayerNorm weight-
 * gradient partial sums (C/32 per token).
 */
export function activationMemory(cfg: ModelConfig): ActivationMemory {
  const { layers: L, dModel: C, heads: H, context: T, vocabSize: V } = cfg;
  const F = MLP_RATIO * C;
  const perTokenLayer = 10 * C + 2 * F + H + 8;
  const perTokenOnce = C + C + 2 + V + 3;
  const savedFloatsPerSequence = T * (L * perTokenLayer + perTokenOnce);
  const scratchFloatsPerSequence = T * (8 * C + F + H + C / 32);
  const buffers: [string, number][] = [
    ['logits (T·V)', T * V],
    ['MLP activations of one layer (T·4C)', T * F],
  ];
  buffers.sort((a, b) => b[1] - a[1]);
  return {
    savedFloatsPerSequence,
    scratchFloatsPerSequence,
    bytesPerSequence: 4 * (savedFloatsPerSequence + scratchFloatsPerSequence),
    largestBufferBytesPerSequence: 4 * buffers[0][1],
    largestBufferName: buffers[0][0],
  };
}

export interface MemoryLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /**
   * Bytes the trainer allows for activations (WebGPU does not report device memory). Defaults to
   * 1 GiB, which laptop GPUs and the software adapter both afford next to a small model.
   */
  activationBudgetBytes?: number;
}

export const DEFAULT_ACTIVATION_BUDGET_BYTES = 1 << 30;

/** The largest micro-batch (in sequences) whose activations fit the limits; 0 when not even one fits. */
export function maxMicroBatch(cfg: ModelConfig, limits: MemoryLimits): number {
  const mem = activationMemory(cfg);
  const perBinding = Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize);
  const budget = limits.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET_BYTES;
  return Math.max(0, Math.min(Math.floor(perBinding / mem.largestBufferBytesPerSequence), Math.floor(budget / mem.bytesPerSequence)));
}

/**
 * The micro-batch for a batch of `batchSize` sequences: the largest divisor of batchSize that fits
 * (so that batchSize / microBatch micro-batches are accumulated exactly), at most `cap` when given.
 * Throws a clear error, before anything starts, when not even one sequence fits.
 */
export function chooseMicroBatch(cfg: ModelConfig, batchSize: number, limits: MemoryLimits, cap?: number): number {
  validateModelConfig(cfg);
  if (!isPositiveInt(batchSize)) throw new Error(`batchSize must be a positive integer (got ${batchSize}).`);
  const fit = Math.min(maxMicroBatch(cfg, limits), cap ?? Infinity);
  if (fit < 1) {
    const mem = activationMemory(cfg);
    const budget = limits.activationBudgetBytes ?? DEFAULT_ACTIVATION_BUDGET_BYTES;
    throw new Error(
      `Model "${cfg.name}" does not fit this adapter even with one sequence per micro-batch: ` +
        `its ${mem.largestBufferName} needs ${mem.largestBufferBytesPerSequence} bytes per sequence ` +
        `(adapter allows ${Math.min(limits.maxStorageBufferBindingSize, limits.maxBufferSize)} per buffer), ` +
        `and its activations need ${mem.bytesPerSequence} bytes per sequence (budget ${budget}). ` +
        `Choose a smaller model, context or vocabulary.`,
    );
  }
  for (let m = Math.min(fit, batchSize); m >= 1; m--) if (batchSize % m === 0) return m;
  return 1;
}
