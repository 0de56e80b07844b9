import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { importJson } from '../experiment/codec';
import type { ExperimentConfig, RunRecord, RunSpec } from '../experiment/schema';
import { validateResults } from '../experiment/validate';
import { experimentLine, importScaleOutResults, recordLine, runFileName, type ResultsText } from './import';
import { packagePlan } from './manifest';

const config = (): ExperimentConfig => {
  const decoded = importJson(readFileSync('e2e/fixtures/tiny.json', 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.config;
};

/** A record as train.py writes it: steps to target 8 + 64/B, the target (3) from the reference. */
function record(spec: RunSpec, status: RunRecord['status'] = 'reached-target'): RunRecord {
  const reference = spec.role === 'reference';
  const reach = reference ? null : 8 + 64 / spec.batchSize;
  const steps = reach ?? spec.maxSteps;
  const decays = spec.ewaDecays.length;
  return {
    spec: reference ? spec : { ...spec, targetLoss: 3 },
    status,
    evals: [1, 2, 4, 8, steps]
      .filter((s, i, all) => s <= steps && all.indexOf(s) === i)
      .map((s) => ({ step: s, tokens: s * 128, validationTokens: 4096, ewaLoss: s === steps ? 3 : 4, ewaLosses: Array.from({ length: decays }, () => (s === steps ? 3 : 4)), rawLoss: s === steps ? null : 3.9 })),
    steps: Array.from({ length: steps }, (_, i) => ({ step: i + 1, trainLoss: 5 - i / 10, lr: 0.01, gradNorm: 1, microGradSq: 2, batchGradSq: 1, tokensPerSecond: 1000 })),
    stepsToTarget: reach,
    stepsDone: steps,
    tokensDone: steps * spec.batchSize * spec.model.context,
    failure: null,
    wallSeconds: 1,
    adapter: 'PyTorch 2.5 DDP × 8, NVIDIA H100, bf16',
  };
}

function folder(records: RunRecord[], plan: RunSpec[]): ResultsText[] {
  return [
    { name: 'experiment.jsonl', text: experimentLine(config()), lastModified: Date.UTC(2026, 0, 1) },
    ...records.map((r) => ({ name: runFileName(plan.findIndex((s) => s.id === r.spec.id)), text: recordLine(r), lastModified: Date.UTC(2026, 0, 2) })),
  ];
}

describe('importing the results of a PyTorch package', () => {
  const plan = packagePlan(config(), 257);
  const all = plan.map((s) => record(s, s.role === 'reference' ? 'finished' : 'reached-target'));

  it('reads a results folder into valid results, with each measurement\'s target and where it came from', () => {
    const { decoded, warnings } = importScaleOutResults(folder(all, plan));
    expect(warnings).toEqual([]);
    if (!decoded.ok || decoded.kind !== 'results') throw new Error(decoded.ok ? 'not results' : decoded.message);
    const results = decoded.results;
    expect(validateResults(results)).toEqual([]);
    expect(results.config).toEqual(config());
    expect(results.runs.map((r) => r.spec.id)).toEqual(plan.map((s) => s.id));
    expect(results.targets).toEqual([{ group: 'L1d32h2T32V257|D2048', loss: 3, from: [plan[0].id] }]);
    expect(results.adapter).toBe('PyTorch 2.5 DDP × 8, NVIDIA H100, bf16');
    expect([results.startedAt, results.finishedAt]).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
  });

  it('says when the sweep runs used another target than their reference runs set (an older train.py averaged every reference run)', () => {
    // The reference ends at 2.8, the sweep runs stopped at 3: the results are kept as trained, with a warning.
    const lower = all.map((r) => (r.spec.role === 'reference' ? { ...r, evals: r.evals.map((e, i) => (i === r.evals.length - 1 ? { ...e, ewaLoss: 2.8 } : e)) } : r));
    const { decoded, warnings } = importScaleOutResults(folder(lower, plan));
    if (!decoded.ok || decoded.kind !== 'results') throw new Error('not results');
    expect(decoded.results.targets[0].loss).toBe(3);
    expect(warnings).toEqual([
      "demo · D = 2.05k: the sweep runs stopped at the target 3.0000, but the reference runs set 2.8000 (each seed's best over its learning rates; an older train.py averaged every reference run): export the package again and train these sweep runs again to measure R(B) at the lab's target",
    ]);
  });

  it('reads one merged file the same way, and the latest record of a run trained again wins', () => {
    const failed = { ...record(plan[3], 'failed'), failure: { step: 0, reason: 'torchrun exited with status 137' }, stepsToTarget: null };
    const files = folder([...all.slice(0, 3), failed, all[3]], plan);
    const merged = [{ name: 'results.jsonl', text: files.map((f) => f.text).join('') }];
    for (const input of [files, merged]) {
      const { decoded, warnings } = importScaleOutResults(input);
      if (!decoded.ok || decoded.kind !== 'results') throw new Error('not results');
      expect(decoded.results.runs.map((r) => r.status)).toEqual(['finished', 'reached-target', 'reached-target', 'reached-target']);
      expect(warnings).toEqual(['1 earlier record of runs trained again were replaced by the latest']);
    }
  });

  it('keeps failed runs with their reason, reads NaN written as null, and says which planned runs are missing', () => {
    const diverged = { ...record(plan[2], 'diverged'), failure: { step: 3, reason: 'the training loss became NaN at step 3' }, stepsToTarget: null };
    diverged.steps[2].trainLoss = NaN;
    const { decoded, warnings } = importScaleOutResults(folder([all[0], all[1], diverged], plan));
    if (!decoded.ok || decoded.kind !== 'results') throw new Error('not results');
    expect(decoded.results.runs[2].failure).toEqual({ step: 3, reason: 'the training loss became NaN at step 3' });
    expect(decoded.results.runs[2].steps[2].trainLoss).toBeNaN();
    expect(decoded.results.finishedAt).toBeNull();
    expect(warnings).toEqual([`1 of the 4 planned runs have no record yet: ${plan[3].id}`]);
  });

  it('sets aside a last line cut short by a crash, but refuses damage elsewhere', () => {
    const files = folder(all, plan);
    files[1] = { ...files[1], text: files[1].text + '{"spec":{"id":"x"' };
    const cut = importScaleOutResults(files);
    expect(cut.decoded.ok).toBe(true);
    expect(cut.warnings).toEqual(['run-00000.jsonl line 2 is cut short (a run stopped while writing it): ignored']);
    files[1] = { ...files[1], text: '{oops\n' + recordLine(all[0]) };
    expect(importScaleOutResults(files).decoded).toMatchObject({ ok: false, message: 'run-00000.jsonl line 1 is not JSON' });
  });

  it('refuses results without their config, with two different configs, or with lines of another kind', () => {
    const files = folder(all, plan);
    expect(importScaleOutResults(files.slice(1)).decoded).toMatchObject({ ok: false, message: expect.stringContaining('no experiment config') });
    const other = { name: 'other.jsonl', text: experimentLine({ ...config(), name: 'another' }) };
    expect(importScaleOutResults([...files, other]).decoded).toMatchObject({ ok: false, message: expect.stringContaining('mix two experiments') });
    expect(importScaleOutResults([...files, { name: 'x.jsonl', text: '{"hello":1}\n' }]).decoded).toMatchObject({
      ok: false,
      message: 'x.jsonl line 1 is neither a run record nor the experiment\'s config',
    });
    expect(importScaleOutResults(files.slice(0, 1)).decoded).toMatchObject({ ok: false, message: expect.stringContaining('no run record yet') });
  });

  it('refuses a record that the lab would not accept, naming the field', () => {
    const bad = { ...all[1], stepsDone: 'many' } as unknown as RunRecord;
    const { decoded } = importScaleOutResults(folder([all[0], bad], plan));
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.issues?.[0].path).toBe('runs[1].stepsDone');
  });
});
