// The page a student understands in one minute (issue 12), against the BUILT app: the first view
// at 1440×900 without scrolling, nothing wider than a 390 px phone, every result read aloud, every
// term's glossary entry one click (or Enter) away, results brought into view and focused when
// opened, the paper's curves on the steps chart, and the demo path from the keyboard alone.
import { test, expect, type Page, type Locator } from '@playwright/test';
import { encodeConfigFragment, encodeResultsFragment } from '../src/experiment/codec';
import { chartModel } from '../src/ui/chart-model';
import { compactResults } from '../src/ui/compact-results';
import { dataGrowthSentence, measurementReading, modelSizeSentence, scalingReading } from '../src/ui/readings';
import { demoResult } from '../src/ui/demo-result';
import { modelSizeResult } from '../src/ui/model-size-result';
import { GLOSSARY } from '../src/ui/glossary';
import { syntheticResults } from '../src/experiment/synthetic';
import { tinySweepConfig } from './fixtures/sweep-configs';
import { APP_URL } from './servers';
import { DRAFT_KEY } from '../src/state/draft';
import { defaultConfig } from '../src/experiment/presets';

const results = syntheticResults();

function resultsLink(): string {
  const enc = encodeResultsFragment(compactResults(results));
  if (!enc.ok) throw new Error(enc.message);
  return `${APP_URL}${enc.fragment}`;
}

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return errors;
}

/** The element lies wholly inside the viewport (as the page first shows it, without scrolling). */
async function expectInFirstView(page: Page, locator: Locator, name: string): Promise<void> {
  const box = await locator.boundingBox();
  const viewport = page.viewportSize();
  expect(box, name).not.toBeNull();
  expect(box!.y, name).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height, `${name} ends at ${box!.y + box!.height} px`).toBeLessThanOrEqual(viewport!.height);
  expect(box!.x + box!.width, name).toBeLessThanOrEqual(viewport!.width);
}

/** Nothing is wider than the viewport: no horizontal scrolling. */
async function expectNoHorizontalOverflow(page: Page, when: string): Promise<void> {
  const { scroll, client } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
  expect(scroll, `${when}: the page is ${scroll} px wide in a ${client} px viewport`).toBeLessThanOrEqual(client);
}

/** Every chart's legend sits below its plot, and its axis labels are at least 11 px. */
async function expectReadableCharts(scope: Locator, when: string): Promise<void> {
  const frames = scope.locator('.chart-frame');
  const n = await frames.count();
  expect(n, when).toBeGreaterThan(0);
  for (let i = 0; i < n; i++) {
    const frame = frames.nth(i);
    if (!(await frame.isVisible())) continue;
    const plot = await frame.locator('svg.recharts-surface').first().boundingBox();
    const legend = await frame.locator('.chart-legend').boundingBox();
    expect(plot && legend, when).toBeTruthy();
    expect(legend!.y, `${when}: legend ${i} overlaps its plot`).toBeGreaterThanOrEqual(plot!.y + plot!.height - 1);
    const sizes = await frame.locator('.recharts-cartesian-axis-tick-value').evaluateAll((els) => els.map((e) => parseFloat(getComputedStyle(e).fontSize)));
    expect(Math.min(...sizes), when).toBeGreaterThanOrEqual(11);
  }
}

test('first view at 1440×900: what CBS is, a worked example read aloud with its B*, one Start button; everything else folded', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(APP_URL);
  const example = page.getByTestId('worked-example');
  await expect(example.locator('svg.recharts-surface').first()).toBeVisible();
  // What CBS is, in three sentences.
  const explained = page.getByTestId('cbs-explained');
  expect((await explained.innerText()).split(/(?<=[.!?])\s+/).filter((t) => t.length > 10)).toHaveLength(3);
  await expectInFirstView(page, explained, 'the explanation');
  // The worked example: the shipped demo result (two budgets), the headline on B* growing with
  // data, and the largest budget's chart, its fit and B*, and its reading.
  const measurements = [...chartModel(demoResult()).measurements].sort((p, q) => p.dataSize - q.dataSize);
  expect(measurements.map((x) => x.dataSize)).toEqual([40_000, 160_000]);
  const growth = example.getByTestId('example-growth');
  await expect(growth).toHaveText(dataGrowthSentence(measurements) as string);
  await expect(growth).toContainText('The intervals do not overlap');
  await expectInFirstView(page, growth, 'the growth headline');
  const m = measurements[1];
  const bStar = `${+(m.cbs!.bStar as number).toPrecision(3)}`;
  await expectInFirstView(page, example.locator('svg.recharts-surface').first(), 'the worked example chart');
  await expect(example.locator('.recharts-label', { hasText: `B* ≈ ${bStar}` })).toHaveCount(1);
  await expect(example.locator('.recharts-line')).toHaveCount(3);
  const reading = example.getByTestId('reading');
  await expect(reading).toHaveText(measurementReading(m));
  await expect(reading).toContainText(`B* = ${bStar} sequences`);
  await expectInFirstView(page, reading, 'the reading');
  await expect(page.getByTestId('example-source')).toContainText('Measured by this lab on the demo preset');
  // The other budget's chart is one click away.
  await example.getByRole('button', { name: 'D = 40k tokens' }).click();
  await expect(example.locator('.recharts-label', { hasText: `B* ≈ ${+(measurements[0].cbs!.bStar as number).toPrecision(3)}` })).toHaveCount(1);
  await expect(reading).toHaveText(measurementReading(measurements[0]));
  await example.getByRole('button', { name: 'D = 160k tokens' }).click();
  // The finding's other half is one click away: a bigger model on the same data (the shipped
  // cbs-vs-model result), B* against model size with its headline and reading, all in view.
  await example.getByRole('button', { name: 'A bigger model' }).click();
  const bySize = chartModel(modelSizeResult());
  const modelHeadline = example.getByTestId('example-model-size');
  await expect(modelHeadline).toHaveText(modelSizeSentence(bySize.measurements) as string);
  await expect(modelHeadline).toContainText("The 4 models' intervals all overlap");
  await expect(example.getByTestId('example-scaling-model-reading')).toHaveText(scalingReading(bySize.scaling.vsModel, 'model'));
  await expect(example.locator('.recharts-scatter-symbol')).toHaveCount(4);
  await expect(page.getByTestId('example-source')).toContainText('Measured by this lab on the CBS vs model size preset');
  await expectInFirstView(page, modelHeadline, 'the model-size headline');
  await expectInFirstView(page, example.locator('svg.recharts-surface').first(), 'the model-size chart');
  await example.getByRole('button', { name: 'More data' }).click();
  await expect(growth).toHaveText(dataGrowthSentence(measurements) as string);
  // One Start button, for the demo.
  const start = page.getByTestId('start');
  await expect(start).toHaveText('Start the demo');
  await expect(page.getByRole('button', { name: /^Start/ })).toHaveCount(1);
  await expectInFirstView(page, start, 'Start');
  // Everything else is folded under Customize (and Advanced), which is in view.
  await expectInFirstView(page, page.getByTestId('customize'), 'Customize');
  await expect(page.getByLabel('Batch sizes (sequences)')).toBeHidden();
  await page.getByTestId('customize').click();
  await expect(page.getByLabel('Batch sizes (sequences)')).toBeVisible();
  const seed = page.getByLabel('replicate 1 init seed');
  await expect(seed).toBeHidden();
  await page.getByTestId('advanced').locator('summary').click();
  await expect(seed).toBeVisible();
  // Validation is kept: a bad value is refused under its field, and Start says why.
  await seed.fill('-1');
  await expect(page.getByText('seeds[0].init must be an integer from 0 to 4294967295 (got -1)')).toBeVisible();
  await expect(page.getByTestId('start-blocked')).toContainText('the experiment has problems to fix');
  expect(await page.evaluate(() => window.scrollY)).toBeGreaterThanOrEqual(0);
  expect(errors).toEqual([]);
});

test('at 390 px nothing overflows and every legend sits below its chart, with readable labels', async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(APP_URL);
  await expect(page.getByTestId('worked-example').locator('svg.recharts-surface').first()).toBeVisible();
  await expectNoHorizontalOverflow(page, 'first view');
  await expectReadableCharts(page.getByTestId('worked-example'), 'worked example');
  await page.getByTestId('worked-example').getByRole('button', { name: 'A bigger model' }).click();
  await expect(page.getByTestId('example-model-size')).toBeVisible();
  await expectNoHorizontalOverflow(page, 'the model-size example');
  await expectReadableCharts(page.getByTestId('worked-example'), 'the model-size example');
  await page.getByTestId('customize').click();
  await page.getByTestId('advanced').locator('summary').click();
  await expectNoHorizontalOverflow(page, 'Customize and Advanced open');
  await page.goto(resultsLink());
  await expect(page.getByTestId('results').getByTestId('bstar-value')).toBeVisible();
  await page.getByTestId('results').locator('details.loss-details summary').click();
  await expectNoHorizontalOverflow(page, 'results from a link');
  await expectReadableCharts(page.getByTestId('results'), 'results');
  await page.screenshot({ path: 'e2e/artifacts/ui-390-results.png', fullPage: true });
});

test('results read aloud, every term one click from its glossary entry, the paper overlay, focus on opened results', async ({ page }) => {
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(resultsLink());
  const section = page.getByTestId('results');
  // Opened from a link: the results are scrolled into view and hold the focus.
  await expect(section).toBeFocused();
  const top = (await section.boundingBox())!.y;
  // Scrolled to the top edge (a fraction of a pixel either way).
  expect(top).toBeGreaterThanOrEqual(-1);
  expect(top).toBeLessThan(100);
  // The reading beside B* is the generated sentence for these results.
  const m = chartModel(compactResults(results)).measurements[0];
  await expect(section.getByTestId('reading').first()).toHaveText(measurementReading(m));
  await expect(section.getByTestId('reading').first()).toContainText('Doubling the batch from 4 to 8 sequences cut the steps to target by');
  // The scaling charts say what they need, and what the paper found.
  await expect(section.getByTestId('scaling-data-reading')).toContainText('The paper finds B* grows with the data size');

  // Every term the results use opens its glossary entry where it appears: by click and by Enter.
  const used = await section.locator('[data-term]').evaluateAll((els) => [...new Set(els.map((e) => e.getAttribute('data-term')))]);
  for (const id of ['ewa', 'steps-to-target', 'target-loss', 'b-star', 'b-crit', 'noise-scale', 'baseline', 'linear-scaling', 'overhead', 'interval', 'fit', 'fit-free', 'batch-size', 'data-size', 'reference-run']) {
    expect(used, `the results have no glossary term for ${id}`).toContain(id);
  }
  for (const id of used as (keyof typeof GLOSSARY)[]) {
    const term = section.locator(`[data-term="${id}"]`).first();
    const popover = page.getByTestId(`glossary-popover-${id}`);
    await term.scrollIntoViewIfNeeded();
    await term.click();
    await expect(popover).toBeVisible();
    await expect(popover).toContainText(GLOSSARY[id].definition);
    await page.keyboard.press('Escape');
    await expect(popover).toBeHidden();
  }
  const term = section.locator('[data-term="ewa"]').first();
  await term.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('glossary-popover-ewa')).toBeVisible();
  await page.keyboard.press('Escape');
  // And the glossary lists every entry.
  await expect(page.getByTestId('glossary').locator('dt')).toHaveCount(Object.keys(GLOSSARY).length);

  // The paper's five normalised curves on the steps chart, with the lab's on the same axes.
  const chart = section.getByTestId('cbs-chart');
  await chart.getByTestId('paper-overlay').check();
  await expect(chart.locator('.recharts-line')).toHaveCount(6);
  await expect(chart.locator('.recharts-label', { hasText: 'B / B*' })).toHaveCount(1);
  await expect(chart.locator('.chart-legend')).toContainText('paper: 85M to 1.2B');
  await page.screenshot({ path: 'e2e/artifacts/ui-paper-overlay.png' });
  await chart.getByTestId('paper-overlay').uncheck();
  await expect(chart.locator('.recharts-line')).toHaveCount(3);

  // Imported results come into view with the focus too (from the top of a fresh page).
  await page.goto(APP_URL);
  await page.evaluate(() => window.scrollTo(0, 0));
  const file = { name: 'results.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(results)) };
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('results')).toBeFocused();
  expect((await page.getByTestId('results').boundingBox())!.y).toBeLessThan(100);
  expect(errors).toEqual([]);
});

test('the address bar follows the config as it is edited, and the draft survives a reload', async ({ page }) => {
  await page.goto(APP_URL);
  expect(new URL(page.url()).hash).toBe('');
  await page.getByTestId('customize').click();
  await page.getByLabel('Experiment name').fill('My draft');
  await page.getByLabel('Batch sizes (sequences)').fill('4, 8, 16');
  // The address bar holds exactly the edited config (it follows each edit after a short pause).
  const config = await page.evaluate(() => window.cbsLab!.config());
  expect(config.batchSizes).toEqual([4, 8, 16]);
  await expect.poll(() => new URL(page.url()).hash).toBe(encodeConfigFragment(config));
  await page.reload();
  await expect(page.getByTestId('draft-notice')).toContainText('Restored the experiment you were editing');
  await expect(page.getByLabel('Experiment name')).toHaveValue('My draft');
  // A bare address restores the draft too; "Back to the demo" clears it.
  await page.goto(APP_URL);
  await expect(page.getByLabel('Experiment name')).toHaveValue('My draft');
  await page.getByTestId('draft-notice').getByRole('button', { name: 'Back to the demo' }).click();
  await expect(page.getByTestId('start')).toHaveText('Start the demo');
  expect(new URL(page.url()).hash).toBe('');
  await page.reload();
  await expect(page.getByTestId('draft-notice')).toHaveCount(0);
  // A draft that is exactly the demo's config (an imported or saved demo leaves one) is the demo
  // again: the plain first view, no notice, a bare address.
  await page.evaluate(([key, fragment]) => localStorage.setItem(key, fragment), [DRAFT_KEY, encodeConfigFragment(defaultConfig())]);
  await page.reload();
  await expect(page.getByTestId('start')).toHaveText('Start the demo');
  await expect(page.getByTestId('draft-notice')).toHaveCount(0);
  expect(new URL(page.url()).hash).toBe('');
  expect(await page.evaluate((key) => localStorage.getItem(key), DRAFT_KEY)).toBeNull();
});

test('keyboard only: Tab to Start with visible focus, Space starts, the focus goes to the live sweep, Enter cancels', async ({ page }) => {
  test.setTimeout(240_000);
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${APP_URL}${encodeConfigFragment({ ...tinySweepConfig(), name: 'Keyboard test' })}`);
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  await expect(page.getByTestId('start')).toBeEnabled();
  let tabs = 0;
  for (; tabs < 25; tabs++) {
    await page.keyboard.press('Tab');
    const focus = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement;
      const style = getComputedStyle(el);
      return { testId: el.getAttribute('data-testid'), tag: el.tagName, outline: style.outlineStyle, width: parseFloat(style.outlineWidth) };
    });
    // Every stop on the way shows where the focus is.
    expect(focus.outline, `${focus.tag} ${focus.testId ?? ''}`).not.toBe('none');
    expect(focus.width).toBeGreaterThanOrEqual(2);
    if (focus.testId === 'start') break;
  }
  expect(tabs, 'Start is among the first ten stops').toBeLessThan(10);
  await page.keyboard.press('Space');
  // The focus moves to the live sweep, never to <body>.
  await expect(page.getByTestId('monitor')).toBeFocused();
  await expect(page.getByTestId('experiment-status')).toContainText('Training:', { timeout: 120_000 });
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Pause all' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('button', { name: 'Cancel experiment' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('experiment-status')).toContainText('Cancelled:', { timeout: 60_000 });
  await expect(page.getByTestId('experiment-status')).toBeFocused();
  expect(await page.evaluate(() => document.activeElement === document.body)).toBe(false);
  await expect(page.getByTestId('training-error')).toHaveCount(0);
});
