// The CSV exports: their columns and rows, a round trip of the steps table through the CSV reader
// of the command line and the page, and pandas.read_csv (Debian's python3-pandas) reading the
// long-format files with no options into the dtypes one expects.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { syntheticResults } from '../experiment/synthetic';
import type { ExperimentResults } from '../experiment/schema';
import { EVALUATION_COLUMNS, TRAIN_STEP_COLUMNS, evaluationsCsv, stepsCsv, trainStepsCsv } from './export';
import { readStepsTable } from './input';
import { analyzeResults, analyzeTable } from './report';

/** The synthetic sweep, with one diverged run whose last losses are NaN and infinite, and a note a spreadsheet would run. */
function results(): ExperimentResults {
  const r = syntheticResults();
  const last = r.runs[r.runs.length - 1];
  const diverged = structuredClone(last);
  diverged.spec.id = `${last.spec.id}-diverged`;
  diverged.status = 'diverged';
  diverged.evals.push({ step: diverged.evals[diverged.evals.length - 1].step + 1, tokens: 1, validationTokens: 4096, ewaLoss: Number.NaN, ewaLosses: [Number.NaN], rawLoss: Number.POSITIVE_INFINITY });
  diverged.steps.push({ ...diverged.steps[diverged.steps.length - 1], step: diverged.steps[diverged.steps.length - 1].step + 1, trainLoss: Number.NaN });
  diverged.failure = { step: 99, reason: '=HYPERLINK("x"), then "NaN, at step 99"' };
  diverged.stepsToTarget = null;
  return { ...r, runs: [...r.runs, diverged] };
}

const parse = (csv: string) => Papa.parse<Record<string, string>>(csv.trim(), { header: true }).data;

describe('CSV exports', () => {
  const res = results();
  const evals = evaluationsCsv(res);
  const train = trainStepsCsv(res);

  it('evaluations: the long format the issue names, one row per evaluation, in run order', () => {
    expect(evals.split('\n')[0]).toBe('run_id,model,data_size,batch_size,lr,seed,step,tokens,ewa_loss,raw_loss');
    expect(EVALUATION_COLUMNS.join(',')).toBe(evals.split('\n')[0]);
    const rows = parse(evals);
    expect(rows).toHaveLength(res.runs.reduce((n, r) => n + r.evals.length, 0));
    const run = res.runs[1];
    const first = rows.find((row) => row.run_id === run.spec.id);
    expect(first).toEqual({
      run_id: run.spec.id,
      model: run.spec.model.name,
      data_size: String(run.spec.dataSize),
      batch_size: String(run.spec.batchSize),
      lr: String(run.spec.peakLr),
      seed: String(run.spec.seeds.init),
      step: String(run.evals[0].step),
      tokens: String(run.evals[0].tokens),
      ewa_loss: String(run.evals[0].ewaLoss),
      raw_loss: String(run.evals[0].rawLoss),
    });
    // NaN is an empty cell, an infinity is inf.
    expect(rows[rows.length - 1]).toMatchObject({ ewa_loss: '', raw_loss: 'inf' });
  });

  it('train steps: one row per stored step, tokens = step · B · context', () => {
    expect(train.split('\n')[0]).toBe(TRAIN_STEP_COLUMNS.join(','));
    const rows = parse(train);
    expect(rows).toHaveLength(res.runs.reduce((n, r) => n + r.steps.length, 0));
    const run = res.runs[0];
    const row = rows.find((r) => r.run_id === run.spec.id);
    expect(Number(row?.tokens)).toBe(run.steps[0].step * run.spec.batchSize * run.spec.model.context);
    expect(Number(row?.train_loss)).toBe(run.steps[0].trainLoss);
  });

  it('defuses a formula behind a leading TAB or carriage return too, in every text cell', () => {
    const r = syntheticResults();
    const names = ['\t=HYPERLINK("x")', '\r=1+1', '=1+1', '+1', '-1', '@SUM(1)'];
    r.runs = r.runs.slice(0, names.length).map((run, i) => ({ ...run, spec: { ...run.spec, model: { ...run.spec.model, name: names[i] } } }));
    expect(parse(stepsCsv(r, null)).map((row) => row.model)).toEqual(names.map((n) => `'${n}`));
  });

  it('the steps table round-trips through the CSV reader: the same B* as the analysis of the results', () => {
    const report = analyzeResults(res, { bootstrap: { resamples: 50 } });
    const csv = stepsCsv(res, report);
    // Without a report the note is the failure: a formula is defused, its commas and quotes stay in one cell.
    const bare = stepsCsv(res, null).trim().split('\n');
    expect(bare[bare.length - 1]).toMatch(/,0,diverged,no,,20,81920,[\d.]+,"'=HYPERLINK\(""x""\), then ""NaN, at step 99"""$/);
    expect(parse(stepsCsv(res, null)).at(-1)?.note).toBe(`'=HYPERLINK("x"), then "NaN, at step 99"`);
    const table = readStepsTable(csv);
    // Reference runs set the target; they are not points, so the reader skips them.
    const references = res.runs.filter((r) => r.spec.role === 'reference').length;
    expect(references).toBeGreaterThan(0);
    expect(table.rows).toHaveLength(res.runs.length - references);
    expect(table.source.referenceRows).toBe(references);
    expect(table.source.columns.steps.header).toBe('steps_to_target');
    // The reference run sets the target: marked, with no steps to target of its own.
    const first = parse(csv)[0];
    expect(first).toMatchObject({ reference: 'yes', steps_to_target: '', replicate: '0' });
    expect(Number(first.target_loss)).toBe(report.groups[0].target.loss);
    const again = analyzeTable(table.rows, { analysis: report.settings, bootstrap: report.settings.bootstrap }, table.source);
    expect(again.groups.map((g) => g.cbs.bStar)).toEqual(report.groups.map((g) => g.cbs.bStar));
    expect(again.groups.map((g) => g.points.map((p) => p.steps))).toEqual(report.groups.map((g) => g.points.map((p) => p.steps)));
  });

  it('pandas.read_csv reads both long-format files with no options: numeric columns as numbers, NaN and inf kept', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cbs-export-'));
    writeFileSync(join(dir, 'evaluations.csv'), evals);
    writeFileSync(join(dir, 'train-steps.csv'), train);
    const script = `
import json, sys
try:
    import pandas as pd
except ImportError:
    sys.exit("pandas is missing: apt-get install python3-pandas (npm run test:ci installs it)")
out = {}
for name in ["evaluations", "train-steps"]:
    df = pd.read_csv(sys.argv[1] + "/" + name + ".csv")
    out[name] = {"dtypes": {c: str(t) for c, t in df.dtypes.items()}, "rows": len(df),
                 "nan": int(df.iloc[:, -1 if name == "evaluations" else 8].isna().sum()),
                 "sum_step": int(df["step"].sum()), "first_loss": float(df.iloc[0, 8])}
ev = pd.read_csv(sys.argv[1] + "/evaluations.csv")
out["evaluations"]["ewa_nan"] = int(ev["ewa_loss"].isna().sum())
out["evaluations"]["raw_inf"] = int((ev["raw_loss"] == float("inf")).sum())
print(json.dumps(out))
`;
    const py = spawnSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' });
    expect(py.stderr, 'Debian python3 with pandas (apt-get install python3-pandas)').toBe('');
    expect(py.status).toBe(0);
    const out = JSON.parse(py.stdout) as Record<string, { dtypes: Record<string, string>; rows: number; sum_step: number; first_loss: number; ewa_nan?: number; raw_inf?: number }>;
    const ints = ['data_size', 'batch_size', 'seed', 'step', 'tokens'];
    expect(out.evaluations.dtypes).toEqual({ run_id: 'object', model: 'object', lr: 'float64', ewa_loss: 'float64', raw_loss: 'float64', ...Object.fromEntries(ints.map((c) => [c, 'int64'])) });
    expect(out['train-steps'].dtypes).toMatchObject({ run_id: 'object', train_loss: 'float64', scheduled_lr: 'float64', grad_norm: 'float64', ...Object.fromEntries(ints.map((c) => [c, 'int64'])) });
    expect(out.evaluations.rows).toBe(res.runs.reduce((n, r) => n + r.evals.length, 0));
    expect(out['train-steps'].rows).toBe(res.runs.reduce((n, r) => n + r.steps.length, 0));
    expect(out.evaluations.sum_step).toBe(res.runs.reduce((n, r) => n + r.evals.reduce((m, e) => m + e.step, 0), 0));
    expect(out.evaluations.first_loss).toBe(res.runs[0].evals[0].ewaLoss);
    expect(out['train-steps'].first_loss).toBe(res.runs[0].steps[0].trainLoss);
    expect(out.evaluations.ewa_nan).toBe(1);
    expect(out.evaluations.raw_inf).toBe(1);
  });
});
