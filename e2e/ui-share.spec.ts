// Share links, tampered links, JSON export and re-import, against the BUILT app (vite preview).
// Results come from the synthetic fixture (runs whose steps follow R = 12 + 576/B), so the charts
// are tested without training; B* on the page must equal the analysis computed here in Node.
import { test, expect, chromium, type Page } from '@playwright/test';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeConfigFragment, encodeResultsFragment, RESULTS_LINK_LIMIT } from '../src/experiment/codec';
import { chartModel } from '../src/ui/chart-model';
import { dataGrowthSentence } from '../src/ui/readings';
import { evaluationsCsv, stepsCsv, trainStepsCsv } from '../src/cbs/export';
import { readStepsTable } from '../src/cbs/input';
import { analyzeTable } from '../src/cbs/report';
import { formatReport } from '../src/cbs/format';
import { compactResults } from '../src/ui/compact-results';
import { syntheticConfig, syntheticResults } from '../src/experiment/synthetic';
import { defaultConfig } from '../src/experiment/presets';
import { chromiumArgs, chromiumExecutable } from '../tools/browser';
import { APP_URL } from './servers';
import { experimentLine, importScaleOutResults, recordLine, runFileName } from '../src/scale-out/import';

const results = syntheticResults();
const analysis = chartModel(results);
const bStar = analysis.measurements[0].cbs?.bStar as number;
const bStarText = `${+bStar.toPrecision(3)}`;

/** The link the page makes: the results compacted to what the charts need. */
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

test('a share link with results shows the CBS chart and its B* at once, without training', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(resultsLink());
  await expect(page.getByTestId('link-notice')).toContainText(`Opened shared results (${results.runs.length} runs)`);
  const chart = page.getByTestId('results').getByTestId('cbs-chart');
  await expect(chart).toBeVisible();
  await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
  expect(bStar).toBeGreaterThan(12);
  expect(bStar).toBeLessThan(17); // the generating curve's B* is 14.4
  await expect(page.getByTestId('target-loss')).toHaveText('2.6');
  await expect(page.getByTestId('bstar-interval')).toContainText('–');
  await expect(page.getByTestId('noise-scale')).toContainText('B_simple ≈');
  // One dot per sweep run that reached the target: 6 best and 5 faded (the reference run sets the
  // target and is not a point; B = 128 at the second learning rate never reached the target).
  await expect(chart.locator('.recharts-scatter-symbol')).toHaveCount(11);
  await expect(chart.locator('.recharts-reference-line')).toHaveCount(1);
  await expect(chart.locator('.recharts-line')).toHaveCount(3);
  await expect(page.getByTestId('unreached')).toContainText('1 run never reached the target');
  // Hovering a point shows its run.
  await chart.locator('.recharts-scatter-symbol').last().hover();
  await expect(page.getByTestId('point-tooltip')).toContainText('B = 128');
  await expect(page.getByTestId('point-tooltip')).toContainText('|B128|');
  // Nothing ran: there is no run monitor, and the builder shows the shared experiment.
  await expect(page.getByTestId('monitor')).toHaveCount(0);
  await expect(page.getByLabel('Experiment name')).toHaveValue(results.config.name);
  await page.screenshot({ path: 'e2e/artifacts/ui-share-results.png', fullPage: true });
  // The chart as a PNG (drawn from its SVG under the page's CSP).
  const [png] = await Promise.all([page.waitForEvent('download'), chart.getByRole('button', { name: 'Save chart as PNG' }).click()]);
  expect(png.suggestedFilename()).toMatch(/^cbs-demo-d-20k\.png$/);
  const pngPath = join(mkdtempSync(join(tmpdir(), 'cbs-png-')), 'chart.png');
  await png.saveAs(pngPath);
  const bytes = readFileSync(pngPath);
  expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(bytes.length).toBeGreaterThan(5000);
  // The export draws the title, the legend, B* with its interval and the reading around the
  // 360 px plot (at 2×): taller than the plot alone.
  expect(bytes.readUInt32BE(20)).toBeGreaterThan(2 * (360 + 60));
  expect(errors).toEqual([]);
});

test("seed replicates: the chart's dark dots are the seeds' geometric mean, each seed's best run beside them, and the reading says the interval includes the seeds", async ({ page }) => {
  const seeded = syntheticResults({ replicates: 3 });
  const m = chartModel(seeded).measurements[0];
  const enc = encodeResultsFragment(compactResults(seeded));
  if (!enc.ok) throw new Error(enc.message);
  await page.goto(`${APP_URL}${enc.fragment}`);
  const chart = page.getByTestId('results').getByTestId('cbs-chart');
  await expect(chart.locator('.chart-legend')).toContainText('R(B): geometric mean over 3 seeds');
  await expect(chart.locator('.chart-legend')).toContainText("each seed's best run");
  // One dark dot per batch size every seed reached, and one blue dot per seed there.
  const dark = m.points.filter((p) => p.steps !== null).length;
  const perSeed = m.points.flatMap((p) => p.replicates).filter((r) => r.steps !== null).length;
  const others = m.points.flatMap((p) => p.runs).filter((r) => r.steps !== null).length - perSeed;
  await expect(chart.locator('.recharts-scatter-symbol')).toHaveCount(dark + perSeed + others);
  await expect(chart.getByTestId('reading')).toContainText("The interval resamples the 3 seeds' runs at each batch size, so it includes seed-to-seed variation");
  // Picking a batch size in the table shows the mean, not the fastest seed.
  const results = page.getByTestId('results');
  await results.getByTestId('points-table').locator('summary').click();
  await results.getByTestId('points-table').getByRole('button', { name: '16', exact: true }).click();
  await expect(results.getByTestId('point-tooltip')).toContainText("the geometric mean of the 3 seeds' best runs at this B");
});

test('a tampered link gives a clear message and falls back to the default experiment', async ({ page }) => {
  const errors = watchErrors(page);
  const link = resultsLink();
  const at = link.length - 40;
  const tampered = link.slice(0, at) + (link[at] === 'A' ? 'B' : 'A') + link.slice(at + 1);
  await page.goto(tampered);
  const banner = page.getByTestId('link-error');
  await expect(banner).toContainText('This link could not be opened.');
  await expect(banner).toContainText(/damaged|changed after it was made/);
  await expect(banner).toContainText('nothing was run');
  await expect(page.getByTestId('results')).toHaveCount(0);
  await expect(page.getByLabel('Experiment name')).toHaveValue(defaultConfig().name);
  await page.screenshot({ path: 'e2e/artifacts/ui-share-tampered.png', fullPage: true });
  // A link from the future is refused in words, too.
  await page.goto(`${APP_URL}${encodeConfigFragment(defaultConfig()).replace('#v1.', '#v9.')}`);
  await page.reload();
  await expect(page.getByTestId('link-error')).toContainText('newer version of CBS Lab');
  expect(errors).toEqual([]);
});

test('a config link fills the builder and waits for Start; validation speaks inline', async ({ page }) => {
  const config = { ...defaultConfig(), name: 'Shared <b>bold</b> experiment', batchSizes: [4, 8, 16, 32, 64] };
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  await expect(page.getByTestId('link-notice')).toContainText('nothing runs until you press Start');
  // Text from a link is text, never HTML.
  await expect(page.getByLabel('Experiment name')).toHaveValue('Shared <b>bold</b> experiment');
  await expect(page.locator('b', { hasText: 'bold' })).toHaveCount(0);
  const batch = page.locator('input[data-path="batchSizes"]');
  await expect(batch).toHaveValue('4, 8, 16, 32, 64');
  await expect(page.getByTestId('monitor')).toHaveCount(0);
  await batch.fill('4, 8, -16');
  await expect(page.getByText('batchSizes[2] must be a positive integer (got -16)')).toBeVisible();
  await expect(page.getByTestId('start')).toBeDisabled();
  await expect(page.getByTestId('start-blocked')).toContainText('the experiment has problems to fix');
  await batch.fill('4, 8, 16');
  await expect(page.getByTestId('config-invalid')).toHaveCount(0);
  await expect(page.getByTestId('estimate')).toContainText('12 runs');
});

test('a link to another data host asks before fetching', async ({ page }) => {
  const config = { ...defaultConfig(), data: { kind: 'urls' as const, train: ['https://data.example.org/train.json.gz'], validation: ['https://data.example.org/val.json.gz'] } };
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  const confirm = page.getByTestId('confirm-hosts');
  await expect(confirm).toContainText('data.example.org');
  await expect(page.getByTestId('start')).toBeDisabled();
  await expect(page.getByTestId('start-blocked')).toContainText('the data hosts must be confirmed');
  await confirm.getByRole('checkbox').check();
  // Confirmed, and with WebGPU here nothing else blocks once the adapter's cost model is measured
  // (seconds, longer on a loaded machine): no reason is shown and Start is enabled.
  await expect(page.getByTestId('start-blocked')).toHaveCount(0, { timeout: 120_000 });
  await expect(page.getByTestId('start')).toBeEnabled();
  await expect(page.getByText('the data hosts must be confirmed')).toHaveCount(0);
});

test('export JSON, re-import it in a fresh page, and get the same charts; too-large links say so', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto(resultsLink());
  await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
  const dir = mkdtempSync(join(tmpdir(), 'cbs-ui-'));
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-json').click()]);
  const file = join(dir, download.suggestedFilename());
  await download.saveAs(file);
  const exported = JSON.parse(readFileSync(file, 'utf8')) as { format: string; kind: string; data: unknown };
  expect(exported.format).toBe('cbs-lab');
  expect(exported.kind).toBe('results');
  // Opened from a link, the page holds what the link carries: the compacted results.
  expect(exported.data).toEqual(JSON.parse(JSON.stringify(compactResults(results))));
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csvFile = join(dir, csv.suggestedFilename());
  await csv.saveAs(csvFile);
  const stepsText = readFileSync(csvFile, 'utf8');
  const rows = stepsText.trim().split('\n');
  expect(rows[0]).toMatch(/^run_id,model,non_embedding_params,data_size,batch_size,peak_lr,replicate,status,reference,steps_to_target/);
  expect(rows).toHaveLength(results.runs.length + 1);
  // The page holds what the link carried (the compacted results): its exports are the core's
  // text for those, as the headless runner writes it for full results.
  const held = compactResults(results);
  expect(stepsText).toBe(stepsCsv(held, chartModel(held, { resamples: 10 }).report));
  for (const [id, expected] of [
    ['export-evals-csv', evaluationsCsv(held)],
    ['export-train-csv', trainStepsCsv(held)],
  ] as const) {
    const [saved] = await Promise.all([page.waitForEvent('download'), page.getByTestId(id).click()]);
    const path = join(dir, saved.suggestedFilename());
    await saved.saveAs(path);
    expect(readFileSync(path, 'utf8'), id).toBe(expected);
  }

  await page.goto(APP_URL);
  await expect(page.getByTestId('results')).toHaveCount(0);
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('link-notice')).toContainText('Imported results');
  await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
  await page.getByTestId('copy-link-results').click();
  await expect(page.getByTestId('share-link')).toHaveValue(resultsLink());

  // Results too large for a link even compacted (512 runs): the page says so and points to the JSON file.
  const big = syntheticResults({
    batchSizes: Array.from({ length: 32 }, (_, i) => 4 + 4 * i),
    learningRates: Array.from({ length: 16 }, (_, i) => +(1e-2 / 1.2 ** i).toPrecision(3)),
    lrPenalty: 1.01,
  });
  expect(encodeResultsFragment(compactResults(big)).ok).toBe(false);
  const bigFile = join(dir, 'big.json');
  writeFileSync(bigFile, JSON.stringify(big));
  await page.getByTestId('import-file').setInputFiles(bigFile);
  await expect(page.getByTestId('results-meta')).toContainText(`${big.runs.length - 1} runs`);
  await page.getByTestId('copy-link-results').click();
  await expect(page.getByTestId('share-message')).toContainText(`more than the ${RESULTS_LINK_LIMIT / 1024} KB a link`);
  await expect(page.getByTestId('share-message')).toContainText('Export them as a JSON file instead');
  // The steps CSV imported back: the page reads it with the command line's CSV reader and shows
  // the command line's report, to the character.
  await page.getByTestId('import-file').setInputFiles(csvFile);
  const table = readStepsTable(stepsText);
  await expect(page.getByTestId('import-report').locator('pre')).toHaveText(formatReport(analyzeTable(table.rows, {}, table.source)).trimEnd(), { useInnerText: true });
  await expect(page.getByTestId('import-report')).toContainText(`: ${+bStar.toPrecision(4)} sequences`);
  const badCsv = join(dir, 'bad.csv');
  writeFileSync(badCsv, 'batch_size,steps\n4,1,560\n');
  await page.getByTestId('import-file').setInputFiles(badCsv);
  await expect(page.getByTestId('import-error')).toContainText('Could not analyse "bad.csv": line 2: expected 2 columns, got 3 ("4,1,560")');
  await expect(page.getByTestId('import-report')).toHaveCount(0);
  // A file that is not an experiment is refused in words.
  const junk = join(dir, 'junk.json');
  writeFileSync(junk, '{"hello": "world"}');
  await page.getByTestId('import-file').setInputFiles(junk);
  await expect(page.getByTestId('import-error')).toContainText('does not hold a CBS Lab experiment');

  // The steps CSV also shows the charts, from its table: the same B*, brought into view.
  await page.getByTestId('import-file').setInputFiles(csvFile);
  await expect(page.getByTestId('results-meta')).toContainText(`${table.rows.length} rows of steps to target`);
  await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
  await expect(page.getByTestId('results')).toBeFocused();
  // And a CSV as another framework writes it (batch_size, steps), with its B* as analyzeTable finds it.
  const cli = [4, 8, 16, 32, 64].map((b) => ({ batchSize: b, steps: Math.round(12 + 576 / b), modelSize: null, dataSize: null }));
  const cliCsv = join(dir, 'steps.csv');
  writeFileSync(cliCsv, `batch_size,steps\n${cli.map((r) => `${r.batchSize},${r.steps}`).join('\n')}\n`);
  await page.getByTestId('import-file').setInputFiles(cliCsv);
  await expect(page.getByTestId('results-meta')).toContainText('5 rows of steps to target');
  await expect(page.getByTestId('bstar-value')).toHaveText(`${+(analyzeTable(cli).groups[0].cbs.bStar as number).toPrecision(3)}`);
  // One batch size at the target: no fit and no interval to show, only what B* needs.
  const oneCsv = join(dir, 'one.csv');
  writeFileSync(oneCsv, 'batch_size,steps\n4,156\n8,NA\n16,NA\n');
  await page.getByTestId('import-file').setInputFiles(oneCsv);
  await expect(page.getByTestId('results-meta')).toContainText('3 rows of steps to target');
  const side = page.getByTestId('cbs-summary');
  await expect(side.getByTestId('bstar')).toHaveText('needs two batch sizes at the target; only B = 4 has reached it');
  await expect(side).toContainText('4 (of 3 tried)');
  // A table with no size columns is one measurement, "all rows", with no parameter count to give.
  await expect(page.getByTestId('results').locator('figcaption').first()).toHaveText('all rows');
  await expect(side.getByTestId('bstar-interval')).toHaveCount(0);
  // A PyTorch package's results with runs still to train: imported, and the warnings shown, not dropped.
  const partial = [
    { name: 'experiment.jsonl', mimeType: 'application/jsonl', buffer: Buffer.from(experimentLine(results.config)) },
    ...results.runs.slice(0, 3).map((r, i) => ({ name: runFileName(i), mimeType: 'application/jsonl', buffer: Buffer.from(recordLine(r)) })),
  ];
  const expected = importScaleOutResults(partial.map((f) => ({ name: f.name, text: f.buffer.toString() })));
  expect(expected.decoded.ok).toBe(true);
  expect(expected.warnings.length).toBeGreaterThan(0);
  await page.getByTestId('import-file').setInputFiles(partial);
  await expect(page.getByTestId('import-warnings').locator('li')).toHaveText(expected.warnings);
  await expect(page.getByTestId('import-error')).toHaveCount(0);
  expect(errors).toEqual([]);
});

test('the scaling chart fits B* against data size across two data sizes', async ({ page }) => {
  // Two synthetic measurements of the demo model: D = 20k (R = 12 + 576/B) and D = 40k (R = 8 + 800/B).
  // Each measurement has its own target (2.6 and 2.7), so the page names no single one.
  const d2 = syntheticResults({ config: { ...syntheticConfig(), dataSizes: [40_000] }, a: 8, b: 800, seed: 9, target: 2.7 });
  const combined = { ...results, config: { ...results.config, dataSizes: [20_000, 40_000] }, targets: [...results.targets, ...d2.targets], runs: [...results.runs, ...d2.runs] };
  const expected = chartModel(combined).scaling.vsData;
  expect(expected.fit?.e).toBeGreaterThan(0);
  const dir = mkdtempSync(join(tmpdir(), 'cbs-ui-scaling-'));
  const file = join(dir, 'two-sizes.json');
  writeFileSync(file, JSON.stringify(combined));
  await page.goto(APP_URL);
  await page.getByTestId('import-file').setInputFiles(file);
  await expect(page.getByTestId('results').getByTestId('cbs-chart')).toHaveCount(2);
  await expect(page.getByTestId('scaling-data').locator('.recharts-scatter-symbol')).toHaveCount(2);
  await expect(page.getByTestId('scaling-data-law')).toContainText(`D^${+(expected.fit?.e as number).toPrecision(3)}`);
  // The finding above the charts, as the worked example gives it: one model, two budgets.
  const headline = dataGrowthSentence(chartModel(combined).measurements);
  expect(headline).toMatch(/^2× the data, /);
  await expect(page.getByTestId('results-headline')).toHaveText(headline as string);
  // One model: no empty chart against model size, a line saying why and where to look instead.
  await expect(page.getByTestId('scaling-model')).toHaveCount(0);
  await expect(page.getByTestId('scaling-model-hint')).toHaveText('This experiment trains one model size, so it has no B* against model size: the CBS vs model size preset trains four.');
  await expect(page.getByTestId('target-loss')).toContainText('set for each model and data size');
  await page.screenshot({ path: 'e2e/artifacts/ui-scaling.png', fullPage: true });
});

test('history: save, reopen and delete in IndexedDB', async ({ page }) => {
  await page.goto(resultsLink());
  await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
  await page.getByTestId('save-history').click();
  await expect(page.getByTestId('share-message')).toContainText('Saved');
  await page.goto(APP_URL);
  const item = page.getByTestId('history-item').filter({ hasText: results.config.name }).first();
  await expect(item).toBeVisible();
  await item.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
  // Opened from the history, the results come into view with the focus.
  await expect(page.getByTestId('results')).toBeFocused();
  await item.getByRole('checkbox', { name: /Compare/ }).check();
  await expect(page.getByTestId('compare')).toContainText(bStarText);
  await page.screenshot({ path: 'e2e/artifacts/ui-history.png', fullPage: true });
  const before = await page.getByTestId('history-item').count();
  await item.getByRole('button', { name: /Delete/ }).click();
  await expect(page.getByTestId('history-item')).toHaveCount(before - 1);
});

test('without WebGPU, shared results still open and analyse; Start says why it cannot run', async () => {
  const args = chromiumArgs().filter((a) => a !== '--enable-unsafe-webgpu');
  const context = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cbs-ui-nogpu-')), { executablePath: chromiumExecutable(), headless: true, args });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(resultsLink());
    await expect(page.getByTestId('adapter-error')).toContainText('WebGPU is not available');
    await expect(page.getByTestId('bstar-value')).toHaveText(bStarText);
    await expect(page.getByTestId('start')).toBeDisabled();
    await expect(page.getByTestId('start-blocked')).toContainText('this browser has no WebGPU');
    // Keyboard: the points table opens, and focusing a batch size shows its run.
    await page.getByTestId('points-table').locator('summary').click();
    await page.getByTestId('points-table').getByRole('button', { name: '16' }).focus();
    await expect(page.getByTestId('point-tooltip')).toContainText('B = 16: 48 steps');
    await page.screenshot({ path: 'e2e/artifacts/ui-no-webgpu-results.png', fullPage: true });
    // The adapter probe logs why there is no adapter (expected here); nothing else may fail.
    expect(errors.filter((e) => !e.startsWith('WebGPU is present but the browser offered no adapter'))).toEqual([]);
  } finally {
    await context.close();
  }
});
