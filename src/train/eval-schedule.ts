// When a run evaluates its validation loss: the paper's hybrid schedule. Sparse where it does
// not matter (powers of two, powers of ten, multiples of an interval) and dense where it does:
// once the EWA loss nears the target, and over the tail of the step budget.
import type { EvaluationConfig } from '../experiment/schema';

export interface EvalContext {
  maxSteps: number;
  targetLoss: number | null;
  /** The latest EWA validation loss, or null before the first evaluation. */
  lastEwaLoss: number | null;
}

function isPowerOf(n: number, base: number): boolean {
  let v = 1;
  while (v < n) v *= base;
  return v === n;
}

export function shouldEvaluate(step: number, cfg: EvaluationConfig, ctx: EvalContext): boolean {
  if (step <= 0) return false; // The EWA of zero steps is undefined (its debias factor is 0).
  if (step >= ctx.maxSteps) return true;
  if (isPowerOf(step, 2) || isPowerOf(step, 10)) return true;
  if (cfg.interval > 0 && step % cfg.interval === 0) return true;
  const dense = Math.max(1, cfg.denseEvery);
  if (step % dense !== 0) return false;
  if (step >= ctx.maxSteps * (1 - cfg.denseTailFraction)) return true;
  return (
    ctx.targetLoss !== null &&
    ctx.lastEwaLoss !== null &&
    ctx.lastEwaLoss <= ctx.targetLoss * (1 + cfg.denseMargin)
  );
}
