// Command-line flags of the headless runner (pure: no I/O, so the parsing is easy to test), over
// the tools' shared strict parser (../cli.ts).
import { UsageError, listOption, numberOption, parseCommand } from '../cli';
import { presetIdList } from '../../src/experiment/presets';

export const DEFAULT_TIMEOUT_MINUTES = 30;

export const USAGE = `usage: npm run headless -- <preset | share-URL | config.json> [flags]

Runs a CBS Lab experiment in the built app, in headless Chromium on WebGPU, exactly as the
Start button does; writes results.json, report.json, the CSV exports (steps.csv,
evaluations.csv, train-steps.csv) and chart PNGs; prints the CBS summary.

<input> is a preset id, a share link (http://…/#v1.c.… or #v1.r.…, or the bare fragment
v1.c.…), or a JSON file (an exported config or results file, or a bare config). The presets:
${presetIdList()}.

flags:
  --out DIR           output folder (default out/headless-<timestamp>)
  --no-build          do not build the app: serve the existing dist/
  --app-url URL       use an app already served at URL (no build, no server)
  --chromium PATH     Chromium executable (default $CHROMIUM_PATH, else /usr/bin/chromium)
  --require-gpu       fail (exit 4) when the adapter is the software fallback
  --allow-host HOST   pre-approve a data host (repeatable; also HOST1,HOST2)
  --timeout MIN       overall time limit in minutes (default ${DEFAULT_TIMEOUT_MINUTES})
  --dry-run           load the config in the page, write config.json and print it; train nothing
  --headed            show the browser window (debugging)
  --quiet             no progress bar (one line per 10% instead)
  --help              this text

Node engine (no browser: the whole experiment in this process on Dawn, the \`webgpu\` package):
  --engine node       train in Node on Dawn instead of the page (default: page)
  --data-dir DIR      where a config's local data files are read (default: the current folder)
  With --engine node, DIR/sweep/ (DIR from --out) keeps every finished run and each run's latest
  checkpoint: the same command with the same --out resumes a killed sweep. No chart PNGs;
  --no-build, --app-url, --chromium and --headed do not apply.

exit codes:
  0  finished (or dry run done)
  1  the experiment failed, stopped, or the page showed an error
  2  bad usage or input (unknown flag, unreadable or invalid config/link)
  3  the app could not be built or served, or the browser (or Dawn, with --engine node) could not start
  4  no WebGPU adapter, or --require-gpu and the adapter is the software fallback
  5  the config fetches data from a host not pre-approved with --allow-host, or (page) from local files
  6  the overall time limit (--timeout) ran out
`;

export { UsageError };

export interface HeadlessArgs {
  input: string;
  out: string | null;
  build: boolean;
  appUrl: string | null;
  chromium: string | null;
  requireGpu: boolean;
  allowHosts: string[];
  timeoutMs: number;
  dryRun: boolean;
  headed: boolean;
  quiet: boolean;
  /** Where training runs: the built app in Chromium, or this Node process on Dawn. */
  engine: 'page' | 'node';
  /** The Node engine reads a 'local' data source's files from here (null: the current folder). */
  dataDir: string | null;
}

const OPTIONS = {
  out: { type: 'string' },
  build: { type: 'boolean' },
  'app-url': { type: 'string' },
  chromium: { type: 'string' },
  'require-gpu': { type: 'boolean' },
  'allow-host': { type: 'string', multiple: true },
  timeout: { type: 'string' },
  'dry-run': { type: 'boolean' },
  headed: { type: 'boolean' },
  quiet: { type: 'boolean' },
  // The Node engine.
  engine: { type: 'string' },
  'data-dir': { type: 'string' },
} as const;

/** Parses argv (without node and the script); null means --help. Throws UsageError. */
export function parseArgs(argv: readonly string[]): HeadlessArgs | null {
  const parsed = parseCommand(argv, { options: OPTIONS, positionals: { min: 1, max: 1, what: 'input', hint: 'a preset id, a share link or a config file' } });
  if (parsed === null) return null;
  const v = parsed.values;
  const nonEmpty = (flag: string, text: string | undefined) => {
    if (text === '') throw new UsageError(`--${flag} needs a value`);
    return text ?? null;
  };
  let appUrl = nonEmpty('app-url', v['app-url']);
  if (appUrl !== null) {
    if (!/^https?:\/\//.test(appUrl)) throw new UsageError(`--app-url must be an http(s) URL (got "${appUrl}")`);
    appUrl = appUrl.replace(/#.*$/, '');
  }
  const engine = nonEmpty('engine', v.engine) ?? 'page';
  if (engine !== 'page' && engine !== 'node') throw new UsageError(`--engine must be page or node (got "${engine}")`);
  const minutes = numberOption('timeout', v.timeout, { above: 0 }, 'a positive number of minutes') ?? DEFAULT_TIMEOUT_MINUTES;
  return {
    input: parsed.positionals[0],
    out: nonEmpty('out', v.out),
    // An app already served needs no build.
    build: appUrl === null && v.build !== false,
    appUrl,
    chromium: nonEmpty('chromium', v.chromium),
    requireGpu: v['require-gpu'] === true,
    allowHosts: (listOption(v['allow-host']) ?? []).map((h) => h.toLowerCase()),
    timeoutMs: minutes * 60_000,
    dryRun: v['dry-run'] === true,
    headed: v.headed === true,
    quiet: v.quiet === true,
    engine,
    dataDir: nonEmpty('data-dir', v['data-dir']),
  };
}
