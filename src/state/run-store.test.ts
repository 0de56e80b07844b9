import { beforeEach, describe, expect, it } from 'vitest';
import { useRunStore } from './run-store';
import { syntheticResults } from '../experiment/synthetic';
import { defaultConfig } from '../experiment/presets';
import { groupKey } from '../train/sweep';

const fixture = syntheticResults();
const ref = fixture.runs[0];
const run = fixture.runs[1];

describe('run store: the actions the scheduler calls', () => {
  beforeEach(() => useRunStore.getState().clear());

  it('queue → progress → eval → finished builds live results; the target arrives from the reference', () => {
    const s = useRunStore.getState;
    s().experimentStarted(defaultConfig(), 'test adapter', []);
    expect(s().status).toBe('running');
    expect(s().targetLoss).toBeNull(); // the demo's target comes from a reference run
    s().runQueued(ref.spec);
    s().runQueued({ ...run.spec, targetLoss: null });
    expect(s().order).toEqual([ref.spec.id, run.spec.id]);
    s().runStarted(run.spec.id);
    // The estimate is the forecast before any training; no cost model is cached here, so no time yet.
    expect(s().estimate).toMatchObject({ runCount: 2, runsDone: 0, remainingSeconds: null });
    s().runProgress(run.spec.id, { ...run.steps[0], step: 9, tokensPerSecond: 1200 }, null);
    s().runProgress(run.spec.id, { ...run.steps[0], step: 10, tokensPerSecond: 1280 }, { trainSeconds: 0.5, evalSeconds: 0, checkpointSeconds: 0, dataSeconds: 1, setupSeconds: 2 });
    // Steps are shown in batches (at most every PROGRESS_EVERY_MS), or at once when asked.
    expect(s().runs[run.spec.id].stepsDone).toBe(0);
    s().flushProgress();
    const live = s().runs[run.spec.id];
    expect(live.trainLoss.map((p) => p.step)).toEqual([9, 10]);
    expect(live.status).toBe('running');
    expect(live.stepsDone).toBe(10);
    expect(live.tokensDone).toBe(10 * 4 * 32);
    expect(live.tokensPerSecond).toBe(1280);
    // The ETA counts cost: the forecast, refitted from this run's own timing (0.05 s per step so far).
    const forecast = s().forecast!;
    expect(forecast.cost?.shapes[Object.keys(forecast.cost.shapes)[0]].stepSecondsPerSequence).toBeCloseTo(0.05 / 4, 12);
    expect(live.etaSeconds).toBe(forecast.runs[run.spec.id].remainingSeconds);
    expect(live.etaSeconds).toBeGreaterThan(0);
    expect(forecast.tokensDone).toBe(10 * 4 * 32);
    s().runEval(run.spec.id, run.evals[0]);
    expect(s().runs[run.spec.id].evals).toHaveLength(1);
    s().runFinished(ref);
    const other = 'L1d1h1T1V1|D1';
    s().targetKnown({ group: groupKey(run.spec), loss: 2.6, from: [ref.spec.id] });
    s().targetKnown({ group: other, loss: 2.6, from: [] });
    expect(s().targetLoss).toBe(2.6); // both groups agree
    s().targetKnown({ group: other, loss: 3.0, from: [] });
    expect(s().targetLoss).toBeNull(); // groups differ: no single target
    s().targetKnown({ group: other, loss: 2.6, from: [] });
    expect(s().runs[run.spec.id].spec.targetLoss).toBe(2.6);
    expect(s().runs[ref.spec.id].spec.targetLoss).toBeNull();
    expect(s().results?.targets.find((t) => t.group === groupKey(run.spec))).toEqual({ group: groupKey(run.spec), loss: 2.6, from: [ref.spec.id] });
    s().runFinished(run);
    expect(s().results?.runs.map((r) => r.spec.id)).toEqual([ref.spec.id, run.spec.id]);
    expect(s().results?.finishedAt).toBeNull();
    s().experimentFinished();
    expect(s().status).toBe('finished');
    expect(s().results?.finishedAt).not.toBeNull();
    expect(s().resultsOrigin).toBe('live');
  });

  it('pause and resume per run; showResults swaps what the charts show', () => {
    const s = useRunStore.getState;
    s().experimentStarted(defaultConfig(), 'a', []);
    s().runQueued(run.spec);
    s().runStatus(run.spec.id, 'paused');
    expect(s().runs[run.spec.id].status).toBe('paused');
    s().showResults(fixture, 'link');
    expect(s().results).toBe(fixture);
    expect(s().resultsOrigin).toBe('link');
    expect(s().order).toEqual([run.spec.id]); // live runs untouched
    s().showResults(null, null);
    expect(s().results).toBeNull();
  });

  it('a fixed target is known from the start', () => {
    useRunStore.getState().experimentStarted({ ...defaultConfig(), target: { kind: 'fixed', loss: 3.1 } }, 'a', []);
    expect(useRunStore.getState().targetLoss).toBe(3.1);
  });

  it('the hub revisions the data came from go into the results, and only when there are some', () => {
    const s = useRunStore.getState;
    const revisions = [{ repo: 'datasets/allenai/c4', requested: 'main', commit: '1588ec454efa1a09f29cd18ddd04fe05fc8653a2' }];
    s().experimentStarted(defaultConfig(), 'a', revisions);
    s().runFinished(ref);
    expect(s().results?.dataRevisions).toEqual(revisions);
    s().experimentStarted(defaultConfig(), 'a', []);
    s().runFinished(ref);
    expect(s().results && 'dataRevisions' in s().results!).toBe(false);
  });
});
