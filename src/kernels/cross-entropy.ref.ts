// CPU reference for the fused softmax cross-entropy, in float64. A target ≥ vocab
// (IGNORE_TARGET in practice) marks padding: no loss, no gradient.

export interface CrossEntropyResult {
  /** Per-row loss −log softmax(logits[n])[targets[n]], 0 for ignored rows. */
  losses: Float64Array;
  /** (softmax − onehot)·scale per row, 0 for ignored rows. */
  dlogits: Float64Array;
}

export function crossEntropyRef(
  logits: ArrayLike<number>,
  targets: ArrayLike<number>,
  rows: number,
  vocab: number,
  scale: number,
): CrossEntropyResult {
  const losses = new Float64Array(rows);
  const dlogits = new Float64Array(rows * vocab);
  for (let n = 0; n < rows; n++) {
    const t = targets[n];
    if (t >= vocab) continue;
    const base = n * vocab;
    let max = -Infinity;
    for (let j = 0; j < vocab; j++) max = Math.max(max, logits[base + j]);
    let sum = 0;
    for (let j = 0; j < vocab; j++) sum += Math.exp(logits[base + j] - max);
    losses[n] = Math.log(sum) + max - logits[base + t];
    for (let j = 0; j < vocab; j++) {
      dlogits[base + j] = (Math.exp(logits[base + j] - max) / sum - (j === t ? 1 : 0)) * scale;
    }
  }
  return { losses, dlogits };
}

/** scale·Σ losses: the objective whose gradient dlogits is (the trainer's mean loss at scale 1/count). */
export function scaledLossRef(logits: ArrayLike<number>, targets: ArrayLike<number>, rows: number, vocab: number, scale: number): number {
  const { losses } = crossEntropyRef(logits, targets, rows, vocab, scale);
  let s = 0;
  for (const l of losses) s += l;
  return s * scale;
}

/** Number of rows whose target is not ignored: the trainer's denominator for scale. */
export function countTargets(targets: ArrayLike<number>, vocab: number): number {
  let count = 0;
  for (let i = 0; i < targets.length; i++) if (targets[i] < vocab) count++;
  return count;
}

export function sumRef(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s;
}
