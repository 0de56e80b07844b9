// Incremental JSON-lines parsing over raw bytes. Lines are split on the newline byte (0x0A)
// before decoding, so a multi-byte UTF-8 character that straddles two chunks is never cut, and
// each line is decoded strictly: a line that is not valid UTF-8 is skipped and counted rather
// than silently repaired with U+FFFD.
import { emptyStats, type C4Document, type ParseStats } from './types';

const NEWLINE = 0x0a;

export class JsonlParser {
  readonly stats: ParseStats = emptyStats();
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

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
    if (start < chunk.length) {
      // Copy: the caller may reuse its buffer.
      this.pending.push(chunk.slice(start));
      this.pendingBytes += chunk.length - start;
    }
    return out;
  }

  /** Ends the stream; a last line without a trailing newline still counts. */
  end(): C4Document[] {
    const out: C4Document[] = [];
    if (this.pendingBytes > 0) this.finishLine(new Uint8Array(0), out);
    return out;
  }

  private finishLine(tail: Uint8Array, out: C4Document[]): void {
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

/** Parses a whole in-memory JSONL buffer (tests, small files). */
export function parseJsonl(bytes: Uint8Array): { documents: C4Document[]; stats: ParseStats } {
  const parser = new JsonlParser();
  const documents = [...parser.push(bytes), ...parser.end()];
  return { documents, stats: parser.stats };
}
