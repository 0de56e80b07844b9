// Command-line flags of the headless runner (pure: no I/O, so the parsing is easy to test).

export const DEFAULT_TIMEOUT_MINUTES = 30;

export const USAGE = `usage: npm run headless -- <preset | share-URL | config.json> [flags]

Runs a CBS Lab experiment in the built app, in headless Chromium on WebGPU, exactly as the
Start button does; writes results.json, report.json and chart PNGs; prints the CBS summary.

<input> is a preset id (demo, cbs-vs-model, cbs-vs-data, chinchilla), a share link
(http://…/#v1.c.… or #v1.r.…, or the bare fragment v1.c.…), or a JSON file (an exported config
or results file, or a bare config).

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

exit codes:
  0  finished (or dry run done)
  1  the experiment failed, stopped, or the page showed an error
  2  bad usage or input (unknown flag, unreadable or invalid config/link)
  3  the app could not be built or served, or the browser could not start
  4  no WebGPU adapter, or --require-gpu and the adapter is the software fallback
  5  the config fetches data from a host not pre-approved with --allow-host, or from local files
  6  the overall time limit (--timeout) ran out
`;

export class UsageError extends Error {}

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
}

/** Parses argv (without node and the script); null means --help. Throws UsageError. */
export function parseArgs(argv: readonly string[]): HeadlessArgs | null {
  const args: HeadlessArgs = {
    input: '',
    out: null,
    build: true,
    appUrl: null,
    chromium: null,
    requireGpu: false,
    allowHosts: [],
    timeoutMs: DEFAULT_TIMEOUT_MINUTES * 60_000,
    dryRun: false,
    headed: false,
    quiet: false,
  };
  const inputs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let inline: string | undefined;
    if (flag.startsWith('--') && flag.includes('=')) {
      inline = flag.slice(flag.indexOf('=') + 1);
      flag = flag.slice(0, flag.indexOf('='));
    }
    const value = (): string => {
      const v = inline !== undefined ? inline : argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return null;
      case '--out':
        args.out = value();
        break;
      case '--no-build':
        args.build = false;
        break;
      case '--app-url': {
        const url = value();
        if (!/^https?:\/\//.test(url)) throw new UsageError(`--app-url must be an http(s) URL (got "${url}")`);
        args.appUrl = url.replace(/#.*$/, '');
        args.build = false;
        break;
      }
      case '--chromium':
        args.chromium = value();
        break;
      case '--require-gpu':
        args.requireGpu = true;
        break;
      case '--allow-host':
        for (const host of value().split(',')) {
          const h = host.trim().toLowerCase();
          if (h) args.allowHosts.push(h);
        }
        break;
      case '--timeout': {
        const text = value();
        const minutes = Number(text);
        if (!(Number.isFinite(minutes) && minutes > 0)) throw new UsageError(`--timeout must be a positive number of minutes (got "${text}")`);
        args.timeoutMs = minutes * 60_000;
        break;
      }
      case '--dry-run':
        args.dryRun = true;
        break;
      case '--headed':
        args.headed = true;
        break;
      case '--quiet':
        args.quiet = true;
        break;
      default:
        if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown flag ${flag}`);
        inputs.push(argv[i]);
    }
  }
  if (inputs.length !== 1) {
    throw new UsageError(inputs.length === 0 ? 'no input given (a preset id, a share link or a config file)' : `one input expected, got ${inputs.length}: ${inputs.join(' ')}`);
  }
  args.input = inputs[0];
  return args;
}
