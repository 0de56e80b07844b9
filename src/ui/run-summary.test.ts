import { describe, expect, it } from 'vitest';
import { experimentSummary, runProgress, type RunLine } from './run-summary';

const run = (status: RunLine['status'], extra: Partial<RunLine> = {}): RunLine => ({ status, reference: false, stepsDone: 40, maxSteps: 100, failure: null, ...extra });

describe('what the monitor says', () => {
  it('while training: runs done, reached, running, queued', () => {
    expect(experimentSummary('running', [run('finished', { reference: true }), run('reached-target'), run('running'), run('queued')], null)).toEqual({
      outcome: 'running',
      text: 'Training: 2 of 4 runs done (1 run reached the target), 1 running, 1 queued.',
    });
    expect(experimentSummary('running', [], null).outcome).toBe('preparing');
  });
  it('finished: every run done, and how (economy stops are not failures)', () => {
    const economy = { step: 40, reason: 'another run at B = 8 reached the target in 30 steps: this one can no longer lower R(B)' };
    const s = experimentSummary('finished', [run('finished', { reference: true }), run('reached-target'), run('reached-target'), run('finished'), run('censored'), run('stopped', { failure: economy })], null);
    expect(s).toEqual({ outcome: 'finished', text: 'Finished: all 6 runs done; 2 reached the target, 2 stopped early by the economy rules, 1 ran to its cap without reaching it, 1 reference run set the target.' });
    expect(runProgress(run('stopped', { failure: economy, stepsDone: 30 })).text).toBe('stopped at step 30: another run at this batch size reached the target sooner');
    expect(runProgress(run('censored', { stepsDone: 90 }))).toEqual({ value: 100, max: 100, text: 'stopped at step 90, unreached: far beyond linear scaling (economy)' });
  });
  it('cancelled and stopped experiments say so, never "finished"', () => {
    expect(experimentSummary('stopped', [run('reached-target'), run('stopped', { failure: { step: 40, reason: 'cancelled by the user' } }), run('queued')], null)).toEqual({
      outcome: 'cancelled',
      text: 'Cancelled: 2 of 3 runs done (1 run reached the target); 1 did not run; 1 cancelled.',
    });
    const broken = experimentSummary('stopped', [run('reached-target'), run('queued')], 'the worker crashed');
    expect(broken.outcome).toBe('failed');
    expect(broken.text).toBe('The experiment stopped: the worker crashed. 1 of 2 runs done; 1 did not run.');
  });
  it('failed and partly failed experiments say so', () => {
    const failure = { step: 3, reason: 'no adapter' };
    expect(experimentSummary('finished', [run('failed', { failure }), run('failed', { failure })], null)).toEqual({ outcome: 'failed', text: 'Failed: every run failed or diverged (first reason: no adapter).' });
    expect(experimentSummary('finished', [run('reached-target'), run('diverged'), run('failed', { failure })], null)).toEqual({
      outcome: 'partly-failed',
      text: 'Finished, partly failed: 3 runs, 1 reached the target; 1 failed, 1 diverged.',
    });
  });
  it('a run that ended reads as complete, with what happened', () => {
    expect(runProgress(run('reached-target', { stepsDone: 156, maxSteps: 625 }))).toEqual({ value: 625, max: 625, text: 'reached the target by step 156 (budget 625)' });
    expect(runProgress(run('finished', { reference: true, stepsDone: 128, maxSteps: 128 }))).toEqual({ value: 128, max: 128, text: 'trained exactly D: 128 steps' });
    expect(runProgress(run('stopped', { stepsDone: 12, failure: { step: 12, reason: 'cancelled by the user' } })).text).toBe('cancelled at step 12');
    expect(runProgress(run('running', { stepsDone: 12 }))).toEqual({ value: 12, max: 100, text: '12/100' });
    // With the forecast's stopping step the bar runs against it, not against the cap.
    expect(runProgress(run('running', { stepsDone: 1316, maxSteps: 10000, expectedSteps: 1539.6 }))).toEqual({ value: 1316, max: 1540, text: '1316 of about 1540 steps (cap 10000)' });
    // Past the forecast, the bar is full and the count is the run's own.
    expect(runProgress(run('running', { stepsDone: 1600, maxSteps: 10000, expectedSteps: 1540 }))).toEqual({ value: 1600, max: 1600, text: '1600 of about 1600 steps (cap 10000)' });
    // A forecast at the cap (or none) reads against the cap.
    expect(runProgress(run('queued', { stepsDone: 0, maxSteps: 313, expectedSteps: 313 })).text).toBe('0/313');
  });
  it('local CBS: base runs and branches train a fixed budget, with no target', () => {
    const base = run('finished', { fixedBudget: true, stepsDone: 313, maxSteps: 313 });
    const branch = run('finished', { fixedBudget: true, stepsDone: 112, maxSteps: 112 });
    expect(runProgress(branch)).toEqual({ value: 112, max: 112, text: 'trained its budget, to step 112' });
    expect(experimentSummary('finished', [base, branch, run('reached-target'), run('reached-target')], null)).toEqual({
      outcome: 'finished',
      text: 'Finished: all 4 runs done; 2 reached the target, 2 trained their fixed budget (local CBS: base runs and branches).',
    });
  });
});
