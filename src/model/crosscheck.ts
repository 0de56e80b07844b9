// The cross-check bundle: everything another framework needs to check the lab's forward and
// backward (semantics in docs/model.md, "Cross-checking"): the initial weights, one batch of
// token ids, the loss on that batch and the gradient of that loss wrt every parameter.
// Pure (no file system): tools/crosscheck.ts writes the bundle into a folder.
import { mulberry32, normalSampler } from '../util/random';
import { IGNORE_TARGET, validateModelConfig, type ModelConfig } from './config';
import { initParameters } from './init';
import { buildLayout } from './layout';
import { referenceLossAndGradient } from './reference';
import { exportModelSafetensors } from './safetensors';

export interface CrossCheckBatch {
  batch: number;
  seqLen: number;
  /** tokens[b][t]: input ids. */
  tokens: number[][];
  /** targets[b][t]: the next token, tokens[b][t+1] of the same stream; 4294967295 = ignored. */
  targets: number[][];
  ignoreTarget: number;
}

export interface CrossCheckBundle {
  config: ModelConfig;
  seed: number;
  perturb: number;
  /** weights.safetensors: the initial parameters (plus any perturbation), F32, config in __metadata__. */
  weights: Uint8Array;
  /** batch.json */
  batch: CrossCheckBatch;
  /** loss.json: float64 loss of the float32 weights on the batch. */
  loss: { loss: number; validTargets: number; reduction: 'mean over non-ignored targets' };
  /** gradients.safetensors: d loss / d parameter, computed in float64, rounded to F32. */
  gradients: Uint8Array;
}

/**
 * Builds the bundle for a config and a seed: weights from initParameters(cfg, seed); a batch of
 * `batch` random streams of seqLen + 1 ids (drawn from mulberry32(seed ^ 0x5eed)), split into
 * inputs and next-token targets, with the very last target ignored so the ignore rule is exercised.
 * `perturb` > 0 adds N(0, perturb²) noise (from mulberry32(seed ^ 0xbad)) to every parameter, so that
 * a check exercises every path with gradients far from the near-uniform ones at init.
 */
export function buildCrossCheck(cfg: ModelConfig, seed: number, batch = 2, seqLen = cfg.context, perturb = 0): CrossCheckBundle {
  validateModelConfig(cfg);
  const layout = buildLayout(cfg);
  const params = initParameters(cfg, seed, layout);
  if (perturb > 0) {
    const noise = normalSampler(mulberry32((seed ^ 0xbad) >>> 0));
    for (const t of layout.tensors) for (let i = 0; i < t.size; i++) params[t.offset + i] += perturb * noise();
  }
  const next = mulberry32((seed ^ 0x5eed) >>> 0);
  const tokens: number[][] = [];
  const targets: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const stream = Array.from({ length: seqLen + 1 }, () => Math.floor(next() * cfg.vocabSize));
    tokens.push(stream.slice(0, seqLen));
    targets.push(stream.slice(1));
  }
  targets[batch - 1][seqLen - 1] = IGNORE_TARGET;
  const result = referenceLossAndGradient(layout, params, {
    tokens: tokens.flat(),
    targets: targets.flat(),
    batch,
    seqLen,
  });
  const meta = { seed: String(seed), perturb: String(perturb) };
  return {
    config: cfg,
    seed,
    perturb,
    weights: exportModelSafetensors(layout, params, { ...meta, content: 'initial weights' }),
    batch: { batch, seqLen, tokens, targets, ignoreTarget: IGNORE_TARGET },
    loss: { loss: result.loss, validTargets: result.validTargets, reduction: 'mean over non-ignored targets' },
    gradients: exportModelSafetensors(layout, result.grad, { ...meta, content: 'gradients of the mean loss on batch.json' }),
  };
}
