// The student tutorial's story, in the built app, on a small model (a whole sweep in about a
// minute on the CPU emulator): the first view, Start, the live sweep (every run's loss against
// tokens coloured by batch size, the steps chart filling in with its fit), the results read
// aloud, the overhead and the target moved, the trained model downloaded, and a results link.
// Its screenshots are docs/tutorial/*.png, so the tutorial shows the page as it is.
import { test, expect, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { decodeLink, encodeConfigFragment, RESULTS_LINK_LIMIT } from '../src/experiment/codec';
import { readSafetensors } from '../src/model/safetensors';
import { buildLayout } from '../src/model/layout';
import { ByteTokenizer } from '../src/data/tokenizer';
import { tinySweepConfig } from './fixtures/sweep-configs';
import { APP_URL } from './servers';

const SHOTS = 'docs/tutorial';

type LabState = ReturnType<NonNullable<Window['cbsLab']>['state']>;

const labState = (page: Page): Promise<LabState> => page.evaluate(() => window.cbsLab!.state());

async function waitFor(page: Page, done: (s: LabState) => boolean, timeoutMs: number): Promise<LabState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await labState(page);
    if (s.error) throw new Error(`the experiment stopped: ${s.error}`);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; last state: ${JSON.stringify(s.runs)}`);
    await page.waitForTimeout(500);
  }
}

async function download(page: Page, click: () => Promise<void>, dir: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(dir, file.suggestedFilename());
  await file.saveAs(path);
  return readFileSync(path);
}

test('the tutorial: run, watch it fill in, read it, move the overhead and the target, download, share', async ({ page }) => {
  test.setTimeout(480_000);
  mkdirSync(SHOTS, { recursive: true });
  await page.setViewportSize({ width: 1440, height: 900 });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));

  // 1. The first view, as a student first sees it.
  await page.goto(APP_URL);
  await expect(page.getByTestId('worked-example').locator('svg.recharts-surface').first()).toBeVisible();
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  // Once the adapter's speed is measured, as a student sees the page after a few seconds: Start ready, with its estimate.
  await expect(page.getByTestId('start')).toBeEnabled({ timeout: 120_000 });
  await page.screenshot({ path: `${SHOTS}/first-view.png` });

  // 2. Start a small sweep (the demo's protocol on a smaller model).
  const config = { ...tinySweepConfig(), name: 'A small demo sweep' };
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('monitor')).toBeFocused();

  // 3. Live: every run's EWA loss against tokens, coloured by batch size, with the target line;
  //    the steps chart fills in as batch sizes reach the target, and its fit follows.
  const final = new Set(['reached-target', 'finished', 'diverged', 'stopped', 'failed']);
  await waitFor(page, (s) => s.runs.filter((r) => final.has(r.status)).length >= 3, 300_000);
  const monitor = page.getByTestId('monitor');
  const loss = monitor.getByTestId('loss-chart');
  await expect(loss.locator('.chart-legend')).toContainText('B = 2');
  await expect(loss.locator('.chart-legend')).toContainText('B = 16');
  await expect(loss.locator('.chart-legend')).toContainText('target');
  // One line per run with evaluations (three runs are done), one colour per batch size.
  const strokes = await loss.locator('.recharts-line path.recharts-curve').evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke')));
  expect(strokes.length).toBeGreaterThanOrEqual(3);
  expect(new Set(strokes).size).toBeGreaterThanOrEqual(2);
  await expect(loss.locator('.recharts-reference-line')).toHaveCount(1);
  const live = monitor.getByTestId('live-cbs');
  await expect(live.getByTestId('cbs-chart')).toBeVisible();
  const pointsSoFar = await live.locator('.recharts-scatter-symbol').count();
  expect(pointsSoFar).toBeGreaterThanOrEqual(2);
  await expect(live.locator('.recharts-line')).toHaveCount(3);
  await expect(live.getByTestId('reading')).toContainText('sequences cut the steps to target by');
  await monitor.scrollIntoViewIfNeeded();
  await monitor.screenshot({ path: `${SHOTS}/live-sweep.png` });

  await waitFor(page, (s) => s.status === 'finished', 300_000);
  await expect(page.getByTestId('experiment-status')).toContainText('Finished: all 5 runs done');
  // Runs that ended read as complete: a full bar, and what happened.
  for (const row of await monitor.getByTestId('run-row').all()) {
    const bar = row.locator('progress');
    expect(await bar.getAttribute('value')).toBe(await bar.getAttribute('max'));
  }
  await expect(monitor.getByTestId('run-progress').filter({ hasText: 'reached the target by step' })).not.toHaveCount(0);
  expect(await live.locator('.recharts-scatter-symbol').count()).toBeGreaterThan(pointsSoFar);

  // 4. The results, read aloud.
  const results = page.getByTestId('results');
  const chart = results.getByTestId('cbs-chart');
  await expect(results.getByTestId('bstar-value')).toHaveText(/\d/);
  const bStar = Number(await results.getByTestId('bstar-value').innerText());
  await expect(chart.getByTestId('reading')).toContainText('So the critical batch size is about B* =');
  await results.scrollIntoViewIfNeeded();
  await page.locator('.chart-body').first().screenshot({ path: `${SHOTS}/results.png` });

  // 5. A larger overhead tolerates more waste: B* moves up. A higher (easier) target: fewer steps.
  await results.getByTestId('results-overhead').fill('50');
  await expect(results.getByTestId('bstar-value')).not.toHaveText(String(bStar));
  expect(Number(await results.getByTestId('bstar-value').innerText())).toBeGreaterThan(bStar);
  await page.locator('.chart-body').first().screenshot({ path: `${SHOTS}/overhead.png` });
  await results.getByTestId('results-overhead').fill('');
  const steps = async () => Number((await results.getByTestId('points-table').locator('tbody tr td:nth-child(2)').first().textContent()) ?? NaN);
  const before = await steps();
  const target = Number(await results.getByTestId('target-loss').innerText());
  await results.getByTestId('results-target').fill(String(+(target + 0.3).toFixed(3)));
  await expect.poll(steps).toBeLessThan(before);
  await results.getByTestId('results-target').scrollIntoViewIfNeeded();
  await results.locator('.results-controls').screenshot({ path: `${SHOTS}/target-controls.png` });
  await page.locator('.chart-body').first().screenshot({ path: `${SHOTS}/target.png` });
  await results.getByTestId('results-target').fill('');

  // 6. The trained model: EWA weights that load by name and shape, config.json, tokenizer.json.
  const dir = mkdtempSync(join(tmpdir(), 'cbs-tutorial-'));
  const item = results.getByTestId('model-download').first();
  const runs = (await page.evaluate(() => window.cbsLab!.results()))!.runs;
  const reference = runs.find((r) => r.spec.role === 'reference')!;
  expect(await item.getAttribute('data-run')).toBe(reference.spec.id);
  const weights = readSafetensors(new Uint8Array(await download(page, () => item.getByTestId('download-weights').click(), dir)));
  const layout = buildLayout(reference.spec.model);
  for (const t of layout.tensors) expect(weights.tensors.get(t.name)?.shape, t.name).toEqual(t.shape);
  expect(weights.tensors.size).toBe(layout.tensors.length);
  const hfConfig = JSON.parse((await download(page, () => item.getByTestId('download-config').click(), dir)).toString('utf8')) as Record<string, unknown>;
  expect(hfConfig).toMatchObject({ hidden_size: reference.spec.model.dModel, vocab_size: reference.spec.model.vocabSize });
  const tokenizer = new HfTokenizer(JSON.parse((await download(page, () => results.getByTestId('download-tokenizer').click(), dir)).toString('utf8')) as Record<string, unknown>, {});
  expect(tokenizer.encode('batch', { add_special_tokens: false }).ids).toEqual([...new ByteTokenizer().encode('batch')]);

  // 7. Share: the link with results fits and opens the same charts elsewhere.
  await page.getByTestId('copy-link-results').click();
  const link = await page.getByTestId('share-link').inputValue();
  expect(link.length).toBeLessThanOrEqual(APP_URL.length + RESULTS_LINK_LIMIT);
  const decoded = decodeLink(link);
  expect(decoded.ok && decoded.kind).toBe('results');
  await page.getByTestId('share').screenshot({ path: `${SHOTS}/share.png` });
  expect(errors).toEqual([]);
});
