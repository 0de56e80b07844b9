// Incremental JSON-lines parsing over raw bytes (and JSON arrays, told apart by content). Lines are split on the newline byte (0x0A)
// before decoding, so a multi-byte UTF-8 character that straddles two chunks is never cut, and
// each line is decoded strictly: a line that is not valid UTF-8 is skipped and counted rather
// than silently repaired with U+FFFD.
import { DataSourceError, emptyStats, type C4Document, type ParseStats } from './types';

const NEWLINE = 0x0a;
/**
 * A line longer than this is skipped (and counted) without being held: C4 documents are a few
 * KB, and a file that is one 400 MB line would otherwise be read into memory whole.
 */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export class JsonlParser {
  readonly stats: ParseStats = emptyStats();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Inside a line that passed MAX_LINE_BYTES: its bytes are dropped up to its newline. */
  private discarding = false;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

  /** Bytes of the unfinished line held in memory. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /** Feeds a chunk; returns the documents whose lines it completed. */
  push(chunk: Uint8Array): C4Document[] {
    const out: C4Document[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl < 0) break;
      this.finishLine(chunk.subarray(start, nl), out);
      start = nl + 1;
    }
    if (start < chunk.length && !this.discarding) {
      if (this.pendingBytes + chunk.length - start > MAX_LINE_BYTES) {
        this.pending = [];
        this.pendingBytes = 0;
        this.discarding = true;
      } else {
        // Copy: the caller may reuse its buffer.
        this.pending.push(chunk.slice(start));
        this.pendingBytes += chunk.length - start;
      }
    }
    return out;
  }

  /** Ends the stream; a last line without a trailing newline still counts. */
  end(): C4Document[] {
    const out: C4Document[] = [];
    if (this.pendingBytes > 0 || this.discarding) this.finishLine(new Uint8Array(0), out);
    return out;
  }

  private finishLine(tail: Uint8Array, out: C4Document[]): void {
    if (this.discarding || this.pendingBytes + tail.length > MAX_LINE_BYTES) {
      this.discarding = false;
      this.pending = [];
      this.pendingBytes = 0;
      this.stats.lines++;
      this.stats.tooLong++;
      return;
    }
    let line = tail;
    if (this.pendingBytes > 0) {
      line = new Uint8Array(this.pendingBytes + tail.length);
      let offset = 0;
      for (const part of this.pending) {
        line.set(part, offset);
        offset += part.length;
      }
      line.set(tail, offset);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const doc = parseLine(line, this.decoder, this.stats);
    if (doc) out.push(doc);
  }
}

function parseLine(bytes: Uint8Array, decoder: TextDecoder, stats: ParseStats): C4Document | null {
  stats.lines++;
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    stats.badUtf8++;
    return null;
  }
  if (text.trim() === '') {
    stats.blank++;
    return null;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    stats.badJson++;
    return null;
  }
  return recordToDocument(value, stats);
}

/** A parsed JSON value as a document: an object with a non-empty string `text`; counted otherwise. */
function recordToDocument(value: unknown, stats: ParseStats): C4Document | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    stats.badJson++;
    return null;
  }
  const record = value as Record<string, unknown>;
  if (typeof record.text !== 'string' || record.text.length === 0) {
    stats.noText++;
    return null;
  }
  stats.documents++;
  return {
    text: record.text,
    timestamp: typeof record.timestamp === 'string' ? record.timestamp : '',
    url: typeof record.url === 'string' ? record.url : '',
  };
}

/** A JSON array of documents is parsed whole; larger ones should be JSON lines. */
export const MAX_JSON_ARRAY_BYTES = 256 * 2 ** 20;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const BOM = [0xef, 0xbb, 0xbf];

/**
 * Documents from JSON lines (one object per line, C4's format) or from a JSON array of objects,
 * told apart by the content: the first byte after whitespace (and a BOM) is `{` or `[`. Anything
 * else (an HTML page, a CSV) is an error that names the URL and shows how the body starts.
 */
export class DocumentParser {
  private mode: 'sniffing' | 'jsonl' | 'array' = 'sniffing';
  private readonly jsonl = new JsonlParser();
  private readonly held: Uint8Array[] = [];
  private heldBytes = 0;
  private arrayStats: ParseStats | null = null;

  constructor(private readonly url: string) {}

  get stats(): ParseStats {
    return this.arrayStats ?? this.jsonl.stats;
  }

  push(chunk: Uint8Array): C4Document[] {
    if (this.mode === 'jsonl') return this.jsonl.push(chunk);
    this.hold(chunk);
    if (this.mode === 'sniffing') {
      const first = this.firstByte();
      if (first === null) return [];
      if (first === 0x7b) {
        this.mode = 'jsonl';
        return this.release();
      }
      if (first !== 0x5b) throw this.unrecognized();
      this.mode = 'array';
    }
    if (this.heldBytes > MAX_JSON_ARRAY_BYTES) {
      throw new DataSourceError('too-large', this.url, `a JSON array over ${MAX_JSON_ARRAY_BYTES / 2 ** 20} MB is read whole; write it as JSON lines (one document per line) instead`);
    }
    return [];
  }

  end(): C4Document[] {
    if (this.mode === 'jsonl') return this.jsonl.end();
    if (this.mode === 'sniffing') {
      // Nothing but whitespace (or nothing): no format to read, and surely not what was meant.
      throw new DataSourceError('unrecognized', this.url, this.heldBytes === 0 ? 'the body is empty' : 'the body holds only whitespace');
    }
    return this.parseArray();
  }

  private hold(chunk: Uint8Array): void {
    this.held.push(chunk.slice());
    this.heldBytes += chunk.length;
  }

  private bytes(): Uint8Array {
    const all = new Uint8Array(this.heldBytes);
    let o = 0;
    for (const part of this.held) {
      all.set(part, o);
      o += part.length;
    }
    return all;
  }

  /** The first byte past a BOM and whitespace; null while there is none yet. */
  private firstByte(): number | null {
    const all = this.bytes();
    let i = all[0] === BOM[0] && all[1] === BOM[1] && all[2] === BOM[2] ? 3 : 0;
    while (i < all.length && WHITESPACE.has(all[i])) i++;
    return i < all.length ? all[i] : null;
  }

  private release(): C4Document[] {
    const all = this.bytes();
    this.held.length = 0;
    this.heldBytes = 0;
    return this.jsonl.push(all);
  }

  private unrecognized(): DataSourceError {
    const head = new TextDecoder().decode(this.bytes().subarray(0, 60)).replace(/\s+/g, ' ').trim();
    return new DataSourceError('unrecognized', this.url, `it starts with "${head}"`);
  }

  private parseArray(): C4Document[] {
    const stats = emptyStats();
    this.arrayStats = stats;
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(this.bytes()));
    } catch (error) {
      throw new DataSourceError('unrecognized', this.url, `it starts with "[" but is not a valid JSON array: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (!Array.isArray(value)) throw new DataSourceError('unrecognized', this.url, 'it starts with "[" but is not a JSON array');
    const out: C4Document[] = [];
    for (const item of value) {
      stats.lines++;
      const doc = recordToDocument(item, stats);
      if (doc) out.push(doc);
    }
    return out;
  }
}

/** Parses a whole in-memory JSONL buffer (tests, small files). */
export function parseJsonl(bytes: Uint8Array): { documents: C4Document[]; stats: ParseStats } {
  const parser = new JsonlParser();
  const documents = [...parser.push(bytes), ...parser.end()];
  return { documents, stats: parser.stats };
}
