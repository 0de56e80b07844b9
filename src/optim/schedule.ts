// The paper's learning-rate schedule: linear warmup from 0.1× peak, then constant. Constant LR
// with EWA weights can be evaluated at any step, which is what steps-to-target needs.

/** Warmup steps = warmupRatio × (D / tokens per step): a fraction of the budget's step count at this B. */
export function warmupSteps(warmupRatio: number, dataSize: number, batchSize: number, context: number): number {
  return Math.max(0, Math.round((warmupRatio * dataSize) / (batchSize * context)));
}

/** Learning rate for optimizer step `step` (1-based: the first update is step 1). */
export function learningRate(step: number, peakLr: number, warmup: number): number {
  if (warmup <= 0 || step >= warmup) return peakLr;
  const progress = Math.max(0, step - 1) / warmup;
  return peakLr * (0.1 + 0.9 * progress);
}
