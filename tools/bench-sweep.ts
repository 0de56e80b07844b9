// Cost-split benchmark: npm run bench:sweep -- <preset | share-URL | config.json> [flags]
// Runs the experiment through the headless runner (tools/headless.ts: the built app in headless
// Chromium, exactly as Start does), then prints where its wall time went (training, evaluation,
// data preparation, setup, idle), the evaluation's share, the sweep's economy, and the page's
// estimate and ETA at 25% progress against the measured wall time (tools/bench/sweep-report.ts).
// --from DIR reads an earlier run's folder instead of running anything; --censor-factors replays
// the sweep's censoring bound at other factors (tools/bench/censor-replay.ts).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { importJson } from '../src/experiment/codec';
import { formatSweepCostReport, sweepCostReport, type HeadlessRun } from './bench/sweep-report';
import { censorReplay, formatCensorReplay } from './bench/censor-replay';
import { UsageError, numberOption, parseCommand, printUsage, runCommand } from './cli';

const USAGE = `usage: npm run bench:sweep -- <preset | share-URL | config.json> [flags]
       npm run bench:sweep -- --from DIR

Runs an experiment in the built app in headless Chromium (npm run headless), then prints its cost
split: wall time; training, evaluation, data preparation, setup and idle; the evaluation share; the
sweep economy (training tokens spent over those of the winning run at each batch size); and the
error of the page's estimate and of its ETA at 25% progress against the measured wall time.
Writes cost-split.json beside the headless runner's results.json and run.json.

flags:
  --out DIR        output folder (default out/bench-sweep-<timestamp>)
  --no-build       serve the existing dist/ (do not build the app)
  --timeout MIN    overall time limit in minutes, passed to the headless runner (default 30)
  --from DIR       analyse the folder of an earlier headless run; train nothing
  --censor-factors LIST
                   also replay the runs with the economy's censoring bound at these factors of
                   linear scaling (comma-separated, each at most the config's censorFactor): B*,
                   its interval and the economy each would have given
  --help           this text

exit codes: 0 done; 1 the run or the analysis failed; 2 bad usage; others as npm run headless.
`;

const OPTIONS = {
  out: { type: 'string' },
  build: { type: 'boolean' },
  timeout: { type: 'string' },
  from: { type: 'string' },
  'censor-factors': { type: 'string' },
} as const;

interface Args {
  input: string | null;
  out: string;
  build: boolean;
  timeoutMinutes: number | undefined;
  from: string | null;
  censorFactors: number[];
}

function parse(argv: string[]): Args | null {
  const parsed = parseCommand(argv, { options: OPTIONS, positionals: { min: 0, max: 1, what: 'input', hint: 'a preset id, a share link or a config file' } });
  if (parsed === null) return null;
  const { values, positionals } = parsed;
  const timeoutMinutes = numberOption('timeout', values.timeout, { above: 0 }, 'a positive number of minutes');
  const censorFactors =
    values['censor-factors'] === undefined ? [] : values['censor-factors'].split(',').map((f) => numberOption('censor-factors', f.trim(), { min: 1 }, 'a comma-separated list of numbers ≥ 1') as number);
  if (values.from !== undefined) {
    if (positionals.length > 0) throw new UsageError('--from reads an earlier run: give no input');
    return { input: null, out: resolve(values.from), build: false, timeoutMinutes: undefined, from: resolve(values.from), censorFactors };
  }
  if (positionals.length === 0) throw new UsageError('no input given (a preset id, a share link or a config file)');
  const stamp = new Date().toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
  return { input: positionals[0], out: resolve(values.out ?? `out/bench-sweep-${stamp}`), build: values.build !== false, timeoutMinutes, from: null, censorFactors };
}

/** The headless runner as a child process, its output passed through; resolves with its exit code. */
function runHeadless(args: Args): Promise<number> {
  const argv = ['scripts/run-ts.mjs', 'tools/headless.ts', args.input!, '--out', args.out, ...(args.build ? [] : ['--no-build']), ...(args.timeoutMinutes ? ['--timeout', String(args.timeoutMinutes)] : [])];
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, argv, { stdio: 'inherit' });
    child.on('error', fail);
    child.on('close', (code) => done(code ?? 1));
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => child.kill(signal));
  });
}

/** The run's folder cannot be analysed (missing or invalid files). */
class AnalysisError extends Error {}

function analyse(dir: string, censorFactors: readonly number[]): string {
  const resultsFile = join(dir, 'results.json');
  const runFile = join(dir, 'run.json');
  for (const f of [resultsFile, runFile]) if (!existsSync(f)) throw new AnalysisError(`${f} is missing: not the folder of a finished headless run`);
  const decoded = importJson(readFileSync(resultsFile, 'utf8'));
  if (!decoded.ok || decoded.kind !== 'results') throw new AnalysisError(`${resultsFile} does not hold valid results: ${decoded.ok ? 'a config' : decoded.message}`);
  const run = JSON.parse(readFileSync(runFile, 'utf8')) as Partial<HeadlessRun>;
  if (typeof run.trainSeconds !== 'number') throw new AnalysisError(`${runFile} has no trainSeconds`);
  const report = sweepCostReport(decoded.results, {
    trainSeconds: run.trainSeconds,
    adapter: run.adapter ?? null,
    estimate: run.estimate ?? null,
    costModel: run.costModel ?? null,
    progress: run.progress ?? [],
  });
  writeFileSync(join(dir, 'cost-split.json'), JSON.stringify(report, null, 2) + '\n');
  if (censorFactors.length === 0) return formatSweepCostReport(report);
  const recorded = decoded.results.config.censorFactor;
  const beyond = censorFactors.filter((f) => recorded === null || f > recorded);
  if (beyond.length > 0) throw new AnalysisError(`--censor-factors ${beyond.join(', ')}: a replay can only tighten the recorded bound (${recorded === null ? 'none: this experiment censored nothing' : `× ${recorded}`}); runs it stopped cannot be continued`);
  return formatSweepCostReport(report) + formatCensorReplay(censorReplay(decoded.results, censorFactors));
}

runCommand(
  'bench:sweep',
  USAGE,
  async () => {
    const args = parse(process.argv.slice(2));
    if (!args) return printUsage(USAGE);
    if (!args.from) {
      const code = await runHeadless(args);
      if (code !== 0) {
        process.stderr.write(`bench:sweep: the headless run failed (exit ${code}); nothing to analyse\n`);
        return code;
      }
    }
    process.stdout.write(`\ncost split (${args.out}):\n${analyse(args.out, args.censorFactors)}`);
    return 0;
  },
  { expected: (e) => e instanceof AnalysisError },
);
