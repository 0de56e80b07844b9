// Byte sources for shards: HTTP(S) URLs with resume, and user-picked files.
//
// A broken download is resumed with a plain `Range: bytes=N-` request (CORS-safelisted, so no
// preflight). A 206 answer continues where the stream broke; a 200 answer means the server
// ignores ranges, so the download restarts from byte 0 and the first N bytes, already handed
// on, are skipped. Either way the caller sees one seamless byte stream, and the progress
// callback says which happened.
import type { ByteSource } from './gunzip';
import { DataSourceError, type ProgressCallback, type ShardValidators } from './types';

export interface HttpSourceOptions {
  onProgress?: ProgressCallback;
  /** Resume attempts after the first request (default 4). */
  maxRetries?: number;
  /** Wait before attempt k is k × retryDelayMs (default 250 ms). */
  retryDelayMs?: number;
  signal?: AbortSignal;
  /** Told when the server sent `Content-Encoding` (the browser then decodes the body itself). */
  onContentEncoding?: (encoding: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

export function httpByteSource(url: string, options: HttpSourceOptions = {}): ByteSource {
  const { onProgress, maxRetries = 4, retryDelayMs = 250, signal } = options;
  return async function* open() {
    let received = 0;
    // A body the browser decodes (Content-Encoding) cannot be resumed by byte range: the range
    // would count encoded bytes. Such downloads restart and skip what was already handed on.
    let encoded = false;
    let totalBytes: number | null = null;
    let attempt = 0;
    for (;;) {
      const resuming = received > 0;
      let response: Response;
      try {
        response = await fetch(url, resuming && !encoded ? { headers: { Range: `bytes=${received}-` }, signal } : { signal });
      } catch (error) {
        if (signal?.aborted) throw error;
        if (!resuming && attempt === 0) throw new DataSourceError('network', url, message(error));
        if (++attempt > maxRetries) throw new DataSourceError('interrupted', url, `after ${received} bytes: ${message(error)}`);
        await sleep(retryDelayMs * attempt);
        continue;
      }
      if (!response.ok || !response.body) {
        throw new DataSourceError('http', url, `status ${response.status} ${response.statusText}`.trim());
      }
      let skip = 0;
      if (!resuming) {
        const length = response.headers.get('content-length');
        const encoding = response.headers.get('content-encoding');
        encoded = encoding !== null && encoding !== 'identity';
        if (encoded) options.onContentEncoding?.(encoding!);
        totalBytes = length !== null && !encoded ? Number(length) : null;
        onProgress?.({ type: 'start', url, totalBytes, validators: validatorsOf(response) });
      } else if (response.status === 206) {
        // Content-Range is not readable cross-origin unless exposed; a 206 to `bytes=N-` starts at N.
        const start = contentRangeStart(response) ?? received;
        if (start > received) throw new DataSourceError('http', url, `asked for bytes from ${received}, got a range from ${start}`);
        skip = received - start;
        onProgress?.({ type: 'resumed', url, fromByte: start, attempt });
      } else {
        skip = received;
        onProgress?.({
          type: 'restarted',
          url,
          fromByte: received,
          attempt,
          reason: `the server answered ${response.status} to a range request`,
        });
      }
      const reader = response.body.getReader();
      let finished = false;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            finished = true;
            break;
          }
          let chunk = value;
          if (skip > 0) {
            if (skip >= chunk.length) {
              skip -= chunk.length;
              continue;
            }
            chunk = chunk.subarray(skip);
            skip = 0;
          }
          received += chunk.length;
          yield chunk;
          onProgress?.({ type: 'bytes', url, receivedBytes: received, totalBytes });
        }
      } catch (error) {
        finished = true; // the body is already errored
        if (signal?.aborted) throw error;
        if (++attempt > maxRetries) throw new DataSourceError('interrupted', url, `after ${received} bytes: ${message(error)}`);
        await sleep(retryDelayMs * attempt);
        continue;
      } finally {
        // The consumer stopped early: stop the download too.
        if (!finished) await reader.cancel().catch(() => undefined);
        reader.releaseLock();
      }
      if (skip > 0 || (totalBytes !== null && received < totalBytes)) {
        // The body ended early without an error: treat it like a broken connection.
        if (++attempt > maxRetries) throw new DataSourceError('interrupted', url, `stopped at ${received} of ${totalBytes} bytes`);
        continue;
      }
      return;
    }
  };
}

function validatorsOf(response: Response): ShardValidators {
  const length = response.headers.get('content-length');
  const size = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  return { etag: response.headers.get('etag'), lastModified: response.headers.get('last-modified'), size };
}

export type Revalidation = { status: 'fresh' } | { status: 'changed'; reason: string } | { status: 'unknown'; reason: string };

/**
 * Is the server's file still the one a cache entry was made from? One HEAD request (never
 * answered from the browser's HTTP cache), compared on every validator both sides have: ETag,
 * Last-Modified, size. An entry that recorded none is treated as changed when the server now
 * sends one (it was made before validators were kept); 'unknown' when nothing can be compared
 * or the server cannot be asked (offline, an error status).
 */
export async function revalidate(url: string, cached: ShardValidators | null, signal?: AbortSignal): Promise<Revalidation> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'HEAD', cache: 'no-store', signal });
  } catch (error) {
    if (signal?.aborted) throw error;
    return { status: 'unknown', reason: `the server could not be reached (${message(error)})` };
  }
  if (!response.ok) return { status: 'unknown', reason: `the server answered ${response.status} to a HEAD request` };
  const now = validatorsOf(response);
  const names = { etag: 'ETag', lastModified: 'Last-Modified', size: 'size' } as const;
  const keys = (['etag', 'lastModified', 'size'] as const).filter((k) => now[k] !== null);
  if (keys.length === 0) return { status: 'unknown', reason: 'the server sends no ETag, Last-Modified or size' };
  const compared = keys.filter((k) => cached?.[k] != null);
  if (compared.length === 0) return { status: 'changed', reason: 'the cached copy predates revalidation (no ETag, Last-Modified or size kept)' };
  const differs = compared.filter((k) => cached![k] !== now[k]);
  if (differs.length === 0) return { status: 'fresh' };
  return {
    status: 'changed',
    reason: `it changed on the server since it was cached (${differs.map((k) => `${names[k]} ${String(cached![k])} → ${String(now[k])}`).join(', ')})`,
  };
}

function contentRangeStart(response: Response): number | null {
  const match = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '');
  return match ? Number(match[1]) : null;
}

/** A user-picked file (or any Blob): read as a stream, never whole. */
export function blobByteSource(blob: Blob): ByteSource {
  return async function* open() {
    const reader = blob.stream().getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  };
}
