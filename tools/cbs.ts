// Command line: npm run cbs -- <results.json | steps.csv> [flags]
// Prints the fit, B* and its interval per (model, data size) group and the scaling fits across
// groups, and writes the JSON report with --out. Errors print one line and exit non-zero.
import { readFileSync, writeFileSync } from 'node:fs';
import type { BootstrapMethod } from '../src/cbs/bootstrap';
import { formatReport } from '../src/cbs/format';
import { importJson } from '../src/experiment/codec';
import { InputError, parseStepsCsv } from '../src/cbs/input';
import { type CbsReport, type ReportOptions, analyzeResults, analyzeTable } from '../src/cbs/report';

const USAGE = `usage: npm run cbs -- <file> [flags]

<file> is stored results JSON (ExperimentResults), or a CSV with the header
batch_size,steps[,model_size][,data_size] and one row per run (several rows per batch size
allowed: the minimum is taken; empty steps or NA mark a run that never reached the target).

flags:
  --out FILE          write the JSON report to FILE
  --overhead X        extra steps over linear scaling that define B* (default 0.2, the paper's 20%)
  --baseline B        linear-scaling baseline batch size (default: smallest measured B)
  --target L          target loss; recomputes steps to target from stored evaluations (results JSON only)
  --interpolate       interpolate the crossing in log-steps (default: the results' setting, else off)
  --no-interpolate    use the first evaluation at or below the target
  --ci LEVEL          confidence level of the interval, 0.9 or 90 (default 0.9)
  --seed N            bootstrap seed (default 1)
  --resamples N       bootstrap resamples (default 1000)
  --bootstrap METHOD  replicates (default with seed replicates) | points (default otherwise) | residuals
  --context T         tokens per sequence for CSV input, to give B* in tokens (results JSON knows it)
  --json              print the JSON report to stdout instead of the table
  --help              this text
`;

class UsageError extends Error {}

interface CliArgs {
  file: string;
  out: string | null;
  json: boolean;
  target: number | null;
  options: Partial<ReportOptions>;
  analysis: { overhead?: number; baselineBatch?: number; interpolate?: boolean };
}

function numberFlag(name: string, text: string | undefined, check: (v: number) => boolean, what: string): number {
  if (text === undefined) throw new UsageError(`${name} needs a value`);
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v) || !check(v)) throw new UsageError(`${name} must be ${what} (got "${text}")`);
  return v;
}

function parseArgs(argv: string[]): CliArgs | null {
  const args: CliArgs = { file: '', out: null, json: false, target: null, options: {}, analysis: {} };
  const bootstrap: Record<string, number | string> = {};
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let inline: string | undefined;
    if (flag.startsWith('--') && flag.includes('=')) {
      inline = flag.slice(flag.indexOf('=') + 1);
      flag = flag.slice(0, flag.indexOf('='));
    }
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--help':
      case '-h':
        return null;
      case '--out':
        args.out = value() ?? null;
        if (!args.out) throw new UsageError('--out needs a file name');
        break;
      case '--json':
        args.json = true;
        break;
      case '--overhead':
        args.analysis.overhead = numberFlag(flag, value(), (v) => v > 0, 'a positive number such as 0.2');
        break;
      case '--baseline':
        args.analysis.baselineBatch = numberFlag(flag, value(), (v) => v > 0, 'a positive batch size');
        break;
      case '--target':
        args.target = numberFlag(flag, value(), () => true, 'a number (a loss)');
        break;
      case '--interpolate':
        args.analysis.interpolate = true;
        break;
      case '--no-interpolate':
        args.analysis.interpolate = false;
        break;
      case '--ci': {
        const v = numberFlag(flag, value(), (x) => (x > 0 && x < 1) || (x >= 1 && x < 100), 'a level in (0, 1) or a percentage in [1, 100)');
        bootstrap.level = v >= 1 ? v / 100 : v;
        break;
      }
      case '--seed':
        bootstrap.seed = numberFlag(flag, value(), (v) => Number.isInteger(v), 'an integer');
        break;
      case '--resamples':
        bootstrap.resamples = numberFlag(flag, value(), (v) => Number.isInteger(v) && v >= 10 && v <= 1e6, 'an integer from 10 to 1000000');
        break;
      case '--bootstrap': {
        const m = value();
        if (m !== 'points' && m !== 'replicates' && m !== 'residuals') throw new UsageError(`--bootstrap must be replicates, points or residuals (got "${m ?? ''}")`);
        bootstrap.method = m;
        break;
      }
      case '--context':
        args.options.context = numberFlag(flag, value(), (v) => v > 0, 'a positive number of tokens');
        break;
      default:
        if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown flag ${flag}`);
        files.push(flag);
    }
  }
  if (files.length !== 1) throw new UsageError(files.length === 0 ? 'no input file given' : `one input file expected, got ${files.length}: ${files.join(' ')}`);
  args.file = files[0];
  args.options.bootstrap = {
    ...(bootstrap.level !== undefined ? { level: bootstrap.level as number } : {}),
    ...(bootstrap.seed !== undefined ? { seed: bootstrap.seed as number } : {}),
    ...(bootstrap.resamples !== undefined ? { resamples: bootstrap.resamples as number } : {}),
    ...(bootstrap.method !== undefined ? { method: bootstrap.method as BootstrapMethod } : {}),
  } as ReportOptions['bootstrap'];
  return args;
}

function analyze(args: CliArgs): CbsReport {
  let text: string;
  try {
    text = readFileSync(args.file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read ${args.file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const looksJson = /\.json$/i.test(args.file) || /^\s*[{[]/.test(text);
  if (looksJson) {
    // The shared codec: lab files or bare results, migrated from older versions and validated.
    const decoded = importJson(text);
    if (!decoded.ok) {
      const issues = (decoded.issues ?? []).slice(0, 5).map((i) => `\n  ${i.path || '(root)'}: ${i.message}`);
      throw new InputError(`${args.file}: ${decoded.message}${issues.join('')}`);
    }
    if (decoded.kind !== 'results') throw new InputError(`${args.file} holds an experiment config, not results: there are no runs to analyse`);
    const results = decoded.results;
    const analysis = { ...results.config.analysis, ...args.analysis };
    return analyzeResults(results, { ...args.options, analysis, targetLoss: args.target });
  }
  if (args.target !== null) throw new UsageError('--target needs results JSON with stored evaluations; a CSV already gives steps to target');
  const rows = parseStepsCsv(text);
  return analyzeTable(rows, { ...args.options, analysis: { overhead: 0.2, baselineBatch: null, interpolate: false, ...args.analysis } });
}

function main(argv: string[]): number {
  try {
    const args = parseArgs(argv);
    if (args === null) {
      process.stdout.write(USAGE);
      return 0;
    }
    const report = analyze(args);
    const json = JSON.stringify(report, null, 2);
    process.stdout.write(args.json ? json + '\n' : formatReport(report));
    if (args.out) {
      try {
        writeFileSync(args.out, json + '\n');
      } catch (e) {
        throw new InputError(`cannot write ${args.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      if (!args.json) process.stdout.write(`\nreport written to ${args.out}\n`);
    }
    return 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`cbs: ${e.message}\n\n${USAGE}`);
      return 2;
    }
    const message = e instanceof Error ? e.message : String(e);
    const known = e instanceof InputError || e instanceof RangeError;
    process.stderr.write(`cbs: ${known ? '' : 'internal error: '}${message}\n`);
    return 1;
  }
}

process.exitCode = main(process.argv.slice(2));
