// When a run has diverged. A NaN or infinite loss ends it at once. After warmup, a training
// loss more than `margin` nats above the starting loss (≈ ln V for a fresh model) means the
// optimizer has blown up: a healthy run only goes down from its start.

export const DIVERGENCE_MARGIN_NATS = 1.0;

export function divergenceReason(
  step: number,
  loss: number,
  initialLoss: number,
  warmupSteps: number,
  margin = DIVERGENCE_MARGIN_NATS,
): string | null {
  if (!Number.isFinite(loss)) return `the training loss became ${loss} at step ${step}`;
  if (step > warmupSteps && loss > initialLoss + margin) {
    return `the training loss ${loss.toFixed(3)} at step ${step} is over ${margin} nats above the initial loss ${initialLoss.toFixed(3)}`;
  }
  return null;
}
