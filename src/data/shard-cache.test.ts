// Shards against a real HTTP server on 127.0.0.1 (Node's fetch): a shard without documents is an
// error in words and is never cached; skipped lines are counted per shard; a cached shard is
// checked against the server (HEAD: ETag, Last-Modified, size) before it is reused, and
// downloaded again when it changed. The cache here keeps entries in memory (IndexedDB itself is
// tested in the browser, e2e/data.spec.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadShardTokens } from './corpus';
import type { ShardCache } from './cache';
import type { CacheEntry } from './cache';
import type { TokenArray } from './pack';
import { ByteTokenizer } from './tokenizer';
import type { ProgressEvent, ShardLoad } from './types';

const doc = (text: string) => `${JSON.stringify({ text, timestamp: '2019-04-25T12:57:54Z', url: 'https://example.test/' })}\n`;

/** What the server serves at each path (body and ETag), changeable between requests. */
const files = new Map<string, { body: Buffer; etag: string | null; lastModified: string | null }>();
const requests: { method: string; path: string }[] = [];
let server: Server;
let base = '';

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  requests.push({ method: req.method ?? 'GET', path });
  const file = files.get(path);
  if (!file) {
    res.statusCode = 404;
    return void res.end();
  }
  if (file.etag) res.setHeader('ETag', file.etag);
  if (file.lastModified) res.setHeader('Last-Modified', file.lastModified);
  res.setHeader('Content-Length', String(file.body.length));
  res.setHeader('Content-Type', 'application/gzip');
  res.end(req.method === 'HEAD' ? undefined : file.body);
}

/** An in-memory stand-in for the IndexedDB cache, with TokenCache's contract (complete entries only). */
function memoryCache(options: { failWrites?: Error } = {}): ShardCache & { entries: Map<string, { entry: CacheEntry; tokens: TokenArray }> } {
  const entries = new Map<string, { entry: CacheEntry; tokens: TokenArray }>();
  return {
    entries,
    async get(key) {
      return entries.get(key) ?? null;
    },
    async put(key, meta, tokens) {
      if (options.failWrites) throw options.failWrites;
      const entry: CacheEntry = {
        key,
        ...meta,
        dtype: tokens instanceof Uint16Array ? 'u16' : 'u32',
        tokens: tokens.length,
        chunks: 1,
        bytes: tokens.byteLength,
        complete: true,
        validators: meta.validators ?? null,
        createdAt: 0,
      };
      entries.set(key, { entry, tokens: tokens.slice() });
      return entry;
    },
    async delete(key) {
      entries.delete(key);
    },
  };
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));
beforeEach(() => {
  files.clear();
  requests.length = 0;
});

const tokenizer = new ByteTokenizer();

async function load(path: string, cache: ShardCache | null) {
  const events: ProgressEvent[] = [];
  const loads: ShardLoad[] = [];
  const result = await loadShardTokens({ kind: 'url', url: `${base}${path}` }, tokenizer, {
    cache,
    onProgress: (e) => void (e.type !== 'bytes' && events.push(e)),
    onShard: (s) => void loads.push(s),
  });
  return { ...result, events, loads };
}

describe('a shard without documents', () => {
  // An empty body and one that is not JSON at all are refused by the format sniffing (shards.ts);
  // JSON lines without a single document are refused here. None of them is cached.
  const cases: [string, Buffer, RegExp][] = [
    ['a valid gzip with no lines', gzipSync(Buffer.alloc(0)), /for http:\/\/127\.0\.0\.1:\d+\/empty\.json\.gz: the body is empty/],
    ['only lines without "text"', gzipSync('{"url":"a"}\n{"url":"b"}\n'), /no documents in .*\/empty\.json\.gz: 2 lines, 2 without text/],
    ['JSON lines that are not objects, or without text', gzipSync('{"text":""}\n[1]\n{"text":42}\n'), /no documents in .*: 3 lines, 1 not a JSON object, 2 without text/],
  ];
  for (const [what, body, message] of cases) {
    it(`${what}: says so in words naming the shard, caches nothing, and downloads again next time`, async () => {
      files.set('/empty.json.gz', { body, etag: '"v1"', lastModified: null });
      const cache = memoryCache();
      await expect(load('/empty.json.gz', cache)).rejects.toThrow(message);
      expect(cache.entries.size).toBe(0);
      // Fixed on the server: the next run downloads it and trains.
      files.set('/empty.json.gz', { body: gzipSync(doc('now it has text')), etag: '"v2"', lastModified: null });
      const fixed = await load('/empty.json.gz', cache);
      expect(fixed.tokens.length).toBe('now it has text'.length + 1);
      expect(requests.filter((r) => r.method === 'GET')).toHaveLength(2);
    });
  }
});

describe('skipped lines', () => {
  it('are counted per shard and reported with where the tokens came from', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? doc(`document ${i}`) : i % 4 === 1 ? 'not json\n' : '{"url":"no text"}\n')).join('');
    files.set('/half.json.gz', { body: gzipSync(lines), etag: '"h"', lastModified: null });
    const first = await load('/half.json.gz', memoryCache());
    expect(first.loads).toEqual([
      { shard: `${base}/half.json.gz`, source: 'download', stats: { lines: 40, documents: 20, badUtf8: 0, badJson: 10, noText: 10, blank: 0, tooLong: 0 } },
    ]);
  });
});

describe('a cached shard is revalidated before reuse', () => {
  it('unchanged: one HEAD request and the cached tokens', async () => {
    files.set('/s.json.gz', { body: gzipSync(doc('first version')), etag: '"a"', lastModified: 'Wed, 21 Oct 2026 07:28:00 GMT' });
    const cache = memoryCache();
    const first = await load('/s.json.gz', cache);
    expect(first.loads[0].source).toBe('download');
    requests.length = 0;
    const second = await load('/s.json.gz', cache);
    expect(requests).toEqual([{ method: 'HEAD', path: '/s.json.gz' }]);
    expect(second.fromCache).toBe(true);
    expect(second.loads[0]).toMatchObject({ source: 'cache', stats: first.loads[0].stats });
    expect(Array.from(second.tokens)).toEqual(Array.from(first.tokens));
  });

  it('replaced on the server (ETag, Last-Modified or size): downloaded again, and the progress says so', async () => {
    const cases = [
      { before: { etag: '"a"', lastModified: null }, after: { etag: '"b"', lastModified: null } },
      { before: { etag: null, lastModified: 'Wed, 21 Oct 2026 07:28:00 GMT' }, after: { etag: null, lastModified: 'Thu, 22 Oct 2026 07:28:00 GMT' } },
      { before: { etag: null, lastModified: null }, after: { etag: null, lastModified: null } },
    ];
    for (const { before, after } of cases) {
      files.set('/s.json.gz', { body: gzipSync(doc('old')), ...before });
      const cache = memoryCache();
      await load('/s.json.gz', cache);
      files.set('/s.json.gz', { body: gzipSync(doc('the new, longer version')), ...after });
      requests.length = 0;
      const again = await load('/s.json.gz', cache);
      expect(requests.map((r) => r.method)).toEqual(['HEAD', 'GET']);
      expect(again.fromCache).toBe(false);
      expect(again.tokens.length).toBe('the new, longer version'.length + 1);
      expect(again.loads[0].source).toBe('redownload');
      const note = again.events.find((e) => e.type === 'redownload');
      expect(note).toMatchObject({ url: `${base}/s.json.gz` });
      expect((note as { reason: string }).reason).toMatch(/changed on the server/);
      // And the new copy is what the cache now holds.
      requests.length = 0;
      expect((await load('/s.json.gz', cache)).loads[0].source).toBe('cache');
    }
  });

  it('when the server cannot be asked, the cached copy is used and the progress says why', async () => {
    files.set('/gone.json.gz', { body: gzipSync(doc('kept')), etag: '"a"', lastModified: null });
    const cache = memoryCache();
    await load('/gone.json.gz', cache);
    files.delete('/gone.json.gz');
    const again = await load('/gone.json.gz', cache);
    expect(again.loads[0].source).toBe('cache');
    expect(again.events.find((e) => e.type === 'revalidation-failed')).toMatchObject({ reason: expect.stringMatching(/404/) });
  });
});

describe('a cache that cannot be written', () => {
  it('trains anyway and says why the shard was not cached', async () => {
    files.set('/s.json.gz', { body: gzipSync(doc('text')), etag: '"a"', lastModified: null });
    const full = Object.assign(new Error(''), { name: 'QuotaExceededError' });
    const result = await load('/s.json.gz', memoryCache({ failWrites: full }));
    expect(result.tokens.length).toBe(5);
    const failed = result.events.find((e) => e.type === 'cache-write-failed');
    expect(failed).toMatchObject({ url: `${base}/s.json.gz` });
    expect((failed as { error: unknown }).error).toBe(full);
  });
});
