// Command line: npm run cbs -- <results.json | steps.csv> [flags]
// Prints the fit, B* and its interval per (model, data size) group and the scaling fits across
// groups, and writes the JSON report with --out. Errors print one line and exit non-zero.
// The input is read in one place, readInput(): results JSON through the shared codec, a PyTorch
// package's results through src/scale-out/import.ts, or a CSV through src/cbs/input.ts (the page's
// Import reads CSV and package results with the same modules).
import { readFileSync, writeFileSync } from 'node:fs';
import type { BootstrapOptions } from '../src/cbs/bootstrap';
import { formatReport } from '../src/cbs/format';
import { analyzeLocalCbs, type LocalCbsReport } from '../src/cbs/local-cbs';
import { formatLocalCbsReport } from '../src/cbs/local-cbs-format';
import { importJson } from '../src/experiment/codec';
import type { ExperimentResults } from '../src/experiment/schema';
import { COLUMN_ALIASES, InputError, SIZE_UNITS, type TableInput, type TableReadOptions, readStepsTable } from '../src/cbs/input';
import { type CbsReport, DEFAULT_ANALYSIS, type ReportInput, analyzeResults, analyzeTable } from '../src/cbs/report';
import { UsageError, choiceOption, numberOption, parseCommand, printUsage, runCommand } from './cli';
import { readScaleOutResults } from './scale-out/read-results';

const USAGE = `usage: npm run cbs -- <file> [flags]

<file> is stored results JSON (ExperimentResults), the results folder (or merged .jsonl file) of
a PyTorch package (npm run export:torch), or a CSV of steps to target with a header and
one row per run (several rows per batch size allowed: the minimum is taken; empty steps or NA mark
a run that never reached the target). Quoted fields may hold commas. Lines starting with # are
skipped. The columns are found by these names (any case) unless named with the flags below:
  batch size      ${COLUMN_ALIASES.batchSize.join(', ')}
  steps           ${COLUMN_ALIASES.steps.join(', ')}
  model size N    ${COLUMN_ALIASES.modelSize.join(', ')}  (optional)
  data size D     ${COLUMN_ALIASES.dataSize.join(', ')}  (optional)
  seed replicate  ${COLUMN_ALIASES.replicate.join(', ')}  (optional)
Rows marked as reference runs (a column reference = yes, or role = reference) are skipped.
Results of a local-CBS experiment (kind "local-cbs") get the local-CBS report instead: the local
CBS at each checkpoint with every branch's verdict, the noise scale, the warmup schedule.
This reads the lab's steps CSV export and the paper's notebook table (model_params_m,
batch_size,steps_to_target) as they are. A size header ending in _k, _m or _b (model_params_m)
gives its unit; cells like 85M or 3.07B carry their own. The report says what it read.

flags:
  --out FILE              write the JSON report to FILE
  --overhead X            extra steps over linear scaling that define B* (default 0.2, the paper's 20%)
  --baseline B            linear-scaling baseline batch size (default: smallest measured B)
  --target L              target loss for every measurement; recomputes steps to target from the stored
                          evaluations (results JSON only). --target NAME=L (repeatable) sets one measurement's,
                          NAME as the report prints it or its key
  --interpolate           interpolate the crossing in log-steps (default: the results' setting, else off)
  --no-interpolate        use the first evaluation at or below the target
  --ci LEVEL              confidence level of the interval, 0.9 or 90 (default 0.9)
  --seed N                bootstrap seed (default 1)
  --resamples N           bootstrap resamples (default 1000)
  --bootstrap METHOD      replicates (default with seed replicates) | points (default otherwise) | residuals
  --context T             tokens per sequence for CSV input, to give B* in tokens (results JSON knows it)
  --batch-col NAME        CSV column of batch sizes
  --steps-col NAME        CSV column of steps to target
  --model-size-col NAME   CSV column of model sizes N (non-embedding parameters)
  --data-size-col NAME    CSV column of data sizes D (tokens)
  --replicate-col NAME    CSV column of seed replicates (rows of one replicate at one B: the minimum is taken)
  --group-col NAME        CSV column that splits the rows into separate measurements (e.g. a W&B group)
  --model-size-unit U     unit of bare numbers in the model-size column: ${SIZE_UNITS.join(', ')}
  --data-size-unit U      unit of bare numbers in the data-size column: ${SIZE_UNITS.join(', ')}
  --json                  print the JSON report to stdout instead of the table
  --help                  this text

exit codes: 0 done, 1 unreadable or invalid input, 2 bad usage.
`;

const OPTIONS = {
  out: { type: 'string' },
  overhead: { type: 'string' },
  baseline: { type: 'string' },
  target: { type: 'string', multiple: true },
  interpolate: { type: 'boolean' },
  ci: { type: 'string' },
  seed: { type: 'string' },
  resamples: { type: 'string' },
  bootstrap: { type: 'string' },
  context: { type: 'string' },
  'batch-col': { type: 'string' },
  'steps-col': { type: 'string' },
  'model-size-col': { type: 'string' },
  'data-size-col': { type: 'string' },
  'replicate-col': { type: 'string' },
  'group-col': { type: 'string' },
  'model-size-unit': { type: 'string' },
  'data-size-unit': { type: 'string' },
  json: { type: 'boolean' },
} as const;

interface CliArgs {
  file: string;
  out: string | null;
  json: boolean;
  target: number | Record<string, number> | null;
  table: TableReadOptions;
  options: ReportInput;
  analysis: { overhead?: number; baselineBatch?: number; interpolate?: boolean };
}

/** --target L (every measurement) or --target NAME=L, repeatable (one measurement each). */
function targetOption(values: string[] | undefined): CliArgs['target'] {
  if (!values || values.length === 0) return null;
  const named = values.filter((v) => v.includes('='));
  if (named.length === 0 && values.length === 1) return numberOption('target', values[0], { above: 0 }) ?? null;
  if (named.length !== values.length) throw new UsageError('--target takes one loss for every measurement, or NAME=LOSS for each one: not both');
  const out: Record<string, number> = {};
  for (const v of named) {
    const at = v.lastIndexOf('=');
    out[v.slice(0, at)] = numberOption('target', v.slice(at + 1), { above: 0 }) as number;
  }
  return out;
}

function cliArgs(argv: string[]): CliArgs | null {
  const parsed = parseCommand(argv, { options: OPTIONS, positionals: { min: 1, max: 1, what: 'input file' } });
  if (parsed === null) return null;
  const v = parsed.values;
  // A level (0.9) or a percentage (90).
  const level = numberOption('ci', v.ci, { above: 0, below: 100 });
  const bootstrap: Partial<BootstrapOptions> = {};
  if (level !== undefined) bootstrap.level = level >= 1 ? level / 100 : level;
  const seed = numberOption('seed', v.seed, { integer: true });
  if (seed !== undefined) bootstrap.seed = seed;
  const resamples = numberOption('resamples', v.resamples, { integer: true, min: 10, max: 1e6 });
  if (resamples !== undefined) bootstrap.resamples = resamples;
  const method = choiceOption('bootstrap', v.bootstrap, ['replicates', 'points', 'residuals'] as const);
  if (method !== undefined) bootstrap.method = method;
  const analysis: CliArgs['analysis'] = {};
  const overhead = numberOption('overhead', v.overhead, { above: 0 }, 'a positive number such as 0.2');
  if (overhead !== undefined) analysis.overhead = overhead;
  const baseline = numberOption('baseline', v.baseline, { above: 0 }, 'a positive batch size');
  if (baseline !== undefined) analysis.baselineBatch = baseline;
  if (v.interpolate !== undefined) analysis.interpolate = v.interpolate;
  const context = numberOption('context', v.context, { above: 0 }, 'a positive number of tokens');
  const columns: TableReadOptions['columns'] = {};
  const named: [keyof NonNullable<TableReadOptions['columns']>, string | undefined][] = [
    ['batchSize', v['batch-col']],
    ['steps', v['steps-col']],
    ['modelSize', v['model-size-col']],
    ['dataSize', v['data-size-col']],
    ['replicate', v['replicate-col']],
    ['group', v['group-col']],
  ];
  for (const [column, name] of named) if (name !== undefined) columns[column] = name;
  const modelSizeUnit = choiceOption('model-size-unit', v['model-size-unit'], SIZE_UNITS);
  const dataSizeUnit = choiceOption('data-size-unit', v['data-size-unit'], SIZE_UNITS);
  return {
    file: parsed.positionals[0],
    out: v.out ?? null,
    json: v.json === true,
    target: targetOption(v.target),
    table: { columns, ...(modelSizeUnit ? { modelSizeUnit } : {}), ...(dataSizeUnit ? { dataSizeUnit } : {}) },
    options: { bootstrap, ...(context !== undefined ? { context } : {}) },
    analysis,
  };
}

/** What the file holds: results (through the shared codec) or a table of steps to target. */
type Input = { kind: 'results'; results: ExperimentResults } | { kind: 'table'; table: TableInput };

/** Reads the input file, whatever it holds; the one place that knows the input formats. */
function readInput(file: string, table: TableReadOptions): Input {
  const scaleOut = readScaleOutResults(file, (w) => process.stderr.write(`cbs: warning: ${w}\n`));
  if (scaleOut) return { kind: 'results', results: scaleOut };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (/\.json$/i.test(file) || /^\s*[{[]/.test(text)) {
    // The shared codec: lab files or bare results, migrated from older versions and validated.
    const decoded = importJson(text);
    if (!decoded.ok) {
      const issues = (decoded.issues ?? []).slice(0, 5).map((i) => `\n  ${i.path || '(root)'}: ${i.message}`);
      throw new InputError(`${file}: ${decoded.message}${issues.join('')}`);
    }
    if (decoded.kind !== 'results') throw new InputError(`${file} holds an experiment config, not results: there are no runs to analyse`);
    return { kind: 'results', results: decoded.results };
  }
  return { kind: 'table', table: readStepsTable(text, table) };
}

/** A report and its text: the CBS report, or the local-CBS report of a local-CBS experiment's results. */
function analyze(args: CliArgs): { report: CbsReport | LocalCbsReport; text: string } {
  const input = readInput(args.file, args.table);
  if (input.kind === 'results' && input.results.config.kind === 'local-cbs') {
    const report = analyzeLocalCbs(input.results);
    return { report, text: formatLocalCbsReport(report) };
  }
  const report = analyzeSweep(args, input);
  return { report, text: formatReport(report) };
}

function analyzeSweep(args: CliArgs, input: Input): CbsReport {
  if (input.kind === 'results') {
    const analysis = { ...input.results.config.analysis, ...args.analysis };
    return analyzeResults(input.results, { ...args.options, analysis, targetLoss: args.target });
  }
  if (args.target !== null) throw new UsageError('--target needs results JSON with stored evaluations; a CSV already gives steps to target');
  return analyzeTable(input.table.rows, { ...args.options, analysis: { ...DEFAULT_ANALYSIS, ...args.analysis } }, input.table.source);
}

runCommand(
  'cbs',
  USAGE,
  () => {
    const args = cliArgs(process.argv.slice(2));
    if (args === null) return printUsage(USAGE);
    const { report, text } = analyze(args);
    const json = JSON.stringify(report, null, 2);
    process.stdout.write(args.json ? json + '\n' : text);
    if (args.out) {
      try {
        writeFileSync(args.out, json + '\n');
      } catch (e) {
        throw new InputError(`cannot write ${args.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (!args.json) process.stdout.write(`\nreport written to ${args.out}\n`);
    }
    return 0;
  },
  { expected: (e) => e instanceof InputError || e instanceof RangeError },
);
