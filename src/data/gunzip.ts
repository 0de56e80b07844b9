// Streaming gunzip. The native DecompressionStream('gzip') is fast but browsers reject
// multi-member gzip files (Node accepts them), so when it fails the stream is reopened and
// decompressed with fflate's streaming Gunzip, skipping the bytes already handed on. fflate does
// not check the gzip trailer, so the fallback checks the last member's ISIZE itself: a file cut
// inside its trailer is reported as truncated, never accepted.
import { Gunzip } from 'fflate';
import { DataSourceError, type ProgressCallback } from './types';

/** Opens the compressed bytes afresh each time it is called. */
export type ByteSource = () => AsyncIterable<Uint8Array>;

export interface GunzipOptions {
  /** Skip the native DecompressionStream (tests of the fallback). */
  forceFflate?: boolean;
  /**
   * Asked once the first chunk has arrived: true when the server sent the file with
   * `Content-Encoding: gzip`, so the browser has already decompressed it (Vite's dev and
   * preview servers do this for .gz files). The bytes are then passed on as they are.
   */
  alreadyDecoded?: () => boolean;
  onProgress?: ProgressCallback;
}

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/** Checks the magic bytes as the first chunks pass, then hands the chunks on unchanged. */
async function* checkedGzip(source: AsyncIterable<Uint8Array>, url: string): AsyncGenerator<Uint8Array> {
  let seen = 0;
  let first: number | null = null;
  for await (const chunk of source) {
    if (chunk.length === 0) continue;
    if (seen < 2) {
      for (let i = 0; i < chunk.length && seen < 2; i++, seen++) {
        if (seen === 0) first = chunk[i];
        else if (first !== GZIP_MAGIC_0 || chunk[i] !== GZIP_MAGIC_1) {
          throw new DataSourceError('not-gzip', url, `starts with bytes ${hex(first ?? 0)} ${hex(chunk[i])}, not 1f 8b`);
        }
      }
    }
    yield chunk;
  }
  if (seen < 2) throw new DataSourceError('not-gzip', url, seen === 0 ? 'the body is empty' : 'the body is one byte long');
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0');
}

function toReadable(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

async function* nativeGunzip(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const readable = toReadable(source).pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  const reader = readable.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* fflateGunzip(source: AsyncIterable<Uint8Array>, url: string): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  let memberOutput = 0;
  let totalInput = 0;
  let lastMemberStart = 0;
  const tail = new Uint8Array(8);
  let tailLength = 0;
  const gunzip = new Gunzip((data) => {
    if (data.length > 0) {
      out.push(data);
      memberOutput += data.length;
    }
  });
  gunzip.onmember = (offset) => {
    // A new member starts: the data before this point belonged to the previous one.
    lastMemberStart = offset;
    memberOutput = 0;
  };
  const push = (chunk: Uint8Array, final: boolean): void => {
    try {
      gunzip.push(chunk, final);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new DataSourceError(/EOF/i.test(message) ? 'truncated' : 'corrupt', url, message);
    }
  };
  for await (const chunk of source) {
    totalInput += chunk.length;
    tailLength = rememberTail(tail, tailLength, chunk);
    push(chunk, false);
    while (out.length > 0) yield out.shift()!;
  }
  push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift()!;
  // The last member must end with CRC32 and ISIZE (its length mod 2^32), which fflate ignores.
  const isize = (tail[4] | (tail[5] << 8) | (tail[6] << 16) | (tail[7] << 24)) >>> 0;
  if (totalInput - lastMemberStart < 18 || tailLength < 8 || isize !== memberOutput >>> 0) {
    throw new DataSourceError('truncated', url, 'the last gzip member has no complete trailer');
  }
}

/** Keeps the last 8 bytes seen, across chunk boundaries, at tail[0, returned length). */
function rememberTail(tail: Uint8Array, tailLength: number, chunk: Uint8Array): number {
  const recent = chunk.subarray(Math.max(0, chunk.length - 8));
  const merged = new Uint8Array(tailLength + recent.length);
  merged.set(tail.subarray(0, tailLength));
  merged.set(recent, tailLength);
  const keep = merged.subarray(Math.max(0, merged.length - 8));
  tail.set(keep);
  return keep.length;
}

/**
 * Decompressed bytes of a gzip source. `open` is called once, or twice when the native
 * decompressor fails and fflate takes over (the output continues seamlessly).
 */
export async function* gunzip(open: ByteSource, url: string, options: GunzipOptions = {}): AsyncGenerator<Uint8Array> {
  const firstOpening = open()[Symbol.asyncIterator]();
  const head = await firstOpening.next();
  if (!head.done && options.alreadyDecoded?.()) {
    yield head.value;
    for (;;) {
      const next = await firstOpening.next();
      if (next.done) return;
      yield next.value;
    }
  }
  let opened = false;
  const reopen = (): AsyncIterable<Uint8Array> => {
    if (opened) return open();
    opened = true;
    return replayHead(head, firstOpening);
  };
  let emitted = 0;
  const hasNative = typeof DecompressionStream !== 'undefined';
  if (hasNative && !options.forceFflate) {
    try {
      for await (const chunk of nativeGunzip(checkedGzip(reopen(), url))) {
        emitted += chunk.length;
        yield chunk;
      }
      return;
    } catch (error) {
      // Source failures (HTTP, network, not gzip) are final; decompressor failures get a second
      // opinion from fflate, which handles multi-member files.
      if (error instanceof DataSourceError) throw error;
      options.onProgress?.({
        type: 'gunzip-fallback',
        url,
        reason: error instanceof Error ? error.message : String(error),
      });
    }
  }
  let skip = emitted;
  for await (const chunk of fflateGunzip(checkedGzip(reopen(), url), url)) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    yield skip > 0 ? chunk.subarray(skip) : chunk;
    skip = 0;
  }
}

/**
 * The bytes of a shard, decompressed when they are gzip: detected by the content (the gzip magic
 * bytes 1f 8b), never by the name, so `.jsonl`, `.json`, `.jsonl.gz` and `.json.gz` files all
 * work, whatever they are called. Bytes the browser already decoded (Content-Encoding) pass on.
 */
export async function* decompressIfGzip(open: ByteSource, url: string, options: GunzipOptions = {}): AsyncGenerator<Uint8Array> {
  const first = open()[Symbol.asyncIterator]();
  const head: Uint8Array[] = [];
  let seen = 0;
  while (seen < 2) {
    const next = await first.next();
    if (next.done) break;
    head.push(next.value);
    seen += next.value.length;
  }
  const byte = (i: number): number | undefined => {
    for (const chunk of head) {
      if (i < chunk.length) return chunk[i];
      i -= chunk.length;
    }
    return undefined;
  };
  let replayed = false;
  // The first opening, its head in front; any later opening (gunzip's fallback) starts afresh.
  const replay: ByteSource = () => {
    if (replayed) return open();
    replayed = true;
    return (async function* () {
      yield* head;
      for (;;) {
        const next = await first.next();
        if (next.done) return;
        yield next.value;
      }
    })();
  };
  const isGzip = byte(0) === GZIP_MAGIC_0 && byte(1) === GZIP_MAGIC_1 && !options.alreadyDecoded?.();
  if (isGzip) yield* gunzip(replay, url, options);
  else yield* replay();
}

/** The first opening again, with its already-read first chunk in front. */
async function* replayHead(head: IteratorResult<Uint8Array>, rest: AsyncIterator<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (head.done) return;
  yield head.value;
  for (;;) {
    const next = await rest.next();
    if (next.done) return;
    yield next.value;
  }
}
