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
  | 'interrupted'; // the download broke and could not be resumed

export class DataSourceError extends Error {
  readonly kind: DataErrorKind;
  readonly url: string;
  constructor(kind: DataErrorKind, url: string, detail: string) {
    super(`${describeKind(kind)} for ${url}: ${detail}`);
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

/** Progress of one shard download, reported through a callback. */
export type ProgressEvent =
  | { type: 'start'; url: string; totalBytes: number | null }
  | { type: 'bytes'; url: string; receivedBytes: number; totalBytes: number | null }
  | { type: 'resumed'; url: string; fromByte: number; attempt: number }
  | { type: 'restarted'; url: string; fromByte: number; attempt: number; reason: string }
  | { type: 'gunzip-fallback'; url: string; reason: string }
  | { type: 'done'; url: string; decompressedBytes: number; stats: ParseStats }
  | { type: 'cache-hit'; url: string; tokens: number };

export type ProgressCallback = (event: ProgressEvent) => void;
