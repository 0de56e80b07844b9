// What the monitor says about an experiment and each run, in words: a cancelled, failed or
// partly failed experiment says so, and a run that ended reads as complete, with how it ended.
import type { RunStatus } from '../experiment/schema';

export type ExperimentOutcome = 'preparing' | 'running' | 'paused' | 'finished' | 'partly-failed' | 'failed' | 'cancelled';

export interface RunLine {
  status: RunStatus;
  /** A reference run: trained for exactly D tokens to set the target. */
  reference: boolean;
  /** A local-CBS base run or branch: trained for a fixed budget, with no target to reach. */
  fixedBudget?: boolean;
  stepsDone: number;
  maxSteps: number;
  /**
   * The step the experiment's forecast expects the run to stop at (the target, censoring or its
   * cap); null without a forecast. A sweep run's cap is 4·D, several times what it usually needs.
   */
  expectedSteps?: number | null;
  failure: { step: number; reason: string } | null;
}

const FINAL: ReadonlySet<RunStatus> = new Set(['reached-target', 'finished', 'censored', 'diverged', 'stopped', 'failed']);

export const isFinal = (status: RunStatus) => FINAL.has(status);

/** 'stopped' is the user's cancel, or the economy rule (another run at its B was already faster). */
const cancelledByUser = (r: RunLine) => r.status === 'stopped' && /cancel/i.test(r.failure?.reason ?? 'cancelled');

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * The experiment's outcome and one sentence about it. `status` is the run store's experiment
 * status; `error` is why the experiment stopped, when it did not stop because the user cancelled.
 */
export function experimentSummary(status: string, runs: readonly RunLine[], error: string | null): { outcome: ExperimentOutcome; text: string } {
  const count = (s: RunStatus) => runs.filter((r) => r.status === s).length;
  const done = runs.filter((r) => isFinal(r.status)).length;
  const reached = count('reached-target');
  const failed = count('failed');
  const diverged = count('diverged');
  const cancelled = runs.filter(cancelledByUser).length;
  const total = runs.length;
  if (total === 0) {
    return error ? { outcome: 'failed', text: `The experiment stopped before any run started: ${error}` } : { outcome: 'preparing', text: 'Preparing: loading the data and the tokenizer, planning the runs…' };
  }
  const reachedText = reached > 0 ? ` (${plural(reached, 'run')} reached the target)` : '';
  if (status === 'running' || status === 'paused') {
    const running = count('running');
    const queued = count('queued');
    const head = status === 'paused' ? 'Paused' : 'Training';
    return { outcome: status, text: `${head}: ${done} of ${total} runs done${reachedText}, ${running} running, ${queued} queued.` };
  }
  const problems = [failed ? `${failed} failed` : '', diverged ? `${diverged} diverged` : '', cancelled ? `${cancelled} cancelled` : ''].filter(Boolean).join(', ');
  if (status === 'stopped' || done < total) {
    const notRun = total - done;
    if (error) return { outcome: 'failed', text: `The experiment stopped: ${error}. ${done} of ${total} runs done${notRun ? `; ${notRun} did not run` : ''}.` };
    return { outcome: 'cancelled', text: `Cancelled: ${done} of ${total} runs done${reachedText}${notRun ? `; ${notRun} did not run` : ''}${problems ? `; ${problems}` : ''}.` };
  }
  if (failed + diverged === total) {
    const reason = runs.find((r) => r.failure)?.failure?.reason;
    return { outcome: 'failed', text: `Failed: every run failed or diverged${reason ? ` (first reason: ${reason})` : ''}.` };
  }
  if (problems) return { outcome: 'partly-failed', text: `Finished, partly failed: ${total} runs, ${reached} reached the target; ${problems}.` };
  const sweep = runs.filter((r) => !r.reference && !r.fixedBudget);
  const early = sweep.filter((r) => r.status === 'censored' || (r.status === 'stopped' && !cancelledByUser(r))).length;
  const capped = sweep.filter((r) => r.status === 'finished').length;
  const reference = runs.filter((r) => r.reference).length;
  const fixed = runs.filter((r) => r.fixedBudget).length;
  const parts = [
    `${reached} reached the target`,
    early ? `${early} stopped early by the economy rules` : '',
    capped ? `${capped} ran to ${capped === 1 ? 'its' : 'their'} cap without reaching it` : '',
    reference ? `${plural(reference, 'reference run')} set the target` : '',
    fixed ? `${fixed} trained ${fixed === 1 ? 'its' : 'their'} fixed budget (local CBS: base ${fixed === 1 ? 'run or branch' : 'runs and branches'})` : '',
  ].filter(Boolean);
  return { outcome: 'finished', text: `Finished: all ${total} runs done; ${parts.join(', ')}.` };
}

/** A run's progress bar: full for every run that has ended, with what happened in words. */
export function runProgress(r: RunLine): { value: number; max: number; text: string } {
  const max = Math.max(1, r.maxSteps);
  switch (r.status) {
    case 'reached-target':
      // "by": the evaluation that saw the crossing; R(B) interpolates between evaluations, so it may be a little earlier.
      return { value: max, max, text: `reached the target by step ${r.stepsDone} (budget ${r.maxSteps})` };
    case 'finished':
      if (r.fixedBudget) return { value: max, max, text: `trained its budget, to step ${r.stepsDone}` };
      return { value: max, max, text: r.reference ? `trained exactly D: ${r.stepsDone} steps` : `ran all ${r.stepsDone} steps without reaching the target` };
    case 'censored':
      return { value: max, max, text: `stopped at step ${r.stepsDone}, unreached: far beyond linear scaling (economy)` };
    case 'diverged':
      return { value: max, max, text: `diverged at step ${r.failure?.step ?? r.stepsDone}` };
    case 'failed':
      return { value: max, max, text: `failed at step ${r.failure?.step ?? r.stepsDone}` };
    case 'stopped':
      return { value: max, max, text: cancelledByUser(r) ? `cancelled at step ${r.stepsDone}` : `stopped at step ${r.stepsDone}: another run at this batch size reached the target sooner` };
    default: {
      // Against the cap, a sweep run that stops at the target after a fifth of it would sit at 20%
      // until it ends: against the forecast's stopping step, the bar says how far it really is.
      const expected = r.expectedSteps != null && r.expectedSteps > 0 && r.expectedSteps < r.maxSteps ? Math.max(Math.round(r.expectedSteps), r.stepsDone) : null;
      if (expected !== null) return { value: r.stepsDone, max: expected, text: `${r.stepsDone} of about ${expected} steps (cap ${r.maxSteps})` };
      return { value: Math.min(r.stepsDone, max), max, text: `${r.stepsDone}/${r.maxSteps}` };
    }
  }
}
