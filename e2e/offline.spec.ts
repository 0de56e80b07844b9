// Offline: the built lab, served by its own preview server, is visited once; its service worker
// precaches the page, the bundled data and the tokenizer. Then the server is stopped and the
// network cut, and a second visit loads the lab and trains a tiny experiment on the bundled data
// with the bundled BPE tokenizer, to the end. Needs `vite build` first (npm run test:all does it).
import { test, expect } from '@playwright/test';
import { encodeConfigFragment, importJson } from '../src/experiment/codec';
import type { ExperimentConfig } from '../src/experiment/schema';
import { validateResults } from '../src/experiment/validate';
import { readFileSync } from 'node:fs';
import { serveDist } from '../tools/headless/serve';
import { pageResults, pageState, startExperiment, waitForLinkOpened } from '../tools/headless/page';

test.use({ serviceWorkers: 'allow' });

/** The headless test's tiny sweep, on the bundled BPE tokenizer (its tokenizer.json comes from the precache), one batch size, a fixed target. */
function tinyConfig(): ExperimentConfig {
  const decoded = importJson(readFileSync('e2e/fixtures/tiny.json', 'utf8'));
  if (!decoded.ok) throw new Error(decoded.message);
  return { ...decoded.config, name: 'Offline: tiny sweep', tokenizer: { kind: 'bpe', vocabSize: 4096 }, batchSizes: [8], target: { kind: 'fixed', loss: 8 } };
}

test('a second visit with the network cut loads the lab and trains on the bundled data', async ({ browser }) => {
  test.setTimeout(8 * 60_000);
  const t0 = Date.now();
  const app = await serveDist();
  const context = await browser.newContext({ serviceWorkers: 'allow' });
  const errors: string[] = [];
  try {
    const first = await context.newPage();
    await first.goto(app.url);
    // Installed means precached: every file of the manifest is in the cache.
    await first.evaluate(() => navigator.serviceWorker.ready.then(() => undefined));
    const cached = await first.evaluate(async () => {
      const urls: string[] = [];
      for (const name of await caches.keys()) for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
      return urls;
    });
    for (const path of ['/index.html', '/data/bundled/c4-train.00000-of-00001.json.gz', '/data/bundled/c4-validation.00000-of-00001.json.gz', '/data/bundled/tokenizer.json']) {
      expect(cached, path).toContain(path);
    }
    expect(cached.some((p) => /\/assets\/lab\.worker-[\w-]+\.js$/.test(p))).toBe(true);
    // GPT-2's ranks are not precached (cached on first use), nor are source maps.
    expect(cached.filter((p) => /gpt2-|\.map$/.test(p))).toEqual([]);
    await first.close();
    console.log(`offline: first visit and precache in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

    // No server, no network.
    await app.close();
    await context.setOffline(true);
    const page = await context.newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    const config = tinyConfig();
    await page.goto(`${app.url}${encodeConfigFragment(config)}`);
    await waitForLinkOpened(page, 60_000);
    await expect(page.getByTestId('start')).toBeEnabled({ timeout: 120_000 });
    const started = Date.now();
    await startExperiment(page);
    await expect.poll(async () => (await pageState(page)).status, { timeout: 6 * 60_000, intervals: [2000] }).toBe('finished');
    const state = await pageState(page);
    console.log(`offline: trained ${state.runs.length} runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    expect(state.error).toBeNull();
    const results = await pageResults(page);
    expect(results).not.toBeNull();
    expect(validateResults(JSON.parse(JSON.stringify(results)))).toEqual([]);
    expect(results?.runs.map((r) => r.status)).toEqual(['reached-target']);
    for (const run of results?.runs ?? []) expect(run.evals[run.evals.length - 1].ewaLoss).toBeLessThan(run.evals[0].ewaLoss);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    await app.close().catch(() => undefined);
  }
});
