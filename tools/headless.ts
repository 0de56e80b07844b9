// Headless runner: npm run headless -- <preset | share-URL | config.json> [flags]
// Runs an experiment with nobody at the page, on one of two engines that share the lab's core:
// the page engine (tools/headless/page-engine.ts) trains in the built app in headless Chromium,
// exactly as the Start button does; the Node engine (--engine node, tools/headless/node-engine.ts)
// trains in this process on Dawn, with no browser. Both write results.json (the UI's export
// format), report.json and report.txt (the CBS analysis) and the CSV exports; the page engine adds
// chart PNGs. Every failure prints one clear line and exits with the code documented in USAGE (args.ts).
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { USAGE, UsageError, parseArgs, type HeadlessArgs } from './headless/args';
import { EXIT, RunFailure, log, warn } from './headless/common';
import { InputError, checkDataHosts, resolveInput, type HostCheck, type ResolvedInput } from './headless/input';
import { NodeEngineError, runInNode, stopNodeRun } from './headless/node-engine';
import { formatDuration } from './headless/progress';

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
}

/** The page engine, loaded when it runs: it needs Playwright and Vite, which the device bundle leaves out. */
type PageEngine = typeof import('./headless/page-engine');
let pageEngine: PageEngine | null = null;

async function loadPageEngine(): Promise<PageEngine> {
  try {
    pageEngine ??= await import('./headless/page-engine');
  } catch (e) {
    throw new RunFailure(
      `the page engine cannot be loaded here (${e instanceof Error ? e.message.split('\n')[0] : String(e)}): it needs Chromium, Playwright and the app's build tools; ` +
        'a device bundle holds only the Node engine: run with --engine node',
      EXIT.startup,
    );
  }
  return pageEngine;
}

async function runInPage(args: HeadlessArgs, input: ResolvedInput, hosts: HostCheck, outDir: string, t0: number): Promise<number> {
  return (await loadPageEngine()).runInPage(args, input, hosts, outDir, t0);
}

async function closeAll(): Promise<void> {
  // The Node engine's run in flight stops; its last checkpoint is already on disk.
  stopNodeRun();
  await pageEngine?.closePage();
}

async function run(args: HeadlessArgs): Promise<number> {
  const t0 = Date.now();
  const input = resolveInput(args.input);
  log(`config: "${input.config.name}" from ${input.source}`);
  const hosts = checkDataHosts(input.config, args.allowHosts, { localFiles: args.engine === 'node' });
  if (!hosts.ok) {
    if (!args.dryRun) throw new RunFailure(`refused: ${hosts.message}`, EXIT.host);
    warn(`note: a real run would be refused: ${hosts.message}`);
  }
  const outDir = resolve(args.out ?? `out/headless-${timestamp()}`);
  mkdirSync(outDir, { recursive: true });
  return args.engine === 'node' ? runInNode(args, input, hosts, outDir, t0) : runInPage(args, input, hosts, outDir, t0);
}

function exitCodeOf(e: unknown): { code: number; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof RunFailure) return { code: e.code, message };
  if (e instanceof UsageError) return { code: EXIT.usage, message: `${message}\n\n${USAGE}` };
  if (e instanceof InputError) return { code: EXIT.usage, message };
  if (e instanceof NodeEngineError) return { code: { startup: EXIT.startup, adapter: EXIT.adapter, input: EXIT.usage }[e.kind], message };
  return { code: EXIT.failed, message: `internal error: ${e instanceof Error ? (e.stack ?? message) : message}` };
}

async function main(argv: string[]): Promise<number> {
  let args: HeadlessArgs | null;
  try {
    args = parseArgs(argv);
  } catch (e) {
    const { code, message } = exitCodeOf(e);
    warn(`headless: ${message}`);
    return code;
  }
  if (args === null) {
    process.stdout.write(USAGE);
    return EXIT.ok;
  }
  const limit = args.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, fail) => {
    const after = args.engine === 'node' ? 'gave up; the same command with the same --out resumes from the last checkpoints' : 'gave up and closed the browser';
    timer = setTimeout(() => fail(new RunFailure(`timed out after ${formatDuration(limit / 1000)} (--timeout): ${after}`, EXIT.timeout)), limit);
  });
  const interrupted = new Promise<never>((_, fail) => {
    process.once('SIGINT', () => fail(new RunFailure('interrupted', 130)));
    process.once('SIGTERM', () => fail(new RunFailure('terminated', 143)));
  });
  try {
    return await Promise.race([run(args), deadline, interrupted]);
  } catch (e) {
    const { code, message } = exitCodeOf(e);
    warn(`headless: ${message}`);
    return code;
  } finally {
    clearTimeout(timer);
    await closeAll();
  }
}

// Exit explicitly: a server or browser handle left behind must not keep the process alive.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    warn(`headless: internal error: ${String(e)}`);
    process.exit(EXIT.failed);
  },
);
