// Driving the built app in Chromium: launch with the WebGPU (and, on Linux, Vulkan) flags, read the
// adapter line, open a config link, confirm data hosts, start through window.cbsLab, screenshot
// the charts and download the trained models. Only the page's public surface is used: test ids,
// buttons and the automation handle.
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Locator, type Page } from '@playwright/test';
import type { ExperimentConfig, ExperimentResults } from '../../src/experiment/schema';
import { chromiumArgs, chromiumExecutable } from '../browser';
import { slug } from './common';
import type { LabState } from './progress';

/** window.cbsLab as defined in src/ui/use-training.ts (LabAutomation). */
interface Automation {
  start(): void;
  state(): LabState;
  config(): ExperimentConfig;
  results(): ExperimentResults | null;
}
type LabWindow = Window & { cbsLab?: Automation };

export class BrowserError extends Error {}
export class AdapterError extends Error {}
export class PageError extends Error {}

/** Vulkan on Linux, so that Dawn (WebGPU) and ANGLE use a real GPU when one is present. */
export const LINUX_GPU_FLAGS = ['--enable-features=Vulkan', '--use-angle=vulkan'];

export function headlessChromiumArgs(platform: NodeJS.Platform = process.platform): string[] {
  return chromiumArgs(platform === 'linux' ? LINUX_GPU_FLAGS : []);
}

export async function launchBrowser(executable: string | null, headed: boolean): Promise<{ browser: Browser; executable: string }> {
  if (executable) process.env.CHROMIUM_PATH = executable;
  let path: string;
  try {
    path = chromiumExecutable();
  } catch (e) {
    throw new BrowserError(e instanceof Error ? e.message : String(e));
  }
  try {
    const browser = await chromium.launch({ executablePath: path, headless: !headed, args: headlessChromiumArgs(), timeout: 60_000 });
    return { browser, executable: path };
  } catch (e) {
    const first = (e instanceof Error ? e.message : String(e)).split('\n').slice(0, 6).join('\n');
    throw new BrowserError(`Chromium (${path}) could not start: ${first}`);
  }
}

export interface AdapterInfo {
  /** describeAdapter()'s line, as the page shows it. */
  description: string;
  /** The adapter says it is a software fallback, or it is SwiftShader (a CPU emulator). */
  fallback: boolean;
}

/** Waits for the page's WebGPU probe: the adapter line, or the page's "no WebGPU" message. */
export async function waitForAdapter(page: Page, timeoutMs: number): Promise<AdapterInfo> {
  const found = page.locator('[data-testid=adapter].ok, [data-testid=adapter-error]').first();
  try {
    await found.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new AdapterError(`the page found no WebGPU adapter within ${Math.round(timeoutMs / 1000)} s (it still says "looking for a WebGPU adapter")`);
  }
  if ((await found.getAttribute('data-testid')) === 'adapter-error') {
    const text = (await found.innerText()).replace(/\s+/g, ' ').trim();
    throw new AdapterError(`no WebGPU adapter: ${text}`);
  }
  const text = (await found.innerText()).replace(/\s+/g, ' ').trim();
  const description = text.replace(/^Adapter:\s*/, '').replace(/\s*—\s*a CPU emulator.*$/, '');
  const fallback = /\(software fallback\)|CPU emulator/.test(text) || /swiftshader/i.test(text);
  return { description, fallback };
}

/** After the page opened "#v1.c.…": its notice, or its refusal (thrown as PageError). */
export async function waitForLinkOpened(page: Page, timeoutMs: number): Promise<void> {
  const banner = page.locator('[data-testid=link-notice], [data-testid=link-error]').first();
  try {
    await banner.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    throw new PageError('the page did not acknowledge the config link (no link notice)');
  }
  if ((await banner.getAttribute('data-testid')) === 'link-error') {
    throw new PageError(`the page refused the config link: ${(await banner.innerText()).replace(/\s+/g, ' ').trim()}`);
  }
  await page.waitForFunction(() => (window as LabWindow).cbsLab !== undefined, null, { timeout: timeoutMs });
}

export function pageConfig(page: Page): Promise<ExperimentConfig> {
  return page.evaluate(() => structuredClone((window as LabWindow).cbsLab!.config()));
}

export function pageState(page: Page): Promise<LabState> {
  return page.evaluate(() => (window as LabWindow).cbsLab!.state());
}

export function pageResults(page: Page): Promise<ExperimentResults | null> {
  return page.evaluate(() => (window as LabWindow).cbsLab!.results());
}

/** Ticks the page's data-host confirmation (only called for hosts the user pre-approved). */
export async function confirmHosts(page: Page): Promise<void> {
  const box = page.locator('[data-testid=confirm-hosts] input[type=checkbox]');
  await box.check({ timeout: 10_000 });
}

/** Why Start is unavailable, as the page says it; null when Start is enabled. */
export async function startBlocked(page: Page): Promise<string | null> {
  const hint = page.getByTestId('start-blocked');
  if ((await hint.count()) === 0) return null;
  return (await hint.innerText()).replace(/\s+/g, ' ').trim();
}

export async function startExperiment(page: Page): Promise<void> {
  await page.evaluate(() => (window as LabWindow).cbsLab!.start());
}

/** Clicks a download button and saves what it downloads at `path`. */
async function saveDownload(page: Page, button: Locator, path: string, timeoutMs: number): Promise<void> {
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: timeoutMs }), button.click({ timeout: timeoutMs })]);
  const failure = await download.failure();
  if (failure) throw new PageError(`the download for ${path} failed: ${failure}`);
  await download.saveAs(path);
}

/**
 * The results' charts as the page exports them ("Save chart as PNG": title, legend, B* and its
 * interval), one file per chart; scaling.png only when a scaling panel has a chart (two or more
 * model or data sizes). Returns the file names written, and why any expected one is missing.
 */
export async function exportCharts(page: Page, dir: string, timeoutMs: number): Promise<{ written: string[]; notes: string[] }> {
  const written: string[] = [];
  const notes: string[] = [];
  const results = page.getByTestId('results');
  await results.waitFor({ state: 'visible', timeout: timeoutMs });
  const charts = results.getByTestId('cbs-chart');
  await charts.first().waitFor({ state: 'visible', timeout: timeoutMs });
  const n = await charts.count();
  for (let i = 0; i < n; i++) {
    const chart = charts.nth(i);
    const label = (await chart.getAttribute('aria-label')) ?? `chart ${i + 1}`;
    const name = `cbs-${i + 1}-${slug(label.replace(/^Steps to target against batch size for /, ''))}.png`;
    await saveDownload(page, chart.getByRole('button', { name: 'Save chart as PNG' }), `${dir}/${name}`, timeoutMs);
    written.push(name);
  }
  const scaling = results.getByTestId('scaling-chart').getByRole('button', { name: 'Save chart as PNG' });
  const panels = await scaling.count();
  for (let i = 0; i < panels; i++) {
    const name = panels === 1 ? 'scaling.png' : `scaling-${i + 1}.png`;
    await saveDownload(page, scaling.nth(i), `${dir}/${name}`, timeoutMs);
    written.push(name);
  }
  if (panels === 0) notes.push('scaling.png not written: a scaling chart needs B* at two or more model or data sizes, and this experiment measured one');
  const lossDetails = results.locator('details.loss-details');
  if ((await lossDetails.count()) > 0) {
    await lossDetails.locator('summary').click({ timeout: timeoutMs });
    await saveDownload(page, lossDetails.getByRole('button', { name: 'Save chart as PNG' }), `${dir}/loss.png`, timeoutMs);
    written.push('loss.png');
  }
  await page.screenshot({ path: `${dir}/page.png`, fullPage: true, timeout: timeoutMs });
  written.push('page.png');
  return { written, notes };
}

/**
 * The trained models as the page offers them: per (model, D) group, model/<group>/ holds
 * model.safetensors, config.json and tokenizer.json (the Hugging Face layout). Returns the paths
 * written, relative to `dir`.
 */
export async function downloadModels(page: Page, dir: string, timeoutMs: number): Promise<string[]> {
  const written: string[] = [];
  const models = page.getByTestId('model-download');
  const n = await models.count();
  for (let i = 0; i < n; i++) {
    const item = models.nth(i);
    const folder = `model/${slug((await item.getAttribute('data-run')) ?? `run-${i + 1}`)}`;
    mkdirSync(`${dir}/${folder}`, { recursive: true });
    await saveDownload(page, item.getByTestId('download-weights'), `${dir}/${folder}/model.safetensors`, timeoutMs);
    await saveDownload(page, item.getByTestId('download-config'), `${dir}/${folder}/config.json`, timeoutMs);
    written.push(`${folder}/model.safetensors`, `${folder}/config.json`);
    const tokenizer = page.getByTestId('download-tokenizer');
    if ((await tokenizer.count()) > 0) {
      try {
        await saveDownload(page, tokenizer, `${dir}/${folder}/tokenizer.json`, timeoutMs);
        written.push(`${folder}/tokenizer.json`);
      } catch {
        // GPT-2: the page says its tokenizer.json is the hub's, and downloads nothing.
      }
    }
  }
  return written;
}
