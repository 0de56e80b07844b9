// Fault injection against the BUILT app (issue 13): links that spell their way out of the C4
// repository, a storage quota shrunk through the DevTools protocol, shards with skipped lines
// and shards replaced on their server, and the Content-Security-Policy on a plain static server.
import { test, expect, type Page } from '@playwright/test';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeConfigFragment } from '../src/experiment/codec';
import { C4_FIRST_SHARDS, C4_HUB_PREFIX } from '../src/experiment/presets';
import { defaultConfig } from '../src/experiment/presets';
import type { ExperimentConfig, ExperimentResults } from '../src/experiment/schema';
import { STORAGE_FULL } from '../src/util/errors';
import { oneRunConfig } from './fixtures/fault-configs';
import { APP_URL } from './servers';

type LabState = ReturnType<NonNullable<Window['cbsLab']>['state']>;

/** Waits for the experiment to end, once this page has started more than `startedBefore` runs. */
async function waitForEnd(page: Page, timeoutMs: number, startedBefore = 0): Promise<LabState> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await page.evaluate(() => window.cbsLab!.state());
    if (s.error || ((s.status === 'finished' || s.status === 'stopped') && s.startedHere.length > startedBefore)) return s;
    if (Date.now() > deadline) throw new Error(`timed out; last state: ${JSON.stringify(s)}`);
    await page.waitForTimeout(500);
  }
}

async function openAndWaitForAdapter(page: Page, config: ExperimentConfig): Promise<void> {
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
}

test.describe('a link cannot spell its way out of the C4 repository', () => {
  const tail = 'evil/repo/resolve/main/c4-train.00000-of-01024.json.gz';
  const variants = {
    'dot segments': `${C4_HUB_PREFIX}../../${tail}`,
    'percent-encoded dots': `${C4_HUB_PREFIX}%2e%2e/%2E%2E/${tail}`,
    'newlines inside dot segments': `${C4_HUB_PREFIX}\n../\n../${tail}`,
    'backslashes': `${C4_HUB_PREFIX}..\\..\\${tail}`,
  };
  for (const [what, url] of Object.entries(variants)) {
    test(what, async ({ page }) => {
      // The hub is never reached from a test: every request to it is logged and refused.
      const hubRequests: string[] = [];
      await page.context().route('https://huggingface.co/**', (route) => {
        hubRequests.push(`${route.request().method()} ${route.request().url()}`);
        return route.abort();
      });
      const config: ExperimentConfig = { ...oneRunConfig(5), data: { kind: 'urls', train: [url], validation: C4_FIRST_SHARDS.validation } };
      await openAndWaitForAdapter(page, config);
      const confirm = page.getByTestId('confirm-hosts');
      await expect(confirm).toContainText('huggingface.co/datasets/evil/repo/resolve/main/');
      await expect(page.getByTestId('start')).toBeDisabled();
      await expect(page.getByTestId('start-blocked')).toContainText('the data hosts must be confirmed');
      await page.waitForTimeout(500);
      expect(hubRequests).toEqual([]);
    });
  }
  test('C4 itself, however its URL is spelled, asks nothing', async ({ page }) => {
    const config: ExperimentConfig = {
      ...oneRunConfig(5),
      data: { kind: 'urls', train: [C4_FIRST_SHARDS.train[0].replace('https://huggingface.co', 'HTTPS://HuggingFace.co:443')], validation: C4_FIRST_SHARDS.validation },
    };
    await openAndWaitForAdapter(page, config);
    await expect(page.getByTestId('lab')).toBeVisible();
    await expect(page.getByTestId('confirm-hosts')).toHaveCount(0);
  });
});

test.describe('a full storage quota (Storage.overrideQuotaForOrigin)', () => {
  /** Shrinks this origin's quota to what it already uses plus `headroom` bytes. */
  async function shrinkQuota(page: Page, bytes: number): Promise<void> {
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Storage.overrideQuotaForOrigin', { origin: new URL(APP_URL).origin, quotaSize: bytes });
  }

  test.beforeEach(async ({ page }) => {
    // Count the requests for persistent storage (the real answer is passed through).
    await page.addInitScript(() => {
      const storage = navigator.storage;
      const persist = storage.persist.bind(storage);
      (window as unknown as { persistCalls: number }).persistCalls = 0;
      storage.persist = () => {
        (window as unknown as { persistCalls: number }).persistCalls++;
        return persist();
      };
    });
  });

  test('with no room at all, Start says so in words and offers to clear the data cache', async ({ page }) => {
    await openAndWaitForAdapter(page, oneRunConfig(10));
    await shrinkQuota(page, 1024);
    await page.getByTestId('start').click();
    const error = page.getByTestId('training-error');
    await expect(error).toContainText(`The experiment stopped: ${STORAGE_FULL}: the lab could not save the experiment's progress`);
    await expect(page.getByTestId('storage-full')).toContainText('Clear the data cache');
    // The sweep asked for persistent storage, and the page says what the browser answered.
    await expect(page.getByTestId('storage-persistence')).toContainText(/^Storage: (persistent|best-effort)\./);
    expect(await page.evaluate(() => (window as unknown as { persistCalls: number }).persistCalls)).toBe(1);
    await page.getByTestId('clear-data-cache').click();
    await expect(page.getByTestId('storage-full')).toContainText('The data cache was cleared');
    await page.screenshot({ path: 'e2e/artifacts/faults-quota-start.png', fullPage: true });
  });

  test('with room for the sweep but not for a checkpoint, training goes on and the page says why', async ({ page }) => {
    test.setTimeout(240_000);
    await openAndWaitForAdapter(page, oneRunConfig(30));
    // 400 KB: room for the sweep's entry (the lab's empty databases take about 220 KB), not for a
    // checkpoint (this model's float32 weights, Adam moments and EWA: about 128 KB).
    await shrinkQuota(page, 400 * 1024);
    await page.getByTestId('start').click();
    const end = await waitForEnd(page, 180_000);
    expect(end.error).toBeNull();
    expect(end.status).toBe('finished');
    expect(end.runs.map((r) => [r.status, r.stepsDone])).toEqual([['finished', 30]]);
    const full = end.warnings.filter((w) => w.startsWith(STORAGE_FULL));
    expect(full.length).toBeGreaterThan(0);
    expect(full.join('\n')).toMatch(/the checkpoint at step 5 of run .* was not saved \(training goes on/);
    expect(end.warnings.every((w) => w.trim() !== '')).toBe(true);
    await expect(page.getByTestId('storage-full')).toBeVisible();
    const results = await page.evaluate(() => window.cbsLab!.results());
    expect(results?.runs.map((r) => r.status)).toEqual(['finished']);
    await page.screenshot({ path: 'e2e/artifacts/faults-quota-checkpoint.png', fullPage: true });
  });
});

test('skipped shard lines are shown per shard and kept in the results; a shard replaced on its server is downloaded again', async ({ page }) => {
  test.setTimeout(300_000);
  // Documents so short that the run reads both shards whole (its budget is 321 tokens): the counts are the shards'.
  const doc = (text: string) => `${JSON.stringify({ text, timestamp: 't', url: 'u' })}\n`;
  // Train: 40 lines, 20 skipped (10 not JSON, 10 without text). Validation: 20 lines, 10 not UTF-8.
  let trainVersion = 1;
  const train = () =>
    gzipSync(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? doc(`Document ${i + trainVersion * 1000}.`) : i % 4 === 1 ? 'not json\n' : '{"url":"no text"}\n')).join(''));
  const validation = gzipSync(
    Buffer.concat(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? Buffer.from(doc(`v${i}`)) : Buffer.from([0x7b, 0x22, 0x74, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d, 0x0a])))),
  );
  const served: string[] = [];
  await page.context().route('https://data.example.org/**', (route) => {
    const path = new URL(route.request().url()).pathname;
    served.push(`${route.request().method()} ${path}`);
    const body = path === '/train.json.gz' ? train() : validation;
    const etag = path === '/train.json.gz' ? `"train-v${trainVersion}"` : '"validation-v1"';
    return route.fulfill({
      status: 200,
      headers: { 'content-type': 'application/gzip', etag, 'access-control-allow-origin': '*', 'access-control-expose-headers': 'ETag, Content-Length' },
      body,
    });
  });
  const config = oneRunConfig(10, { kind: 'urls', train: ['https://data.example.org/train.json.gz'], validation: ['https://data.example.org/validation.json.gz'] });
  await openAndWaitForAdapter(page, config);
  await page.getByTestId('confirm-hosts').getByRole('checkbox').check();

  const trainOnce = async () => {
    const before = (await page.evaluate(() => window.cbsLab!.state())).startedHere.length;
    await page.getByTestId('start').click();
    const end = await waitForEnd(page, 200_000, before);
    expect(end.error).toBeNull();
    expect(end.status).toBe('finished');
    return { end, results: (await page.evaluate(() => window.cbsLab!.results())) as ExperimentResults };
  };

  const first = await trainOnce();
  const warnings = page.getByTestId('training-warnings');
  await expect(warnings).toContainText('https://data.example.org/train.json.gz (train): 20 of 40 lines skipped (10 not JSON, 10 without text)');
  await expect(warnings).toContainText('https://data.example.org/validation.json.gz (validation): 10 of 20 lines skipped (10 not valid UTF-8)');
  expect(first.results.runs[0].shards).toEqual([
    { shard: 'https://data.example.org/train.json.gz', split: 'train', source: 'download', stats: { lines: 40, documents: 20, badUtf8: 0, badJson: 10, noText: 10, blank: 0, tooLong: 0 } },
    { shard: 'https://data.example.org/validation.json.gz', split: 'validation', source: 'download', stats: { lines: 20, documents: 10, badUtf8: 10, badJson: 0, noText: 0, blank: 0, tooLong: 0 } },
  ]);

  // The train shard is replaced on the server: the next run asks (HEAD), sees the new ETag and downloads it again.
  trainVersion = 2;
  served.length = 0;
  const second = await trainOnce();
  await expect(warnings).toContainText('https://data.example.org/train.json.gz: it changed on the server since it was cached (ETag "train-v1" → "train-v2"), so it was downloaded again');
  expect(second.results.runs[0].shards?.map((s) => [s.split, s.source])).toEqual([
    ['train', 'redownload'],
    ['validation', 'cache'],
  ]);
  expect(served).toEqual(['HEAD /train.json.gz', 'GET /train.json.gz', 'HEAD /validation.json.gz']);
  await page.screenshot({ path: 'e2e/artifacts/faults-shards.png', fullPage: true });
});

test('the built page carries its Content-Security-Policy on a plain static server', async ({ page }) => {
  // dist/ served with no headers at all, as any static host would.
  const dist = join(process.cwd(), 'dist');
  const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml', '.wasm': 'application/wasm' };
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent((req.url ?? '/').split(/[?#]/)[0])).replace(/^(\.\.[/\\])+/, '');
    let file = join(dist, path);
    if (!file.startsWith(dist) || !existsSync(file) || statSync(file).isDirectory()) file = join(dist, 'index.html');
    res.setHeader('Content-Type', types[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const response = await page.request.get(url);
    expect(response.headers()['content-security-policy']).toBeUndefined();
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (v: string) => void violations.push(v));
    await page.addInitScript(() =>
      document.addEventListener('securitypolicyviolation', (e) => void (window as unknown as { reportViolation: (v: string) => void }).reportViolation(`${e.violatedDirective} ${e.blockedURI}`)),
    );
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await page.goto(url);
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const { contentSecurityPolicy } = await import('../vite.config');
    expect(meta).toBe(contentSecurityPolicy.replace("; frame-ancestors 'none'", ''));
    // The lab itself runs under it (its worker, its WebGPU probe) without one violation…
    await expect(page.getByTestId('adapter')).toContainText('Adapter:', { timeout: 60_000 });
    expect(violations).toEqual([]);
    expect(errors).toEqual([]);
    // …and it is enforced: no injected inline script, no connection to a plain-http host. (eval
    // cannot be tested from here: code the DevTools protocol evaluates is exempt from the policy.)
    const blocked = await page.evaluate(async () => {
      const script = document.createElement('script');
      script.textContent = 'window.injected = true';
      document.body.append(script);
      let httpBlocked = false;
      try {
        await fetch('http://example.invalid/x');
      } catch {
        httpBlocked = true;
      }
      return { inlineRan: (window as unknown as { injected?: boolean }).injected === true, httpBlocked };
    });
    expect(blocked).toEqual({ inlineRan: false, httpBlocked: true });
    await expect.poll(() => violations.length).toBeGreaterThanOrEqual(2);
    expect(violations.join('\n')).toMatch(/script-src/);
    expect(violations.join('\n')).toMatch(/connect-src/);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

test('a share link 3 KB long that nests 10,000 deep gives one short line in the banner', async ({ page }) => {
  const deep = `{"version":${'['.repeat(10_000)}1${']'.repeat(10_000)},"models":[]}`;
  const { handPacked } = await import('../src/experiment/fixtures/hand-packed');
  const link = `${APP_URL}#v1.c.${handPacked(deep)}`;
  await page.goto(link);
  const banner = page.getByTestId('link-error');
  await expect(banner).toContainText('nested more than 32 levels deep');
  expect((await banner.innerText()).length).toBeLessThan(600);
  await expect(page.getByLabel('Experiment name')).toHaveValue(defaultConfig().name);
});

test('the builder refuses two models with one name and two shapes, inline', async ({ page }) => {
  const config = defaultConfig();
  config.models = [
    { name: 'nano', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 0 },
    { name: 'nano', layers: 1, dModel: 64, heads: 2, context: 32, vocabSize: 0 },
  ];
  await page.goto(`${APP_URL}${encodeConfigFragment(config)}`);
  // A link is validated like the form: refused, and the default experiment stays.
  await expect(page.getByTestId('link-error')).toContainText('two models are named "nano" but differ in shape');
  // In the form (under Customize): a model added from the presets and renamed to clash with the first.
  await page.getByTestId('customize').click();
  await page.getByRole('button', { name: 'Add', exact: true }).click();
  await page.getByLabel('model 2 name').fill('demo');
  const inline = page.locator('.field-issues', { hasText: 'two models are named' });
  await expect(inline).toContainText('two models are named "demo" but differ in shape');
  await expect(page.getByTestId('start')).toBeDisabled();
  await page.getByLabel('model 2 name').fill('demo-2');
  await expect(inline).toHaveCount(0);
});
