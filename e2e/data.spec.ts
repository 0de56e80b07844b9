// The data pipeline in real headless Chromium: browsers and Node differ on multi-member gzip,
// so streaming and gunzip are tested here, against the bundled shards (Vite dev server) and a
// local HTTP server started by this spec (127.0.0.1, random port, CORS) that answers 404,
// breaks mid-stream, supports or ignores Range, and serves bad files.
import { test, expect, type Page } from '@playwright/test';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { HARNESS_URL } from './harness';
import type * as HarnessData from './harness-data';

type Helpers = typeof HarnessData;
const BUNDLED = join(dirname(fileURLToPath(import.meta.url)), '..', 'public', 'data', 'bundled');
const manifest = JSON.parse(readFileSync(join(BUNDLED, 'manifest.json'), 'utf8')) as {
  train: { documents: number; file: string };
  validation: { documents: number; file: string };
  tokenizer: { sha256: string };
};
const validationGz = readFileSync(join(BUNDLED, manifest.validation.file));

const line = (text: string, i: number): string => JSON.stringify({ text, timestamp: '2019-04-25T12:57:54Z', url: `https://example.test/${i}` }) + '\n';
const docsA = Array.from({ length: 300 }, (_, i) => line(`Document ${i} of the first member. ${'lorem ipsum '.repeat(20)}`, i)).join('');
const docsB = Array.from({ length: 200 }, (_, i) => line(`Document ${i} of the second member, naïve café 😀.`, 300 + i)).join('');
const multiMember = Buffer.concat([gzipSync(docsA), gzipSync(docsB)]);
const badLines = gzipSync(
  Buffer.concat([
    Buffer.from(line('good one', 0)),
    Buffer.from([0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x0a]), // invalid UTF-8
    Buffer.from('{"text": "unterminated\n[1,2]\n{"url":"no text"}\n{"text":""}\n\n'),
    Buffer.from(line('good two', 1)),
  ]),
);
const truncated = validationGz.subarray(0, Math.floor(validationGz.length * 0.6));

let server: Server;
let base = '';
const requests: Array<{ path: string; range: string | null; method: string }> = [];
/** The shard at /changing.json.gz: POST /change replaces it (new bytes, new ETag). */
let changingVersion = 1;
const changingShard = () => gzipSync(line(`Version ${changingVersion} of the changing shard. ${'x'.repeat(changingVersion * 10)}`, changingVersion));
const breakOnce = new Set<string>();

function cors(res: ServerResponse): void {
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Expose-Headers', 'Content-Range, Content-Length, Accept-Ranges, ETag');
}

/** Sends `body`; honours a Range request when `ranges`; breaks after `breakAt` bytes when asked. */
function send(req: IncomingMessage, res: ServerResponse, body: Buffer, opts: { ranges: boolean; breakAt?: number }): void {
  cors(res);
  const match = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  let start = 0;
  if (opts.ranges && match) {
    start = Number(match[1]);
    res.statusCode = 206;
    res.setHeader('Content-Range', `bytes ${start}-${body.length - 1}/${body.length}`);
  }
  if (opts.ranges) res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('Content-Type', 'application/gzip');
  res.setHeader('Content-Length', String(body.length - start));
  if (opts.breakAt !== undefined) {
    res.flushHeaders();
    res.write(body.subarray(start, opts.breakAt), () => setTimeout(() => res.socket?.destroy(), 50));
    return;
  }
  res.end(req.method === 'HEAD' ? undefined : body.subarray(start));
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  requests.push({ path, range: req.headers.range ?? null, method: req.method ?? 'GET' });
  const breaking = breakOnce.has(path);
  breakOnce.delete(path);
  const half = Math.floor(validationGz.length / 2);
  switch (path) {
    case '/change':
      cors(res);
      changingVersion++;
      return void res.end();
    case '/poisoned.json.gz':
      return send(req, res, gzipSync(line('the poisoned shard, fixed', 0)), { ranges: true });
    case '/empty.json.gz':
      return send(req, res, gzipSync(Buffer.alloc(0)), { ranges: true });
    case '/changing.json.gz':
      res.setHeader('ETag', `"v${changingVersion}"`);
      return send(req, res, changingShard(), { ranges: true });
    case '/missing.json.gz':
      cors(res);
      res.statusCode = 404;
      return void res.end('Not Found');
    case '/no-cors.json.gz':
      return void res.end(validationGz);
    case '/not-gzip.json.gz':
      cors(res);
      res.setHeader('Content-Type', 'text/html');
      return void res.end('<!doctype html><title>Sign in</title>');
    case '/plain.jsonl':
      cors(res);
      res.setHeader('Content-Type', 'application/jsonl');
      return void res.end(docsB);
    case '/truncated.json.gz':
      return send(req, res, truncated, { ranges: true });
    case '/multi.json.gz':
      return send(req, res, multiMember, { ranges: true });
    case '/bad-lines.json.gz':
      return send(req, res, badLines, { ranges: true });
    case '/validation.json.gz':
      return send(req, res, validationGz, { ranges: true });
    case '/resume.json.gz':
      return send(req, res, validationGz, { ranges: true, breakAt: breaking ? half : undefined });
    case '/restart.json.gz':
      return send(req, res, validationGz, { ranges: false, breakAt: breaking ? half : undefined });
    case '/always-breaks.json.gz':
      return send(req, res, validationGz, { ranges: true, breakAt: (req.headers.range ? Number(/\d+/.exec(req.headers.range)![0]) : 0) + 1000 });
    default:
      cors(res);
      res.statusCode = 404;
      res.end();
  }
}

test.describe.configure({ mode: 'serial' });
let page: Page;

test.beforeAll(async ({ browser }) => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  page = await browser.newPage();
  await page.goto(HARNESS_URL);
  await expect(page.locator('#status')).toHaveText('harness ready', { timeout: 60_000 });
});
test.afterAll(async () => {
  await page.close();
  await new Promise((resolve) => server.close(resolve));
});

function stream(source: { url: string } | { bytes: number[]; name: string }, options: { forceFflate?: boolean; maxRetries?: number } = {}) {
  return page.evaluate(
    async ([source, options]) => ((await import('/e2e/harness-data.ts' as string)) as Helpers).streamShard(source, options),
    [source, options] as const,
  );
}

test('streams the bundled validation and train shards from the app server (no network)', async () => {
  const origin = new URL(HARNESS_URL).origin;
  const validation = await stream({ url: `${origin}/data/bundled/${manifest.validation.file}` });
  expect(validation.error).toBeNull();
  expect(validation.documents).toBe(manifest.validation.documents);
  expect(validation.stats).toMatchObject({ documents: manifest.validation.documents, badUtf8: 0, badJson: 0, noText: 0 });
  const train = await stream({ url: `${origin}/data/bundled/${manifest.train.file}` });
  expect(train.error).toBeNull();
  expect(train.documents).toBe(manifest.train.documents);
  // The same bytes without Content-Encoding, through the browser's gunzip: identical documents.
  const raw = await stream({ url: `${base}/validation.json.gz` });
  expect(raw.error).toBeNull();
  expect(raw.textSha256).toBe(validation.textSha256);
});

test('multi-member gzip: Chromium\'s DecompressionStream rejects it, the fflate fallback reads it all', async () => {
  const native = await page.evaluate(
    async (bytes) => ((await import('/e2e/harness-data.ts' as string)) as Helpers).nativeAcceptsMultiMember(bytes),
    Array.from(multiMember),
  );
  console.log(`native DecompressionStream on multi-member gzip: ok=${native.ok} (${native.message})`);
  const result = await stream({ url: `${base}/multi.json.gz` });
  expect(result.error).toBeNull();
  expect(result.documents).toBe(500);
  expect(result.stats).toMatchObject({ documents: 500, badJson: 0, badUtf8: 0 });
  if (!native.ok) expect(result.events.map((e) => e.type)).toContain('gunzip-fallback');
  const picked = await stream({ bytes: Array.from(multiMember), name: 'picked.json.gz' });
  expect(picked.documents).toBe(500);
  expect(picked.textSha256).toBe(result.textSha256);
});

test('a truncated gzip file fails with a clear error naming the URL, after the documents before the cut', async () => {
  for (const forceFflate of [false, true]) {
    const result = await stream({ url: `${base}/truncated.json.gz` }, { forceFflate });
    expect(result.error?.kind).toBe('truncated');
    expect(result.error?.message).toContain(`${base}/truncated.json.gz`);
    expect(result.documents).toBeGreaterThan(10);
    expect(result.documents).toBeLessThan(manifest.validation.documents);
  }
});

test('plain JSON lines, served or picked, whatever the name: the format is read from the content', async () => {
  const served = await stream({ url: `${base}/plain.jsonl` });
  expect(served.error).toBeNull();
  expect(served.documents).toBe(200);
  const picked = await stream({ bytes: Array.from(Buffer.from(docsA)), name: 'picked.json.gz' });
  expect(picked.error).toBeNull();
  expect(picked.documents).toBe(300);
  const gzipNamedPlain = await stream({ bytes: Array.from(gzipSync(docsB)), name: 'picked.jsonl' });
  expect(gzipNamedPlain.documents).toBe(200);
  expect(gzipNamedPlain.textSha256).toBe(served.textSha256);
});

test('a body that is neither gzip nor JSON (an HTML page), a 404, a CORS refusal and a refused connection each name the URL', async () => {
  const notGzip = await stream({ url: `${base}/not-gzip.json.gz` });
  expect(notGzip.error).toMatchObject({ kind: 'unrecognized' });
  expect(notGzip.error?.message).toContain(`${base}/not-gzip.json.gz: it starts with "<!doctype html><title>Sign in</title>"`);
  const missing = await stream({ url: `${base}/missing.json.gz` });
  expect(missing.error).toMatchObject({ kind: 'http' });
  expect(missing.error?.message).toContain('404');
  expect(missing.error?.message).toContain(`${base}/missing.json.gz`);
  const noCors = await stream({ url: `${base}/no-cors.json.gz` });
  expect(noCors.error).toMatchObject({ kind: 'network' });
  expect(noCors.error?.message).toContain(`${base}/no-cors.json.gz`);
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/c4-train.00000-of-01024.json.gz`;
  await new Promise((resolve) => closed.close(resolve));
  const refused = await stream({ url: closedUrl });
  expect(refused.error).toMatchObject({ kind: 'network' });
  expect(refused.error?.message).toContain(closedUrl);
});

test('bad lines are skipped and counted, not fatal', async () => {
  const result = await stream({ url: `${base}/bad-lines.json.gz` });
  expect(result.error).toBeNull();
  expect(result.documents).toBe(2);
  expect(result.stats).toEqual({ lines: 8, documents: 2, badUtf8: 1, badJson: 2, noText: 2, blank: 1, tooLong: 0 });
});

test('a download broken mid-stream resumes with a Range request (206), or restarts when Range is ignored', async () => {
  const reference = await stream({ url: `${base}/validation.json.gz` });
  const half = Math.floor(validationGz.length / 2);

  breakOnce.add('/resume.json.gz');
  requests.length = 0;
  const resumed = await stream({ url: `${base}/resume.json.gz` });
  expect(resumed.error).toBeNull();
  expect(resumed.textSha256).toBe(reference.textSha256);
  const resumeEvent = resumed.events.find((e) => e.type === 'resumed');
  expect(resumeEvent?.fromByte).toBeGreaterThan(0);
  expect(resumeEvent?.fromByte).toBeLessThanOrEqual(half);
  const ranged = requests.filter((r) => r.path === '/resume.json.gz');
  expect(ranged.length).toBe(2);
  expect(ranged[0].range).toBeNull();
  expect(ranged[1].range).toBe(`bytes=${resumeEvent?.fromByte}-`);

  breakOnce.add('/restart.json.gz');
  const restarted = await stream({ url: `${base}/restart.json.gz` });
  expect(restarted.error).toBeNull();
  expect(restarted.textSha256).toBe(reference.textSha256);
  expect(restarted.events.map((e) => e.type)).toContain('restarted');
  expect(restarted.events.map((e) => e.type)).not.toContain('resumed');

  const hopeless = await stream({ url: `${base}/always-breaks.json.gz` }, { maxRetries: 2 });
  expect(hopeless.error).toMatchObject({ kind: 'interrupted' });
  expect(hopeless.error?.message).toContain(`${base}/always-breaks.json.gz`);
  expect(hopeless.events.filter((e) => e.type === 'resumed').length).toBe(2);
});

test('tokenized shards are cached in IndexedDB; a half-written entry is never read as complete', async () => {
  requests.length = 0;
  const url = `${base}/validation.json.gz`;
  const r = await page.evaluate(async (url) => ((await import('/e2e/harness-data.ts' as string)) as Helpers).cacheRoundTrip(url), url);
  expect(r.firstFromCache).toBe(false);
  expect(r.secondFromCache).toBe(true);
  expect(r.secondEvents).toEqual(['cache-hit']);
  expect(r.same).toBe(true);
  expect(r.exhausted).toBe(true);
  expect(r.prefixTokens).toBe(1000);
  expect(r.prefixFromCache).toBe(true);
  // One download to tokenize, one to train the tokenizer; each cache hit asks the server first
  // (a HEAD request) and downloads nothing.
  const asked = requests.filter((q) => q.path === '/validation.json.gz');
  expect(asked.filter((q) => q.method === 'GET')).toHaveLength(2);
  expect(asked.filter((q) => q.method === 'HEAD')).toHaveLength(2);
  expect(r.writeError).toBe('tab closed mid-write');
  expect(r.brokenListedComplete).toBe(false);
  expect(r.incompleteBefore).toBe(1);
  expect(r.brokenRead).toBeNull();
  expect(r.usage).toMatchObject({ entries: 1, incomplete: 0, tokens: r.tokens, bytes: (r.tokens as number) * 2 });
  expect(r.tokenizerCache).toMatchObject({ sameId: true, secondDownloads: 0 });
  expect((r.tokenizerCache as { id: string }).id).toMatch(/^bpe-320-[0-9a-f]{64}$/);
  expect(r.usageWithTokenizer).toMatchObject({ tokenizers: 1 });
  expect(r.cleared).toMatchObject({ entries: 0, tokens: 0, bytes: 0, tokenizers: 0 });
});

test('IndexedDB: a zero-token entry reads as absent; a shard without documents says so and is not cached; a replaced shard is downloaded again', async () => {
  requests.length = 0;
  const r = (await page.evaluate(async (base) => ((await import('/e2e/harness-data.ts' as string)) as Helpers).emptyAndChangedShards(base), base)) as Record<string, { tokens: number; source: string | null; error: string | null; events: string[] }> & { poisonedRead: string; emptyEntries: number };
  expect(r.poisonedRead).toBe('absent');
  expect(r.poisoned).toMatchObject({ error: null, source: 'download' });
  expect(r.poisoned.tokens).toBeGreaterThan(10);
  expect(r.empty.error).toMatch(new RegExp(`for ${base}/empty\\.json\\.gz: the body is empty`));
  expect(r.emptyEntries).toBe(0);
  expect(r.first).toMatchObject({ source: 'download', error: null });
  expect(r.second).toMatchObject({ source: 'cache', tokens: r.first.tokens });
  expect(r.third).toMatchObject({ source: 'redownload', error: null });
  expect(r.third.events).toContain('redownload');
  expect(r.third.tokens).toBe(r.first.tokens + 10);
  const changing = requests.filter((q) => q.path === '/changing.json.gz').map((q) => q.method);
  expect(changing).toEqual(['GET', 'HEAD', 'HEAD', 'GET']);
});

test('BPE in the browser: training reproduces the shipped tokenizer; bundled data tokenized and packed', async () => {
  const r = await page.evaluate(async () => ((await import('/e2e/harness-data.ts' as string)) as Helpers).bundledBpe());
  console.log(`browser BPE training (4 M chars, vocab 4096): ${(r.trainSeconds as number).toFixed(1)} s; data prep: ${(r.prepSeconds as number).toFixed(1)} s`);
  expect(r.shippedId).toBe(`bpe-4096-${manifest.tokenizer.sha256}`);
  expect(r.trainedId).toBe(r.shippedId);
  expect(r.roundTrip).toBe(true);
  expect(r.sameAsWhole).toBe(true);
  expect(r.trainCorpusTokens).toBe(200_001);
  expect(r.validationSequences).toBe(100);
  expect(r.warnings).toEqual([]);
  expect(r.shifted).toBe(true);
});
