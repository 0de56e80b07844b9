// When a run has diverged. A NaN or infinite loss ends it at once. After warmup, a mean training
// loss more than `margin` nats above the starting loss (≈ ln V for a fresh model) means the
// optimizer has blown up: a healthy run only goes down from its start.
//
// The mean is over the last steps that hold DIVERGENCE_WINDOW_TOKENS training tokens, not one
// step: at one sequence of 16 tokens per step a single batch of unusual text can score 7 nats
// with a healthy model (the demo's B = 1 run at 160k tokens was once stopped so, at step 3,098 of
// a run that was reaching its target), while a real blow-up lifts every batch's loss.

export const DIVERGENCE_MARGIN_NATS = 1.0;
export const DIVERGENCE_WINDOW_TOKENS = 1024;

/** How many of the latest steps the divergence rule averages: at least one. */
export function divergenceWindow(tokensPerStep: number): number {
  return Math.max(1, Math.ceil(DIVERGENCE_WINDOW_TOKENS / tokensPerStep));
}

/**
 * `recentLosses`: the training losses of the latest steps, this step's last, at most
 * divergenceWindow() of them (fewer at the start of a run).
 */
export function divergenceReason(
  step: number,
  recentLosses: readonly number[],
  initialLoss: number,
  warmupSteps: number,
  margin = DIVERGENCE_MARGIN_NATS,
): string | null {
  const loss = recentLosses[recentLosses.length - 1];
  if (!Number.isFinite(loss)) return `the training loss became ${loss} at step ${step}`;
  if (step <= warmupSteps) return null;
  const mean = recentLosses.reduce((sum, x) => sum + x, 0) / recentLosses.length;
  if (mean <= initialLoss + margin) return null;
  const over = recentLosses.length === 1
    ? `the training loss ${mean.toFixed(3)} at step ${step}`
    : `the mean training loss ${mean.toFixed(3)} over steps ${step - recentLosses.length + 1}–${step}`;
  return `${over} is over ${margin} nats above the initial loss ${initialLoss.toFixed(3)}`;
}
