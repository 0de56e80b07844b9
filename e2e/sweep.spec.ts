// A real CBS sweep in the built app on the CPU emulator: runs train in workers, a CBS appears
// on the chart, and a reload in the middle resumes without repeating finished runs.
import { test, expect, type Page } from '@playwright/test';
import { encodeConfigFragment } from '../src/experiment/codec';
import { tinySweepConfig } from './fixtures/sweep-configs';
import { APP_URL } from './servers';

type LabState = ReturnType<NonNullable<Window['cbsLab']>['state']>;

async function labState(page: Page): Promise<LabState> {
  return page.evaluate(() => window.cbsLab!.state());
}

async function waitFor(page: Page, done: (s: LabState) => boolean, timeoutMs: number): Promise<LabState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await labState(page);
    if (s.error) throw new Error(`the experiment stopped: ${s.error}`);
    if (done(s)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; last state: ${JSON.stringify(s.runs)}`);
    await page.waitForTimeout(1000);
  }
}

test('a tiny sweep trains end to end, shows a CBS, and resumes after a reload without repeating finished runs', async ({ page }) => {
  test.setTimeout(900_000);
  const config = tinySweepConfig();
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  // A link never starts training by itself.
  expect((await labState(page)).status).toBe('idle');
  await page.getByTestId('start').click();

  // Let the reference run and at least one sweep run finish, then reload in the middle.
  const final = new Set(['reached-target', 'finished', 'diverged', 'stopped', 'failed']);
  const before = await waitFor(page, (s) => s.runs.filter((r) => final.has(r.status)).length >= 2, 600_000);
  const finishedBefore = before.runs.filter((r) => final.has(r.status)).map((r) => r.id);
  await page.screenshot({ path: 'e2e/artifacts/sweep-running.png', fullPage: true });
  await page.reload();
  await expect(page.getByTestId('resume-offer')).toContainText(config.name, { timeout: 60_000 });
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  await page.getByTestId('resume').click();

  const after = await waitFor(page, (s) => s.status === 'finished', 800_000);
  // Finished runs came back from IndexedDB; this page trained only the others.
  for (const id of finishedBefore) expect(after.startedHere).not.toContain(id);
  expect(after.startedHere.length).toBe(after.runs.length - finishedBefore.length);

  const results = await page.evaluate(() => window.cbsLab!.results());
  expect(results).not.toBeNull();
  const sweep = results!.runs.filter((r) => r.spec.role !== 'reference');
  expect(sweep.map((r) => r.spec.batchSize)).toEqual([2, 4, 8, 16]);
  for (const r of results!.runs) {
    // Losses fall: the last evaluation is well below the first.
    expect(r.evals.length).toBeGreaterThan(1);
    expect(r.evals.at(-1)!.ewaLoss).toBeLessThan(r.evals[0].ewaLoss - 0.5);
  }
  const steps = sweep.map((r) => r.stepsToTarget);
  console.log(`steps to target at B = 2, 4, 8, 16: ${steps.join(', ')}`);
  expect(steps.every((s) => s !== null)).toBe(true);
  // Steps to target fall as the batch grows.
  for (let i = 1; i < steps.length; i++) expect(steps[i]!).toBeLessThanOrEqual(steps[i - 1]!);
  expect(steps.at(-1)!).toBeLessThan(steps[0]!);

  // The CBS chart shows a B*.
  await expect(page.getByTestId('results').getByTestId('cbs-chart')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('bstar-value')).toHaveText(/\d/);
  // Each step accumulates at least two micro-batches, so the noise-scale estimator runs: it gives
  // a positive B_simple, or says the noise is not resolved in runs this short; never "no
  // accumulation" and never a negative value.
  const noise = page.getByTestId('noise-scale');
  await expect(noise).toContainText(/B_simple ≈ \d|not resolved/);
  await expect(noise).not.toContainText('micro-batch equals batch size');
  await expect(noise).not.toContainText('≈ -');
  await page.screenshot({ path: 'e2e/artifacts/sweep-finished.png', fullPage: true });
});

test('an experiment trains on shard files the user picks from disk', async ({ page }) => {
  test.setTimeout(300_000);
  const bundled = 'public/data/bundled';
  const trainFile = 'c4-train.00000-of-00001.json.gz';
  const validationFile = 'c4-validation.00000-of-00001.json.gz';
  const config = {
    ...tinySweepConfig(),
    name: 'Test: local files',
    data: { kind: 'local' as const, train: [trainFile], validation: [validationFile] },
    batchSizes: [4],
    dataSizes: [2048],
    target: { kind: 'fixed' as const, loss: 4 },
  };
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  await page.getByTestId('local-train').setInputFiles(`${bundled}/${trainFile}`);
  await page.getByTestId('local-validation').setInputFiles(`${bundled}/${validationFile}`);
  await page.getByTestId('start').click();
  const done = await waitFor(page, (s) => s.status === 'finished', 240_000);
  expect(done.runs).toHaveLength(1);
  const results = await page.evaluate(() => window.cbsLab!.results());
  const run = results!.runs[0];
  expect(run.failure).toBeNull();
  expect(run.evals.length).toBeGreaterThan(1);
  expect(run.evals.at(-1)!.ewaLoss).toBeLessThan(run.evals[0].ewaLoss - 0.5);
});
