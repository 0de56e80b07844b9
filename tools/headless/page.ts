// Driving the built app in Chromium: launch with the WebGPU (and, on Linux, Vulkan) flags, read the
// adapter line, open a config link, confirm data hosts, start through window.cbsLab, screenshot
// the charts. Only the page's public surface is used: test ids and the automation handle.
import { chromium, type Browser, type Page } from '@playwright/test';
import type { ExperimentConfig, ExperimentResults } from '../../src/experiment/schema';
import { chromiumArgs, chromiumExecutable } from '../browser';
import type { LabState } from './progress';

/** window.cbsLab as defined in src/ui/useTraining.ts (LabAutomation). */
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

function slug(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 60) || 'chart';
}

/** PNG screenshots of the results' charts and the loss chart; returns the file names written. */
export async function screenshotCharts(page: Page, dir: string, timeoutMs: number): Promise<string[]> {
  const written: string[] = [];
  if ((await page.getByTestId('local-cbs').count()) > 0) return screenshotLocalCbs(page, dir, timeoutMs);
  await page.getByTestId('results').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.getByTestId('cbs-chart').first().waitFor({ state: 'visible', timeout: timeoutMs });
  // recharts animates its first draw.
  await page.waitForTimeout(1500);
  const charts = page.getByTestId('cbs-chart');
  const n = await charts.count();
  for (let i = 0; i < n; i++) {
    const chart = charts.nth(i);
    const label = (await chart.getAttribute('aria-label')) ?? `chart ${i + 1}`;
    const name = `cbs-${i + 1}-${slug(label.replace(/^Steps to target against batch size for /, ''))}.png`;
    await chart.screenshot({ path: `${dir}/${name}`, timeout: timeoutMs });
    written.push(name);
  }
  for (const [testId, name] of [
    ['scaling-chart', 'scaling.png'],
    ['loss-chart', 'loss.png'],
  ] as const) {
    const el = page.getByTestId(testId).first();
    if ((await el.count()) > 0 && (await el.isVisible())) {
      await el.screenshot({ path: `${dir}/${name}`, timeout: timeoutMs });
      written.push(name);
    }
  }
  await page.screenshot({ path: `${dir}/page.png`, fullPage: true, timeout: timeoutMs });
  written.push('page.png');
  return written;
}

/** A local-CBS experiment's charts: the curve (local-cbs.png), each checkpoint's branch losses, the loss chart, the page. */
async function screenshotLocalCbs(page: Page, dir: string, timeoutMs: number): Promise<string[]> {
  const written: string[] = [];
  await page.getByTestId('local-cbs-curve').waitFor({ state: 'visible', timeout: timeoutMs });
  await page.waitForTimeout(1500);
  const shots: [ReturnType<Page['getByTestId']>, string][] = [[page.getByTestId('local-cbs-curve'), 'local-cbs.png']];
  const branches = page.getByTestId('local-cbs-branches');
  for (let i = 0; i < (await branches.count()); i++) shots.push([branches.nth(i), `local-cbs-branches-${i + 1}.png`]);
  shots.push([page.getByTestId('loss-chart').first(), 'loss.png']);
  for (const [el, name] of shots) {
    if ((await el.count()) === 0 || !(await el.isVisible())) continue;
    await el.screenshot({ path: `${dir}/${name}`, timeout: timeoutMs });
    written.push(name);
  }
  await page.screenshot({ path: `${dir}/page.png`, fullPage: true, timeout: timeoutMs });
  written.push('page.png');
  return written;
}
