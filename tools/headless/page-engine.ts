// The headless runner's page engine: builds and serves the app, opens the config in headless
// Chromium, starts it through the page's automation handle (the same path as the Start button:
// workers, WebGPU), streams progress, and hands the page's results, chart PNGs and trained models
// to the shared outputs. Loaded only when the page engine runs (the device bundle leaves it out).
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Browser, Page } from '@playwright/test';
import { exportConfigJson } from '../../src/experiment/codec';
import type { HeadlessArgs } from './args';
import { EXIT, RunFailure, firstLine, log, progressPrinter, reportAdapter, warn, writeOutputs } from './common';
import type { HostCheck, ResolvedInput } from './input';
import { BrowserError, AdapterError, PageError, confirmHosts, type AdapterInfo, launchBrowser, pageConfig, pageResults, pageState, downloadModels, exportCharts, startBlocked, startExperiment, waitForAdapter, waitForLinkOpened } from './page';
import type { LabState } from './progress';
import { ServeError, buildApp, serveDist, type ServedApp } from './serve';

/** Things to close however the run ends. */
const open: { browser: Browser | null; app: ServedApp | null } = { browser: null, app: null };

export async function closePage(): Promise<void> {
  const withCap = (p: Promise<unknown>) => Promise.race([p.catch(() => undefined), new Promise((ok) => setTimeout(ok, 10_000))]);
  if (open.browser) await withCap(open.browser.close());
  if (open.app) await withCap(open.app.close());
  open.browser = null;
  open.app = null;
}

/** The page engine's own errors, with their exit codes. */
function asRunFailure(e: unknown): unknown {
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof ServeError || e instanceof BrowserError) return new RunFailure(message, EXIT.startup);
  if (e instanceof AdapterError) return new RunFailure(message, EXIT.adapter);
  if (e instanceof PageError) return new RunFailure(message, EXIT.failed);
  return e;
}

function describeDiff(expected: unknown, actual: unknown, path = ''): string[] {
  if (isDeepStrictEqual(expected, actual)) return [];
  if (typeof expected === 'object' && expected && typeof actual === 'object' && actual && !Array.isArray(expected)) {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => describeDiff((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [`${path || '(root)'}: expected ${JSON.stringify(expected)}, the page has ${JSON.stringify(actual)}`];
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

export async function runInPage(args: HeadlessArgs, input: ResolvedInput, hosts: HostCheck, outDir: string, t0: number): Promise<number> {
  try {
    return await trainedInPage(args, input, hosts, outDir, t0);
  } catch (e) {
    throw asRunFailure(e);
  }
}

async function trainedInPage(args: HeadlessArgs, input: ResolvedInput, hosts: HostCheck, outDir: string, t0: number): Promise<number> {
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

  let adapter: AdapterInfo | null = null;
  try {
    adapter = await waitForAdapter(page, 120_000);
    reportAdapter(adapter, args);
  } catch (e) {
    if (!(e instanceof AdapterError) || !args.dryRun) throw e;
    warn(`note: ${e.message}`);
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
  return writeOutputs(outDir, raw, {
    args,
    source: input.source,
    adapter,
    engine: { engine: 'page', browser: launched.executable },
    runs: final.runs,
    trainStart,
    t0,
    extras: async () => {
      const written: string[] = [];
      try {
        const exported = await exportCharts(page, outDir, 60_000);
        written.push(...exported.written);
        for (const note of exported.notes) log(note);
      } catch (e) {
        warn(`warning: the charts could not be exported: ${firstLine(e)}`);
      }
      try {
        written.push(...(await downloadModels(page, outDir, 60_000)));
      } catch (e) {
        warn(`warning: the trained models could not be downloaded: ${firstLine(e)}`);
      }
      return written;
    },
  });
}
