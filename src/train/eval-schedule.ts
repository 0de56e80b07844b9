// When a run evaluates its validation loss, and with which weights. Evaluation is the lab's most
// expensive habit on small batches (one evaluation reads as many tokens as tens of steps), so it
// is geometric: sparse far from the target, where one EWA decay tracks progress, and dense near
// it, where every decay is tried and the crossing is resolved (then interpolated in log-steps by
// the analysis). The reasons and the measured cost are in docs/science.md.
import type { EvaluationConfig, RunSpec } from '../experiment/schema';
import { maxMicroBatch, type MemoryLimits } from '../model/config';

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
  return step >= nextEvaluationStep(cfg, ctx);
}

/** The step of the next evaluation after ctx.last (the run's time model replays the schedule with it). */
export function nextEvaluationStep(cfg: EvaluationConfig, ctx: EvalContext): number {
  if (ctx.last === null) return 1;
  const factor = isNearTarget(cfg, ctx) ? cfg.nearSpacing : cfg.spacing;
  return Math.min(ctx.maxSteps, Math.max(ctx.last.step + 1, Math.ceil(ctx.last.step * factor)));
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

/** Sequences in a run's validation set. */
export function validationSequencesFor(spec: RunSpec): number {
  return Math.max(1, Math.ceil(spec.evaluation.validationTokens / spec.model.context));
}

/**
 * Sequences per evaluation forward pass: the whole validation set in one pass when it fits the
 * adapter, else the largest pass that does (at least the training micro-batch). Every pass is
 * padded to this many sequences, so a pass costs the same however full it is.
 */
export function evalMicroBatchFor(spec: RunSpec, limits: MemoryLimits): number {
  return Math.max(spec.microBatch, Math.min(validationSequencesFor(spec), maxMicroBatch(spec.model, limits)));
}
