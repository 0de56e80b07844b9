// Node-side helpers for specs that drive the harness page (e2e/harness/).
import { expect, test, type Page } from '@playwright/test';
import type { CheckOutcome } from './checks/types';
import { HARNESS_URL } from './servers';

export { HARNESS_URL };

/** Opens the harness and fails, with the browser's reason, when there is no WebGPU adapter. */
export async function openHarness(page: Page): Promise<string> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(HARNESS_URL);
  await expect(page.locator('#status')).toHaveText('harness ready', { timeout: 60_000 });
  const adapter = await page.evaluate(() => window.harness.adapter());
  if (!adapter.ok) throw new Error(`WebGPU is required for this test and is not available: ${adapter.description}`);
  expect(errors).toEqual([]);
  return adapter.description;
}

/**
 * One harness page shared by a spec's tests, which then run in order: opened before the first
 * (failing with the browser's reason when WebGPU is missing) and closed after the last.
 */
export function sharedHarnessPage(): { readonly page: Page; readonly adapter: string } {
  test.describe.configure({ mode: 'serial' });
  let page: Page | null = null;
  let adapter = '';
  test.beforeAll(async ({ browser }) => {
    page = await browser.newPage();
    adapter = await openHarness(page);
    console.log(`adapter: ${adapter}`);
  });
  test.afterAll(async () => {
    await page?.close();
  });
  return {
    get page(): Page {
      if (!page) throw new Error('the harness page is not open yet');
      return page;
    },
    get adapter(): string {
      return adapter;
    },
  };
}

export async function runCheck(page: Page, family: string, name: string): Promise<CheckOutcome[]> {
  return page.evaluate(([f, n]) => window.harness.run(f, n), [family, name] as const);
}

/** Runs a probe (e2e/checks/<family>.check.ts, export `probes`) and returns its figures. */
export async function runProbe<T>(page: Page, family: string, name: string, args: unknown = null): Promise<T> {
  return (await page.evaluate(([f, n, a]) => window.harness.probe(f, n, a), [family, name, args] as const)) as T;
}

/** Every comparison must hold; the message says by how much it missed. */
export function expectAllClose(outcomes: CheckOutcome[]): void {
  expect(outcomes.length).toBeGreaterThan(0);
  for (const { label, comparison: c } of outcomes) {
    const detail =
      `${label}: max |err| ${c.maxAbsError.toExponential(2)}; worst at [${c.worstIndex}] got ${c.worstActual}, ` +
      `expected ${c.worstExpected}; tolerance atol ${c.tolerance.atol} + rtol ${c.tolerance.rtol}·|expected|; ` +
      `${c.nonFinite} non-finite of ${c.count}`;
    expect(c.count, detail).toBeGreaterThan(0);
    expect(c.nonFinite, detail).toBe(0);
    expect(c.ok, detail).toBe(true);
  }
}

/** Declares one Playwright test per check in a family, sharing one harness page. */
export async function listChecks(page: Page, family: string): Promise<string[]> {
  return page.evaluate((f) => window.harness.list(f), family);
}
