// When a run evaluates its validation loss, and with which weights. Evaluation is the lab's most
// expensive habit on small batches (one evaluation reads as many tokens as tens of steps), so it
// is geometric: sparse far from the target, where one EWA decay tracks progress, and dense near
// it, where every decay is tried and the crossing is resolved (then interpolated in log-steps by
// the analysis). The reasons and the measured cost are in docs/science.md.
import type { EvaluationConfig } from '../experiment/schema';

export interface EvalContext {
  maxSteps: number;
  targetLoss: number | null;
  /** The latest evaluation, or null before the first. */
  last: { step: number; ewaLoss: number } | null;
}

/** Near the target: the last EWA loss is within nearMargin (relative) of it. */
export function isNearTarget(cfg: EvaluationConfig, ctx: EvalContext): boolean {
  return ctx.targetLoss !== null && ctx.last !== null && ctx.last.ewaLoss <= ctx.targetLoss * (1 + cfg.nearMargin);
}

/**
 * True at the run's last step, and when the step count has grown by the spacing factor since the
 * last evaluation (nearSpacing near the target), at least one step later. The first evaluation is
 * at step 1 (the EWA of zero steps is undefined: its debias factor is 0).
 */
export function shouldEvaluate(step: number, cfg: EvaluationConfig, ctx: EvalContext): boolean {
  if (step <= 0) return false;
  if (step >= ctx.maxSteps) return true;
  if (ctx.last === null) return true;
  const factor = isNearTarget(cfg, ctx) ? cfg.nearSpacing : cfg.spacing;
  return step >= Math.max(ctx.last.step + 1, Math.ceil(ctx.last.step * factor));
}

/**
 * Which EWA decays an evaluation tries (indices into the run's decays). Near the target and at the
 * run's last step (a reference's target is its final loss): all of them, since R(B) takes the best.
 * Far from it: only the one that was best at the last evaluation, enough to track progress.
 */
export function decaysToEvaluate(cfg: EvaluationConfig, ctx: EvalContext, step: number, decays: number, bestIndex: number): number[] {
  if (step >= ctx.maxSteps || isNearTarget(cfg, ctx)) return Array.from({ length: decays }, (_, i) => i);
  return [Math.min(Math.max(0, bestIndex), decays - 1)];
}
