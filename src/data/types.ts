// Shared types of the data pipeline. Everything in src/data runs in a Web Worker or in Node:
// no DOM, no React.

/** One C4 document: a line `{"text","timestamp","url"}` of a shard. */
export interface C4Document {
  text: string;
  timestamp: string;
  url: string;
}

/** What went wrong, so the UI can say it plainly and tests can check it. */
export type DataErrorKind =
  | 'http' // the server answered with an error status (404, 403, 500…)
  | 'network' // fetch failed outright: offline, CORS refused, DNS, connection reset
  | 'not-gzip' // the body does not start with the gzip magic bytes (where gzip is required)
  | 'unrecognized' // the (decompressed) body is neither JSON lines nor a JSON array: an HTML page, say
  | 'too-large' // a JSON array too large to parse whole
  | 'truncated' // the gzip stream ended before its end-of-member trailer
  | 'corrupt' // the gzip stream is damaged (bad deflate data or CRC)
  | 'interrupted' // the download broke and could not be resumed
  | 'empty'; // the shard was read whole and holds no document

export class DataSourceError extends Error {
  readonly kind: DataErrorKind;
  readonly url: string;
  constructor(kind: DataErrorKind, url: string, detail: string) {
    super(kind === 'empty' ? `no documents in ${url}: ${detail}` : `${describeKind(kind)} for ${url}: ${detail}`);
    this.name = 'DataSourceError';
    this.kind = kind;
    this.url = url;
  }
}

function describeKind(kind: DataErrorKind): string {
  switch (kind) {
    case 'http':
      return 'HTTP error';
    case 'network':
      return 'network error (offline, CORS or connection refused)';
    case 'not-gzip':
      return 'not a gzip file';
    case 'unrecognized':
      return 'neither JSON lines nor JSON (nor gzip of them)';
    case 'too-large':
      return 'JSON file too large';
    case 'truncated':
      return 'truncated gzip file';
    case 'corrupt':
      return 'corrupt gzip data';
    case 'interrupted':
      return 'download interrupted';
    case 'empty':
      return 'no documents';
  }
}

/** Counters of a streamed shard: what was read and what was skipped (never fatal). */
export interface ParseStats {
  lines: number;
  documents: number;
  /** Lines that were not valid UTF-8. */
  badUtf8: number;
  /** Lines that were not JSON objects. */
  badJson: number;
  /** JSON objects without a non-empty string `text`. */
  noText: number;
  /** Blank lines (ignored, counted for honesty). */
  blank: number;
  /** Lines longer than MAX_LINE_BYTES: skipped without being held in memory. */
  tooLong: number;
}

export function emptyStats(): ParseStats {
  return { lines: 0, documents: 0, badUtf8: 0, badJson: 0, noText: 0, blank: 0, tooLong: 0 };
}

/** Lines skipped for being unusable (blank lines are not counted: they are only separators). */
export function skippedLines(stats: ParseStats): number {
  return stats.badUtf8 + stats.badJson + stats.noText + stats.tooLong;
}

/**
 * What identifies one version of a file on its server: compared before a cached shard is reused.
 * Each is null when the server does not send it (or, cross-origin, does not expose it).
 */
export interface ShardValidators {
  etag: string | null;
  lastModified: string | null;
  /** Content-Length of the response (the encoded size when the server compresses it). */
  size: number | null;
}

/** Where one shard's tokens came from, and what its lines held (a run records one per shard). */
export interface ShardLoad {
  /** The shard's URL, or the picked file's cache key. */
  shard: string;
  /** 'cache' only after the server confirmed the copy (or could not be asked); 'redownload' when it had changed. */
  source: 'download' | 'cache' | 'redownload';
  stats: ParseStats | null;
}

/** Progress of one shard download, reported through a callback. */
export type ProgressEvent =
  | { type: 'start'; url: string; totalBytes: number | null; validators: ShardValidators }
  | { type: 'bytes'; url: string; receivedBytes: number; totalBytes: number | null }
  | { type: 'resumed'; url: string; fromByte: number; attempt: number }
  | { type: 'restarted'; url: string; fromByte: number; attempt: number; reason: string }
  | { type: 'gunzip-fallback'; url: string; reason: string }
  | { type: 'done'; url: string; decompressedBytes: number; stats: ParseStats }
  | { type: 'cache-hit'; url: string; tokens: number }
  /** The cached copy is stale: the server's file changed since it was tokenized. */
  | { type: 'redownload'; url: string; reason: string }
  /** The server could not be asked whether the cached copy is current: it is used as it is. */
  | { type: 'revalidation-failed'; url: string; reason: string }
  /** The tokens could not be cached (storage full, say): this run trains on them anyway. */
  | { type: 'cache-write-failed'; url: string; error: unknown };

export type ProgressCallback = (event: ProgressEvent) => void;
