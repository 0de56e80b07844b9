// Batch sizes that change during a run: local-CBS branches start part-way through their base run,
// and a batch-size warmup (Merrill et al. 2025) grows the batch as training goes. A run reads
// training tokens in the order of one shuffled stream whatever its batch, so the schedule is
// written in tokens read, and these helpers turn it into batch sizes and step counts.
import type { BatchPhase, RunSpec } from './schema';

type Spec = Omit<RunSpec, 'id' | 'poolTokens'>;

/** The phase in force once `tokensRead` training tokens have been read (the first when none has started). */
export function phaseAt(schedule: readonly BatchPhase[], tokensRead: number): BatchPhase {
  let current = schedule[0];
  for (const phase of schedule) if (phase.fromTokens <= tokensRead) current = phase;
  return current;
}

/** Batch size and peak learning rate of a run's next step, after `tokensRead` tokens. */
export function batchAt(spec: Pick<RunSpec, 'batchSize' | 'peakLr' | 'batchSchedule'>, tokensRead: number): { batchSize: number; peakLr: number } {
  if (!spec.batchSchedule || spec.batchSchedule.length === 0) return { batchSize: spec.batchSize, peakLr: spec.peakLr };
  const { batchSize, peakLr } = phaseAt(spec.batchSchedule, tokensRead);
  return { batchSize, peakLr };
}

/** Tokens read after `steps` steps of a schedule starting from nothing read. */
export function tokensAfterSteps(schedule: readonly BatchPhase[], steps: number, context: number): number {
  let tokens = 0;
  for (let s = 0; s < steps; s++) tokens += phaseAt(schedule, tokens).batchSize * context;
  return tokens;
}

/** The fewest steps of a schedule that read at least `tokens` tokens. */
export function stepsForTokens(schedule: readonly BatchPhase[], tokens: number, context: number): number {
  let read = 0;
  let steps = 0;
  while (read < tokens) {
    read += phaseAt(schedule, read).batchSize * context;
    steps += 1;
  }
  return steps;
}

/** Training tokens a run has read when it reaches its step cap (a branch counts its base run's). */
export function runTokens(spec: Spec): number {
  const context = spec.model.context;
  if (spec.branch) return spec.branch.fromTokens + (spec.maxSteps - spec.branch.fromStep) * spec.batchSize * context;
  if (spec.batchSchedule && spec.batchSchedule.length > 0) return tokensAfterSteps(spec.batchSchedule, spec.maxSteps, context);
  return spec.maxSteps * spec.batchSize * context;
}

/**
 * Training tokens a run has read itself once its step count is `stepsDone`: a branch counts from
 * its checkpoint (its steps continue its base run's count), a schedule over its phases.
 */
export function tokensReadBy(spec: Spec, stepsDone: number): number {
  const context = spec.model.context;
  if (spec.branch) return Math.max(0, stepsDone - spec.branch.fromStep) * spec.batchSize * context;
  if (spec.batchSchedule && spec.batchSchedule.length > 0) return tokensAfterSteps(spec.batchSchedule, stepsDone, context);
  return stepsDone * spec.batchSize * context;
}

/** Training tokens a run reads itself when it reaches its step cap (a branch only its own, from its checkpoint). */
export function trainedTokens(spec: Spec): number {
  return tokensReadBy(spec, spec.maxSteps);
}
