// Local CBS by branching in the built app on the CPU emulator: a tiny base run keeps its
// checkpoints, branches at 1× and 2× its batch train from them in workers, the page shows the
// local CBS against tokens with the branch losses and a reading, and the results are valid.
// The view at 1440×900 is saved as e2e/artifacts/local-cbs-view.png (and the whole page as
// local-cbs.png) for a person to look at.
import { test, expect, type Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeConfigFragment, exportConfigJson } from '../src/experiment/codec';
import { validateResults } from '../src/experiment/validate';
import type { ExperimentResults, RunRecord } from '../src/experiment/schema';
import { analyzeLocalCbs, type LocalCbsReport } from '../src/cbs/local-cbs';
import { tinyLocalCbsConfig } from './fixtures/sweep-configs';
import { APP_URL } from './servers';

type LabState = ReturnType<NonNullable<Window['cbsLab']>['state']>;

async function waitFinished(page: Page, timeoutMs: number): Promise<LabState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await page.evaluate(() => window.cbsLab!.state());
    if (s.error) throw new Error(`the experiment stopped: ${s.error}`);
    if (s.status === 'finished') return s;
    if (Date.now() > deadline) throw new Error(`timed out; last state: ${JSON.stringify(s.runs)}`);
    await page.waitForTimeout(500);
  }
}

test('a tiny local-CBS experiment: base run, branches from its checkpoints, the curve, the branch losses, a reading', async ({ page }) => {
  test.setTimeout(180_000);
  const config = tinyLocalCbsConfig();
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
  await page.getByTestId('start').click();
  const started = Date.now();
  await waitFinished(page, 150_000);
  console.log(`trained in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  const results = (await page.evaluate(() => window.cbsLab!.results()))!;
  expect(validateResults(JSON.parse(JSON.stringify(results)))).toEqual([]);
  const roles = results.runs.map((r) => r.spec.role);
  expect(roles.filter((r) => r === 'base')).toHaveLength(1);
  expect(roles.filter((r) => r === 'branch')).toHaveLength(4);
  const base = results.runs.find((r) => r.spec.role === 'base')!;
  expect(base.status).toBe('finished');
  expect(base.tokensDone).toBe(1024);
  for (const b of results.runs.filter((r) => r.spec.role === 'branch')) {
    // Each branch continued from its checkpoint: its steps count on from there, and it read Δ more tokens.
    expect(b.status, b.failure?.reason).toBe('finished');
    expect(b.steps[0].step).toBe(b.spec.branch!.fromStep + 1);
    expect(b.tokensDone).toBe(b.spec.branch!.fromTokens + 256);
    expect(b.evals.map((e) => e.tokens)).toEqual([b.spec.branch!.fromTokens + 192, b.spec.branch!.fromTokens + 256]);
    // It started from the trained checkpoint, not from a fresh model: its loss is well below the untrained one.
    expect(b.evals.at(-1)!.rawLoss!).toBeLessThan(base.evals[0].rawLoss! - 0.5);
    // Branches are compared on the full validation set (64 tokens), never on a probe.
    expect(b.evals.map((e) => e.validationTokens)).toEqual([64, 64]);
  }
  // The base run measured its noise scale (two micro-batches a step), drawn beside the local CBS.
  expect(base.spec.microBatch).toBe(1);
  const report = analyzeLocalCbs(results);
  expect(report.points.map((p) => p.tokens)).toEqual([512, 1024]);
  for (const p of report.points) expect(p.lower === 2 || p.lower === 4).toBe(true);
  expect(report.noiseScale[0].series.length).toBeGreaterThan(0);

  const view = page.getByTestId('local-cbs');
  await expect(view).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('local-cbs-curve')).toBeVisible();
  await expect(page.getByTestId('local-cbs-branches')).toHaveCount(2);
  await expect(page.getByTestId('local-cbs-reading')).toContainText('The local CBS');
  await expect(page.getByTestId('local-cbs-reading')).toHaveText(report.reading);
  await expect(page.getByTestId('local-cbs-points').locator('tbody tr')).toHaveCount(2);
  // Every run's row says what it is for.
  await expect(page.getByTestId('run-row').filter({ hasText: 'local-CBS base run' })).toHaveCount(1);
  await expect(page.getByTestId('run-row').filter({ hasText: 'branch k = 2 from step' })).toHaveCount(2);
  // recharts animates nothing here, but lays out after the first frame.
  await page.waitForTimeout(500);
  await view.scrollIntoViewIfNeeded();
  await view.screenshot({ path: 'e2e/artifacts/local-cbs-view.png' });
  await page.screenshot({ path: 'e2e/artifacts/local-cbs.png', fullPage: true });
});

test('the builder switches the demo to a local-CBS experiment and back, its fields from the field table', async ({ page }) => {
  await page.goto(APP_URL);
  await page.getByTestId('customize').click();
  const kind = page.getByLabel('Kind of experiment');
  await expect(kind).toHaveValue('sweep');
  await expect(page.getByLabel('Base batch size B (sequences)')).toHaveCount(0);
  await kind.selectOption('local-cbs');
  // The first model and data size, a base run at the smallest batch size, checkpoints after its warmup: valid as proposed.
  await expect(page.getByLabel('Base batch size B (sequences)')).toHaveValue('1');
  await expect(page.getByLabel('Checkpoints (tokens seen by the base run)')).toHaveValue('10016, 25008, 40000');
  await expect(page.getByLabel('Data sizes D (tokens)')).toHaveValue('40000');
  await expect(page.getByTestId('start-blocked')).toHaveCount(0);
  // A checkpoint inside the warmup is refused under its field, with the reason.
  await page.getByLabel('Checkpoints (tokens seen by the base run)').fill('16, 25008, 40000');
  await expect(page.locator('.field-issues').first()).toContainText('is not after the base run\'s warmup, which ends at 10000 tokens');
  await expect(page.getByTestId('start-blocked')).toContainText('the experiment has problems to fix');
  await kind.selectOption('sweep');
  await expect(page.getByLabel('Base batch size B (sequences)')).toHaveCount(0);
  await expect(page.getByTestId('start-blocked')).toHaveCount(0);
});

test('the headless runner runs a local-CBS config in the page and in Node, bit for bit the same, and writes its report and charts', () => {
  test.setTimeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'local-cbs-headless-'));
  const file = join(dir, 'config.json');
  writeFileSync(file, exportConfigJson(tinyLocalCbsConfig()));
  const headless = (out: string, ...flags: string[]) => {
    // SwiftShader's Vulkan ICD from Debian's chromium for the Node engine: the adapter the page has here.
    const env = { ...process.env, FORCE_COLOR: '0', LD_LIBRARY_PATH: process.env.LD_LIBRARY_PATH ?? '/usr/lib/chromium', VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? '/usr/lib/chromium/vk_swiftshader_icd.json' };
    const ran = spawnSync('npm', ['run', '--silent', 'headless', '--', file, '--out', join(dir, out), '--timeout', '4', ...flags], { encoding: 'utf8', env, timeout: 280_000 });
    return { ...ran, show: `exit ${ran.status}\n${ran.stdout.slice(-3000)}\n${ran.stderr.slice(-3000)}` };
  };
  // --no-build: the specs run against dist/, built before them.
  const ran = headless('out', '--no-build');
  const show = ran.show;
  expect(ran.status, show).toBe(0);
  expect(ran.stdout).toContain('local CBS by branching: base batch 2 sequences of 16 tokens');
  const out = (name: string) => join(dir, 'out', name);
  for (const name of ['results.json', 'local-cbs.json', 'local-cbs.txt', 'evaluations.csv', 'train-steps.csv', 'run.json', 'local-cbs.png', 'local-cbs-branches-1.png', 'local-cbs-branches-2.png', 'loss.png', 'page.png']) {
    expect(existsSync(out(name)), name).toBe(true);
  }
  expect(existsSync(out('report.json'))).toBe(false);
  const report = JSON.parse(readFileSync(out('local-cbs.json'), 'utf8')) as LocalCbsReport;
  expect(report.points.map((p) => p.tokens)).toEqual([512, 1024]);
  expect(readFileSync(out('local-cbs.txt'), 'utf8')).toContain(report.reading);

  // The Node engine on Dawn: branches start from the base run's kept checkpoints there too (not a
  // resume), and every loss comes out the same as in the page, bit for bit.
  const node = headless('node', '--engine', 'node');
  expect(node.status, node.show).toBe(0);
  expect(node.stdout).toMatch(/^engine: Node on Dawn/m);
  expect(node.stdout).not.toContain('continues from its checkpoint');
  const results = (sub: string) => (JSON.parse(readFileSync(join(dir, sub, 'results.json'), 'utf8')) as { data: ExperimentResults }).data;
  const [inPage, inNode] = [results('out'), results('node')];
  expect(inNode.runs.map((r) => r.spec)).toEqual(inPage.runs.map((r) => r.spec));
  for (const [i, n] of inNode.runs.entries()) {
    const p = inPage.runs[i];
    const evals = (r: RunRecord) => r.evals.map((e) => [e.step, e.tokens, e.ewaLoss, e.rawLoss]);
    const steps = (r: RunRecord) => r.steps.map((x) => [x.step, x.trainLoss, x.gradNorm]);
    expect([n.status, n.stepsDone, n.tokensDone, evals(n), steps(n)], n.spec.id).toEqual([p.status, p.stepsDone, p.tokensDone, evals(p), steps(p)]);
  }
  expect(readFileSync(join(dir, 'node', 'local-cbs.json'), 'utf8')).toBe(readFileSync(out('local-cbs.json'), 'utf8'));
  // Its trained model is the base run's, trained for exactly D tokens.
  const files = (JSON.parse(readFileSync(join(dir, 'node', 'run.json'), 'utf8')) as { files: string[] }).files;
  const config = files.find((f) => f.startsWith('model/') && f.endsWith('config.json'))!;
  const base = inNode.runs.find((r) => r.spec.role === 'base')!;
  expect((JSON.parse(readFileSync(join(dir, 'node', config), 'utf8')) as { cbs_lab: { run: string } }).cbs_lab.run).toBe(base.spec.id);
});
