// In-page helpers for e2e/data.spec.ts. The spec loads this module on the harness page
// (served by the Vite dev server) with page.evaluate(() => import('/e2e/harness-data.ts')) and
// gets plain JSON back: documents, parse counters, progress events and errors.
import * as data from '../src/data';

export interface StreamResult {
  documents: number;
  firstText: string | null;
  textSha256: string | null;
  stats: data.ParseStats | null;
  events: Array<{ type: string; fromByte?: number; attempt?: number }>;
  error: { name: string; kind: string | null; message: string } | null;
}

/** Streams one shard and reports what happened; never throws. */
export async function streamShard(
  source: { url: string } | { bytes: number[]; name: string },
  options: { forceFflate?: boolean; maxRetries?: number } = {},
): Promise<StreamResult> {
  const ref: data.ShardRef =
    'url' in source ? { kind: 'url', url: source.url } : data.fileShard(new File([new Uint8Array(source.bytes)], source.name));
  const events: StreamResult['events'] = [];
  let stats: data.ParseStats | null = null;
  let documents = 0;
  let firstText: string | null = null;
  const texts: string[] = [];
  try {
    for await (const doc of data.streamDocuments(ref, {
      forceFflate: options.forceFflate,
      maxRetries: options.maxRetries ?? 4,
      retryDelayMs: 20,
      onStats: (s) => (stats = s),
      onProgress: (e) => {
        if (e.type !== 'bytes') events.push({ type: e.type, ...('fromByte' in e ? { fromByte: e.fromByte, attempt: e.attempt } : {}) });
      },
    })) {
      documents++;
      firstText ??= doc.text;
      texts.push(doc.text);
    }
    return { documents, firstText, textSha256: await data.sha256Hex(texts.join('\u0000')), stats, events, error: null };
  } catch (error) {
    const e = error as Error;
    return {
      documents,
      firstText,
      textSha256: null,
      stats,
      events,
      error: { name: e.name, kind: error instanceof data.DataSourceError ? error.kind : null, message: e.message },
    };
  }
}

/** Does this browser's DecompressionStream accept a multi-member gzip file? */
export async function nativeAcceptsMultiMember(bytes: number[]): Promise<{ ok: boolean; message: string }> {
  try {
    const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new DecompressionStream('gzip'));
    const reader = stream.getReader();
    let n = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      n += value.length;
    }
    return { ok: true, message: `${n} bytes` };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

/** Cache round trip: tokenize a shard, read it back, a broken write, usage and clear. */
export async function cacheRoundTrip(url: string): Promise<Record<string, unknown>> {
  const cache = await data.TokenCache.open(`cbs-lab-data-test-${Date.now()}`);
  try {
    const tokenizer = new data.ByteTokenizer();
    const first = await data.loadShardTokens({ kind: 'url', url }, tokenizer, { cache });
    const events: string[] = [];
    const second = await data.loadShardTokens({ kind: 'url', url }, tokenizer, { cache, onProgress: (e) => events.push(e.type) });
    let same = first.tokens.length === second.tokens.length;
    for (let i = 0; same && i < first.tokens.length; i++) same = first.tokens[i] === second.tokens[i];
    const prefix = await data.loadShardTokens({ kind: 'url', url }, tokenizer, { cache, maxTokens: 1000 });

    // A write that dies after its first chunk must never be read back as complete.
    const brokenKey = data.cacheKey('test://broken', tokenizer.id);
    let writeError = '';
    try {
      await cache.put(brokenKey, { url: 'test://broken', tokenizerId: tokenizer.id, exhausted: true, stats: null }, new Uint16Array(10), {
        afterChunk: () => {
          throw new Error('tab closed mid-write');
        },
      });
    } catch (error) {
      writeError = (error as Error).message;
    }
    const listedBroken = (await cache.list()).find((e) => e.key === brokenKey);
    const usageWithBroken = await cache.usage();
    const brokenRead = await cache.get(brokenKey);
    const usage = await cache.usage();

    // A trained tokenizer is cached too: the second request for it reads no data.
    const spec = data.urlDataset([url], [url]);
    const t0 = performance.now();
    const trainedFirst = await data.trainTokenizer(spec, { cache, vocabSize: 320, sampleChars: 100_000 });
    const t1 = performance.now();
    let documentsRead = 0;
    const trainedAgain = await data.trainTokenizer(spec, {
      cache,
      vocabSize: 320,
      sampleChars: 100_000,
      onProgress: (e) => {
        if (e.type === 'start') documentsRead++;
      },
    });
    const tokenizerCache = {
      sameId: trainedFirst.id === trainedAgain.id,
      id: trainedAgain.id,
      secondDownloads: documentsRead,
      firstMs: t1 - t0,
    };
    const usageWithTokenizer = await cache.usage();
    await cache.clear();
    const cleared = await cache.usage();
    return {
      firstFromCache: first.fromCache,
      secondFromCache: second.fromCache,
      secondEvents: events,
      same,
      tokens: first.tokens.length,
      exhausted: first.exhausted,
      prefixTokens: prefix.tokens.length,
      prefixFromCache: prefix.fromCache,
      writeError,
      brokenListedComplete: listedBroken?.complete ?? null,
      incompleteBefore: usageWithBroken.incomplete,
      brokenRead,
      usage,
      tokenizerCache,
      usageWithTokenizer,
      cleared,
    };
  } finally {
    cache.close();
  }
}

/** The BPE path in the browser: train like the build script, and tokenize + pack the bundled data. */
export async function bundledBpe(): Promise<Record<string, unknown>> {
  const spec = data.bundledDataset();
  const shipped = await data.loadBundledTokenizer();
  const started = performance.now();
  const trained = await data.trainTokenizer(spec, {});
  const trainSeconds = (performance.now() - started) / 1000;
  const text = 'The Congress shall have power to lay and collect taxes — naïve café 😀.';
  const prepStart = performance.now();
  const prepared = await data.prepareData(spec, shipped, { context: 64, dataSeed: 1, trainTokens: 200_000, validationSequences: 100 });
  const prepSeconds = (performance.now() - prepStart) / 1000;
  const batch = prepared.stream.nextBatch(4);
  return {
    shippedId: shipped.id,
    trainedId: trained.id,
    trainSeconds,
    roundTrip: shipped.decode(shipped.encode(text)) === text,
    sameAsWhole: Array.from(shipped.encode(text)).join() === Array.from(shipped.encodeWhole(text)).join(),
    trainCorpusTokens: prepared.trainCorpusTokens,
    validationSequences: prepared.validation.sequences,
    warnings: prepared.warnings,
    firstBatch: Array.from(batch.inputs.subarray(0, 8)),
    shifted: Array.from(batch.inputs.subarray(1, 64)).join() === Array.from(batch.targets.subarray(0, 63)).join(),
    prepSeconds,
  };
}

/**
 * Shards that used to poison the cache: an entry marked complete with 0 tokens (what older
 * versions wrote for a shard without documents) must read back as absent, not throw; a shard
 * without documents must fail in words and leave no entry; a shard replaced on the server must
 * be downloaded again.
 */
export async function emptyAndChangedShards(base: string): Promise<Record<string, unknown>> {
  const name = `cbs-lab-data-test-${Date.now()}`;
  const cache = await data.TokenCache.open(name);
  const tokenizer = new data.ByteTokenizer();
  const attempt = async (url: string) => {
    const events: string[] = [];
    try {
      const r = await data.loadShardTokens({ kind: 'url', url }, tokenizer, { cache, onProgress: (e) => void (e.type !== 'bytes' && events.push(e.type)) });
      return { tokens: r.tokens.length, source: r.source, error: null, events };
    } catch (error) {
      return { tokens: 0, source: null, error: (error as Error).message, events };
    }
  };
  try {
    // An old poisoned entry, written as older versions did.
    const poisonedUrl = `${base}/poisoned.json.gz`;
    const key = data.cacheKey(poisonedUrl, tokenizer.id);
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open(name);
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('entries', 'readwrite');
      tx.objectStore('entries').put({ key, url: poisonedUrl, tokenizerId: tokenizer.id, dtype: 'u16', tokens: 0, chunks: 0, bytes: 0, exhausted: true, complete: true, stats: null, createdAt: 0 });
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
    let poisonedRead: string | null = null;
    try {
      poisonedRead = (await cache.get(key)) === null ? 'absent' : 'present';
    } catch (error) {
      poisonedRead = `threw: ${(error as Error).message}`;
    }
    const poisoned = await attempt(poisonedUrl);
    const empty = await attempt(`${base}/empty.json.gz`);
    const emptyEntries = (await cache.list()).filter((e) => e.url === `${base}/empty.json.gz`).length;
    const changing = `${base}/changing.json.gz`;
    const first = await attempt(changing);
    const second = await attempt(changing);
    await fetch(`${base}/change`, { method: 'POST' });
    const third = await attempt(changing);
    return { poisonedRead, poisoned, empty, emptyEntries, first, second, third };
  } finally {
    cache.close();
  }
}
