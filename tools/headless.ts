// Headless runner: npm run headless -- <preset | share-URL | config.json> [flags]
// Builds and serves the app, opens the config in headless Chromium, starts it through the page's
// automation handle (the same path as the Start button: workers, WebGPU), streams progress, and
// writes results.json (the UI's export format), report.json (the CBS analysis), the CSV exports
// (steps to target, evaluations, train steps), the page's chart PNGs and the trained models
// (model/<run>/model.safetensors, config.json, tokenizer.json).
// Every failure prints one clear line and exits with the code documented in USAGE (args.ts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { exportConfigJson, exportResultsJson, importJson } from '../src/experiment/codec';
import { analyzeResults } from '../src/cbs/report';
import { formatReport } from '../src/cbs/format';
import { evaluationsCsv, stepsCsv, trainStepsCsv } from '../src/cbs/export';
import { analyzeLocalCbs } from '../src/cbs/local-cbs';
import { formatLocalCbsReport } from '../src/cbs/local-cbs-format';
import type { ExperimentResults } from '../src/experiment/schema';
import { USAGE, UsageError, parseArgs, type HeadlessArgs } from './headless/args';
import { InputError, checkDataHosts, resolveInput } from './headless/input';
import { BrowserError, AdapterError, PageError, confirmHosts, launchBrowser, pageConfig, pageResults, pageState, downloadModels, exportCharts, startBlocked, startExperiment, waitForAdapter, waitForLinkOpened } from './headless/page';
import { formatDuration, formatProgress, progressOf, type LabState } from './headless/progress';
import { ServeError, buildApp, serveDist, type ServedApp } from './headless/serve';
import { formatSummary } from './headless/summary';

export const EXIT = { ok: 0, failed: 1, usage: 2, startup: 3, adapter: 4, host: 5, timeout: 6 } as const;

class RunFailure extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const warn = (line: string) => process.stderr.write(`${line}\n`);

function timestamp(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
}

/** Things to close however the run ends. */
const open: { browser: Browser | null; app: ServedApp | null } = { browser: null, app: null };

async function closeAll(): Promise<void> {
  const withCap = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((ok) => setTimeout(ok, 10_000))]);
  if (open.browser) await withCap(open.browser.close());
  if (open.app) await withCap(open.app.close());
  open.browser = null;
  open.app = null;
}

function describeDiff(expected: unknown, actual: unknown, path = ''): string[] {
  if (isDeepStrictEqual(expected, actual)) return [];
  if (typeof expected === 'object' && expected && typeof actual === 'object' && actual && !Array.isArray(expected)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => describeDiff((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [`${path || '(root)'}: expected ${JSON.stringify(expected)}, the page has ${JSON.stringify(actual)}`];
}

interface Progressor {
  update(state: LabState): void;
  end(): void;
}

function progressPrinter(quiet: boolean, startedAt: number): Progressor {
  const tty = process.stdout.isTTY === true && !quiet;
  let lastDecile = -1;
  let lastLineAt = 0;
  let lastLine = '';
  const warned = new Set<string>();
  return {
    update(state) {
      for (const w of state.warnings) {
        if (warned.has(w)) continue;
        warned.add(w);
        if (tty) process.stdout.write('\r\x1b[2K');
        warn(`warning (page): ${w}`);
      }
      const elapsed = (Date.now() - startedAt) / 1000;
      if (state.runs.length === 0) {
        const line = `preparing the experiment (data, tokenizer, run plan)… ${formatDuration(elapsed)}`;
        if (tty) process.stdout.write(`\r\x1b[2K${line}`);
        else if (Date.now() - lastLineAt > 30_000) {
          log(line);
          lastLineAt = Date.now();
        }
        return;
      }
      const p = progressOf(state, elapsed);
      const line = formatProgress(p, elapsed);
      if (tty) {
        process.stdout.write(`\r\x1b[2K${line}`);
        return;
      }
      // Not a terminal (CI, a log file): a line per 10% or per 30 s.
      const decile = Math.floor(p.fraction * 10);
      if (decile !== lastDecile || Date.now() - lastLineAt > 30_000) {
        if (line !== lastLine) log(line);
        lastDecile = decile;
        lastLineAt = Date.now();
        lastLine = line;
      }
    },
    end() {
      if (tty) process.stdout.write('\n');
    },
  };
}

async function trainInPage(page: Page, args: HeadlessArgs): Promise<LabState> {
  const startedAt = Date.now();
  await startExperiment(page);
  const printer = progressPrinter(args.quiet, startedAt);
  try {
    for (;;) {
      if (page.isClosed()) throw new PageError('the page closed (crashed?) during training');
      const state = await pageState(page);
      printer.update(state);
      if (state.error) throw new RunFailure(`the experiment failed: ${state.error}`, EXIT.failed);
      if (state.status === 'finished') return state;
      if (state.status === 'stopped') throw new RunFailure('the experiment was stopped before it finished', EXIT.failed);
      await page.waitForTimeout(1000);
    }
  } finally {
    printer.end();
  }
}

/**
 * The analysis a finished experiment gets: the CBS report of a sweep (report.json, report.txt and
 * the steps-to-target CSV), or the local-CBS report of a local-CBS experiment (local-cbs.json,
 * local-cbs.txt), with the text printed at the end.
 */
function analyse(results: ExperimentResults): { json: string; text: string; report: unknown; summary: { full: string; short: string }; csv: Record<string, string> } {
  if (results.config.kind === 'local-cbs') {
    const report = analyzeLocalCbs(results);
    const text = formatLocalCbsReport(report);
    return { json: 'local-cbs.json', text: 'local-cbs.txt', report, summary: { full: text, short: text }, csv: {} };
  }
  const report = analyzeResults(results, { analysis: { ...results.config.analysis } });
  return { json: 'report.json', text: 'report.txt', report, summary: { full: formatReport(report), short: formatSummary(report) }, csv: { 'steps.csv': stepsCsv(results, report) } };
}

async function run(args: HeadlessArgs): Promise<number> {
  const t0 = Date.now();
  const input = resolveInput(args.input);
  log(`config: "${input.config.name}" from ${input.source}`);
  const hosts = checkDataHosts(input.config, args.allowHosts);
  if (!hosts.ok) {
    if (!args.dryRun) throw new RunFailure(`refused: ${hosts.message}`, EXIT.host);
    warn(`note: a real run would be refused: ${hosts.message}`);
  }
  const outDir = resolve(args.out ?? `out/headless-${timestamp()}`);
  mkdirSync(outDir, { recursive: true });

  let appUrl = args.appUrl;
  if (!appUrl) {
    if (args.build) {
      log('building the app (vite build → dist/)…');
      await buildApp();
    }
    open.app = await serveDist();
    appUrl = open.app.url;
    log(`serving dist/ at ${appUrl}`);
  }

  const launched = await launchBrowser(args.chromium, args.headed);
  open.browser = launched.browser;
  log(`browser: ${launched.executable} ${open.browser.version()}`);
  // A fresh profile each run: the service worker's offline cache would only cost time.
  const context = await open.browser.newContext({ viewport: { width: 1366, height: 900 }, serviceWorkers: 'block' });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('crash', () => pageErrors.push('the page crashed'));

  try {
    await page.goto(new URL(input.fragment, appUrl).toString(), { waitUntil: 'load', timeout: 60_000 });
  } catch (e) {
    throw new RunFailure(`the app did not load from ${appUrl}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, EXIT.startup);
  }

  let adapter: { description: string; fallback: boolean } | null = null;
  try {
    adapter = await waitForAdapter(page, 120_000);
    log(`adapter: ${adapter.description}`);
    if (adapter.fallback) {
      log('         this is the SOFTWARE FALLBACK (a CPU emulator, not a GPU): expect it to be slow; only tiny configs are practical.');
    }
  } catch (e) {
    if (!(e instanceof AdapterError) || !args.dryRun) throw e;
    warn(`note: ${e.message}`);
  }
  if (adapter?.fallback && args.requireGpu) {
    throw new RunFailure('--require-gpu: the adapter is the software fallback, not a GPU. On Linux check the Vulkan driver (vulkaninfo) and the GPU flags; see docs/headless.md.', EXIT.adapter);
  }

  await waitForLinkOpened(page, 30_000);
  const config = await pageConfig(page);
  const diff = describeDiff(input.config, config);
  if (diff.length > 0) throw new RunFailure(`the page holds a different config than the one given:\n  ${diff.slice(0, 10).join('\n  ')}`, EXIT.failed);

  if (args.dryRun) {
    writeFileSync(resolve(outDir, 'config.json'), exportConfigJson(config) + '\n');
    process.stdout.write(JSON.stringify(config, null, 2) + '\n');
    const blocked = await startBlocked(page);
    if (blocked && !/data hosts must be confirmed/.test(blocked)) warn(`note: ${blocked}`);
    log(`dry run: the page holds this config (identical to the input); written to ${resolve(outDir, 'config.json')}`);
    return EXIT.ok;
  }

  if (hosts.ok && hosts.hosts.length > 0) {
    await confirmHosts(page);
    log(`data hosts confirmed (--allow-host): ${hosts.hosts.join(', ')}`);
  }
  const blocked = await startBlocked(page);
  if (blocked) throw new RunFailure(`the page will not start: ${blocked}`, EXIT.failed);

  const trainStart = Date.now();
  const final = await trainInPage(page, args);
  if (pageErrors.length > 0) warn(`page errors during the run:\n  ${pageErrors.slice(0, 5).join('\n  ')}`);
  const raw = await pageResults(page);
  if (!raw) throw new RunFailure('the experiment finished but the page has no results', EXIT.failed);

  // The UI's export format; read back through the codec (validated, NaN revived) for the analysis.
  const resultsText = exportResultsJson(raw);
  writeFileSync(resolve(outDir, 'results.json'), resultsText + '\n');
  const decoded = importJson(resultsText);
  if (!decoded.ok || decoded.kind !== 'results') {
    throw new RunFailure(`the page's results do not pass validation: ${decoded.ok ? 'not results' : decoded.message}`, EXIT.failed);
  }
  const results = decoded.results;
  const analysis = analyse(results);
  writeFileSync(resolve(outDir, analysis.json), JSON.stringify(analysis.report, null, 2) + '\n');
  writeFileSync(resolve(outDir, analysis.text), analysis.summary.full);
  // The same CSV files as the page's export buttons.
  const csvFiles = { ...analysis.csv, 'evaluations.csv': evaluationsCsv(results), 'train-steps.csv': trainStepsCsv(results) };
  for (const [name, text] of Object.entries(csvFiles)) writeFileSync(resolve(outDir, name), text);

  let charts: string[] = [];
  try {
    const exported = await exportCharts(page, outDir, 60_000);
    charts = exported.written;
    for (const note of exported.notes) log(note);
  } catch (e) {
    warn(`warning: the charts could not be exported: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  let models: string[] = [];
  try {
    models = await downloadModels(page, outDir, 60_000);
  } catch (e) {
    warn(`warning: the trained models could not be downloaded: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }

  const wallSeconds = (Date.now() - t0) / 1000;
  const trainSeconds = (Date.now() - trainStart) / 1000;
  const failed = results.runs.filter((r) => r.status === 'failed');
  const diverged = results.runs.filter((r) => r.status === 'diverged');
  writeFileSync(
    resolve(outDir, 'run.json'),
    JSON.stringify(
      {
        input: args.input.length > 200 ? `${args.input.slice(0, 200)}…` : args.input,
        source: input.source,
        adapter: adapter?.description ?? null,
        softwareFallback: adapter?.fallback ?? null,
        browser: launched.executable,
        runs: final.runs,
        trainSeconds,
        wallSeconds,
        files: ['results.json', analysis.json, analysis.text, ...Object.keys(csvFiles), ...charts, ...models],
      },
      null,
      2,
    ) + '\n',
  );

  log('');
  log(`finished ${results.runs.length} runs in ${formatDuration(trainSeconds)} on ${adapter?.fallback ? 'the software fallback' : 'the GPU'} (${adapter?.description.split(';')[0] ?? 'unknown adapter'})`);
  process.stdout.write(analysis.summary.short);
  for (const r of diverged) warn(`warning: run ${r.spec.id} diverged at step ${r.failure?.step ?? '?'}: ${r.failure?.reason ?? ''}`);
  log(`written to ${outDir}: results.json, ${analysis.json}, ${analysis.text}, ${Object.keys(csvFiles).join(', ')}${charts.length ? `, ${charts.join(', ')}` : ''}${models.length ? `, ${models.join(', ')}` : ''}`);
  if (failed.length > 0) {
    warn(`headless: ${failed.length} run(s) failed: ${failed.map((r) => `${r.spec.id} (${r.failure?.reason ?? 'unknown'})`).join('; ')}`);
    return EXIT.failed;
  }
  return EXIT.ok;
}

function exitCodeOf(e: unknown): { code: number; message: string } {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof RunFailure) return { code: e.code, message };
  if (e instanceof UsageError) return { code: EXIT.usage, message: `${message}\n\n${USAGE}` };
  if (e instanceof InputError) return { code: EXIT.usage, message };
  if (e instanceof ServeError || e instanceof BrowserError) return { code: EXIT.startup, message };
  if (e instanceof AdapterError) return { code: EXIT.adapter, message };
  if (e instanceof PageError) return { code: EXIT.failed, message };
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
    timer = setTimeout(() => fail(new RunFailure(`timed out after ${formatDuration(limit / 1000)} (--timeout): gave up and closed the browser`, EXIT.timeout)), limit);
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
