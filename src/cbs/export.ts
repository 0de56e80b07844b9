// CSV exports of results, for pandas, spreadsheets and W&B, written with the same CSV module the
// analysis reads with (papaparse). Long format: one row per evaluation, per train step, or per
// run, each row naming its run, so the files join on run_id and pandas.read_csv reads them with no
// options: a header of snake_case names, plain numbers, empty cells for missing values (NaN in
// pandas), inf for infinities. Text cells that a spreadsheet would run as a formula are defused.
import Papa from 'papaparse';
import type { ExperimentResults, RunRecord } from '../experiment/schema';
import { nonEmbeddingParams } from '../experiment/presets';
import { measurementKey } from '../experiment/plan';
import type { CbsReport } from './report';
import type { RunOutcome } from './steps-to-target';

type Cell = string | number | null;

/** The columns that name a run, first in every file. */
export const RUN_COLUMNS = ['run_id', 'model', 'data_size', 'batch_size', 'lr', 'seed'] as const;
export const EVALUATION_COLUMNS = [...RUN_COLUMNS, 'step', 'tokens', 'ewa_loss', 'raw_loss'] as const;
export const TRAIN_STEP_COLUMNS = [...RUN_COLUMNS, 'step', 'tokens', 'train_loss', 'scheduled_lr', 'grad_norm', 'micro_grad_sq', 'batch_grad_sq', 'tokens_per_second'] as const;
export const STEPS_TO_TARGET_COLUMNS = [
  'run_id',
  'model',
  'non_embedding_params',
  'data_size',
  'batch_size',
  'peak_lr',
  'replicate',
  'status',
  'reference',
  'steps_to_target',
  'steps_done',
  'tokens_done',
  'target_loss',
  'note',
] as const;

function number(v: number): Cell {
  if (Number.isNaN(v)) return null;
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  return v;
}

function toCsv(fields: readonly string[], rows: Cell[][]): string {
  return Papa.unparse({ fields: [...fields], data: rows.map((r) => r.map((c) => (typeof c === 'number' ? number(c) : c))) }, { newline: '\n', escapeFormulae: true }) + '\n';
}

function runCells(run: RunRecord): Cell[] {
  const s = run.spec;
  return [s.id, s.model.name, s.dataSize, s.batchSize, s.peakLr, s.seeds.init];
}

/** Every evaluation of every run: one row each (EWA and raw validation loss). */
export function evaluationsCsv(results: ExperimentResults): string {
  const rows = results.runs.flatMap((run) => run.evals.map((e) => [...runCells(run), e.step, e.tokens, e.ewaLoss, e.rawLoss]));
  return toCsv(EVALUATION_COLUMNS, rows);
}

/** Every recorded train step of every run (thinned for long runs, as stored). */
export function trainStepsCsv(results: ExperimentResults): string {
  const rows = results.runs.flatMap((run) => {
    const tokensPerStep = run.spec.batchSize * run.spec.model.context;
    return run.steps.map((s) => [...runCells(run), s.step, s.step * tokensPerStep, s.trainLoss, s.lr, s.gradNorm, s.microGradSq, s.batchGradSq, s.tokensPerSecond]);
  });
  return toCsv(TRAIN_STEP_COLUMNS, rows);
}

/**
 * Steps to target: one row per run, as the report measured them, with its seed replicate and its
 * measurement's target. Reference runs are included and marked: they set the target and are not
 * points (`npm run cbs` and the page's Import, which read this file back, skip them). Without a
 * report (the analysis failed) the steps to target are left empty.
 */
export function stepsCsv(results: ExperimentResults, report: CbsReport | null): string {
  const outcome = new Map<string, RunOutcome>();
  for (const g of report?.groups ?? []) for (const p of g.points) for (const r of p.runs) outcome.set(r.runId, r);
  const targets = new Map<string, number | null>(results.targets.map((t) => [t.group, t.loss]));
  for (const g of report?.groups ?? []) targets.set(g.key, g.target.loss);
  const rows = results.runs.map((run): Cell[] => {
    const o = outcome.get(run.spec.id);
    return [
      run.spec.id,
      run.spec.model.name,
      nonEmbeddingParams(run.spec.model),
      run.spec.dataSize,
      run.spec.batchSize,
      run.spec.peakLr,
      run.spec.replicate,
      run.status,
      run.spec.role === 'reference' ? 'yes' : 'no',
      o?.steps ?? null,
      run.stepsDone,
      run.tokensDone,
      targets.get(measurementKey(run.spec.model, run.spec.dataSize)) ?? null,
      o?.reason ?? (run.failure ? run.failure.reason : null),
    ];
  });
  return toCsv(STEPS_TO_TARGET_COLUMNS, rows);
}
