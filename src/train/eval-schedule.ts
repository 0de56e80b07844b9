// When a run evaluates its validation loss. Evaluation is the lab's most expensive habit on small
// batches (one evaluation reads as many tokens as tens of steps), so it is geometric: sparse far
// from the target, dense near it, where the crossing is resolved (then interpolated in log-steps
// by the analysis). Which weights and which set each evaluation uses is src/train/run.ts's
// evaluateAt. The reasons and the measured cost are in docs/science.md.
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
 * What one evaluation measures. Far from the target: every EWA decay and the raw weights on the
 * probe set (the full set when there is no probe), which tracks progress cheaply and picks the
 * best decay. Near it: the best decay so far on the full set, which resolves the crossing. At the
 * last step: everything on the full set (a reference's target is its final loss).
 */
export interface EvalPlan {
  set: 'probe' | 'full';
  decays: 'every' | 'best';
  raw: boolean;
}

export function evaluationPlan(cfg: EvaluationConfig, ctx: EvalContext, step: number): EvalPlan {
  if (step >= ctx.maxSteps) return { set: 'full', decays: 'every', raw: true };
  if (isNearTarget(cfg, ctx)) return { set: 'full', decays: 'best', raw: false };
  return { set: 'probe', decays: 'every', raw: true };
}

/**
 * After a far evaluation on a real probe (a subset smaller than the full set): when its loss shows
 * the target is near, the same step is evaluated again on the full set (best decay), the anchor
 * below which the crossing is resolved.
 */
export function needsFullAnchor(cfg: EvaluationConfig, ctx: EvalContext, step: number, probeLoss: number): boolean {
  return isNearTarget(cfg, { ...ctx, last: { step, ewaLoss: probeLoss } });
}
