// Data from the Hugging Face hub, in the built app: a config whose C4 URLs are blob/ links at the
// branch "main" trains on resolve/<commit>/ URLs, the commit the hub's API names, and the results
// record it. The hub is played by Playwright routes (this machine has no network), serving the
// bundled shards; every request the page makes to it is recorded.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { encodeConfigFragment, importJson } from '../src/experiment/codec';
import type { ExperimentConfig } from '../src/experiment/schema';
import { validateResults } from '../src/experiment/validate';
import { pageResults, pageState, startExperiment, waitForLinkOpened } from '../tools/headless/page';
import { APP_URL } from './servers';

const C4 = 'https://huggingface.co/datasets/allenai/c4';
const COMMIT = '1588ec454efa1a09f29cd18ddd04fe05fc8653a2';
const shard = (split: 'train' | 'validation') => readFileSync(`public/data/bundled/c4-${split}.00000-of-00001.json.gz`);

function hubConfig(): ExperimentConfig {
  const decoded = importJson(readFileSync('e2e/fixtures/tiny.json', 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return {
    ...decoded.config,
    name: 'Hub: tiny sweep at main',
    data: { kind: 'urls', train: [`${C4}/blob/main/en/c4-train.00000-of-01024.json.gz`], validation: [`${C4}/blob/main/en/c4-validation.00000-of-00008.json.gz`] },
    batchSizes: [8],
    target: { kind: 'fixed', loss: 5 },
  };
}

test('blob/ links at a branch: pinned to the commit the hub names, trained from it, recorded in the results', async ({ page, context }) => {
  test.setTimeout(6 * 60_000);
  const asked: string[] = [];
  await context.route('https://huggingface.co/**', async (route) => {
    const url = route.request().url();
    asked.push(url);
    const headers = { 'Access-Control-Allow-Origin': '*' };
    if (url === `https://huggingface.co/api/datasets/allenai/c4/revision/main`) return route.fulfill({ status: 200, headers, contentType: 'application/json', body: JSON.stringify({ id: 'allenai/c4', sha: COMMIT }) });
    const m = new RegExp(`^${C4}/resolve/${COMMIT}/en/c4-(train|validation)\\.`).exec(url);
    if (m) return route.fulfill({ status: 200, headers, contentType: 'application/gzip', body: shard(m[1] as 'train' | 'validation') });
    return route.fulfill({ status: 404, headers, body: 'not found' });
  });
  await page.goto(`${APP_URL}${encodeConfigFragment(hubConfig())}`);
  await waitForLinkOpened(page, 60_000);
  await expect(page.getByTestId('start')).toBeEnabled({ timeout: 120_000 });
  await startExperiment(page);
  await expect.poll(async () => (await pageState(page)).status, { timeout: 5 * 60_000, intervals: [2000] }).toBe('finished');
  const results = await pageResults(page);
  expect(results?.dataRevisions).toEqual([{ repo: 'datasets/allenai/c4', requested: 'main', commit: COMMIT }]);
  expect(validateResults(JSON.parse(JSON.stringify(results)))).toEqual([]);
  expect(results?.runs.map((r) => r.status)).not.toContain('failed');
  // The config keeps the links as written (a share link reproduces them); the shards were read at the commit only.
  expect(results?.config.data).toEqual(hubConfig().data);
  const shards = asked.filter((u) => !u.includes('/api/'));
  expect(shards.length).toBeGreaterThan(0);
  expect(shards.every((u) => u.startsWith(`${C4}/resolve/${COMMIT}/en/`)), shards.join('\n')).toBe(true);
  expect(asked.filter((u) => u.includes('/api/'))).toEqual([`https://huggingface.co/api/datasets/allenai/c4/revision/main`]);
});
