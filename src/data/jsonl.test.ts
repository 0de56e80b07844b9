import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompressIfGzip, gunzip } from './gunzip';
import { DocumentParser, JsonlParser, MAX_LINE_BYTES, parseJsonl } from './jsonl';
import { fileShard, streamDocuments } from './shards';
import { DataSourceError, type ParseStats } from './types';

const enc = new TextEncoder();
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/** A shard with every kind of bad line, between good ones. */
export function badLinesShard(): Uint8Array {
  return concat(
    enc.encode('{"text":"Good one: naïve café 😀","timestamp":"2019-04-25T12:57:54Z","url":"https://a.example/1"}\n'),
    Uint8Array.of(0x7b, 0x22, 0x74, 0x65, 0x78, 0x74, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d, 0x0a), // {"text":"\xff\xfe"} not UTF-8
    enc.encode('{"text": "unterminated\n'),
    enc.encode('[1,2,3]\n'),
    enc.encode('{"timestamp":"2019-04-25T12:57:54Z","url":"https://a.example/no-text"}\n'),
    enc.encode('{"text":"","url":"https://a.example/empty"}\n'),
    enc.encode('{"text":42}\n'),
    enc.encode('\n'),
    enc.encode('{"text":"Second good one\\nwith a newline escape","timestamp":"t","url":"u"}\n'),
    enc.encode('{"text":"Last line without newline","timestamp":"t","url":"u3"}'),
  );
}

describe('JsonlParser', () => {
  it('keeps good documents and skips and counts each kind of bad line', () => {
    const { documents, stats } = parseJsonl(badLinesShard());
    expect(documents.map((d) => d.text)).toEqual([
      'Good one: naïve café 😀',
      'Second good one\nwith a newline escape',
      'Last line without newline',
    ]);
    expect(documents[0]).toEqual({ text: 'Good one: naïve café 😀', timestamp: '2019-04-25T12:57:54Z', url: 'https://a.example/1' });
    expect(stats).toEqual({ lines: 10, documents: 3, badUtf8: 1, badJson: 2, noText: 3, blank: 1, tooLong: 0 });
  });

  it('gives the same result for every split of the bytes into two chunks (multi-byte characters cut)', () => {
    const bytes = badLinesShard();
    const whole = parseJsonl(bytes);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const parser = new JsonlParser();
      const docs = [...parser.push(bytes.subarray(0, cut)), ...parser.push(bytes.subarray(cut)), ...parser.end()];
      expect(docs).toEqual(whole.documents);
      expect(parser.stats).toEqual(whole.stats);
    }
  });

  it('handles one byte at a time', () => {
    const bytes = badLinesShard();
    const parser = new JsonlParser();
    const docs = [];
    for (let i = 0; i < bytes.length; i++) docs.push(...parser.push(bytes.subarray(i, i + 1)));
    docs.push(...parser.end());
    expect(docs).toEqual(parseJsonl(bytes).documents);
  });
});

async function collect(source: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of source) parts.push(c);
  return concat(...parts);
}

function chunked(bytes: Uint8Array, size: number): () => AsyncIterable<Uint8Array> {
  return async function* () {
    for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
  };
}

async function gunzipError(bytes: Uint8Array, forceFflate: boolean): Promise<DataSourceError> {
  try {
    await collect(gunzip(chunked(bytes, 1000), 'test://x', { forceFflate }));
  } catch (error) {
    expect(error).toBeInstanceOf(DataSourceError);
    return error as DataSourceError;
  }
  throw new Error('expected a DataSourceError');
}

describe('gunzip (Node)', () => {
  const a = enc.encode('alpha line\n'.repeat(5000));
  const b = enc.encode('beta line\n'.repeat(3000));
  const gzA = new Uint8Array(gzipSync(a));
  const multi = concat(gzA, new Uint8Array(gzipSync(b)));

  for (const forceFflate of [false, true]) {
    const which = forceFflate ? 'fflate' : 'native';
    it(`${which}: single and multi-member files, in odd-sized chunks`, async () => {
      expect(await collect(gunzip(chunked(gzA, 7), 'x', { forceFflate }))).toEqual(a);
      expect(await collect(gunzip(chunked(multi, 333), 'x', { forceFflate }))).toEqual(concat(a, b));
    });
    it(`${which}: a body that is not gzip, an empty body, truncations`, async () => {
      const notGzip = await gunzipError(enc.encode('<html>Not found</html>'), forceFflate);
      expect(notGzip.kind).toBe('not-gzip');
      expect(notGzip.message).toContain('test://x');
      expect((await gunzipError(new Uint8Array(0), forceFflate)).kind).toBe('not-gzip');
      // Cut inside the deflate data, and cut inside the 8-byte trailer.
      for (const cut of [gzA.length >> 1, gzA.length - 3, multi.length - 5]) {
        const source = cut < gzA.length ? gzA : multi;
        const error = await gunzipError(source.subarray(0, cut), forceFflate);
        expect(['truncated', 'corrupt']).toContain(error.kind);
        expect(error.message).toContain('test://x');
      }
    });
  }

  it('fflate: a cut inside the trailer is called truncated', async () => {
    expect((await gunzipError(gzA.subarray(0, gzA.length - 3), true)).kind).toBe('truncated');
    expect((await gunzipError(multi.subarray(0, multi.length - 5), true)).kind).toBe('truncated');
  });
});

describe('any of .jsonl, .json, .jsonl.gz, .json.gz: the format is read from the content', () => {
  const docs = [
    { text: 'First document, naïve café 😀', timestamp: 't1', url: 'u1' },
    { text: 'Second document', timestamp: 't2', url: 'u2' },
  ];
  const jsonl = enc.encode(docs.map((d) => JSON.stringify(d)).join('\n') + '\n');
  const array = enc.encode('\uFEFF  ' + JSON.stringify([docs[0], { url: 'no text' }, docs[1]], null, 2));
  const files: [string, Uint8Array][] = [
    ['shard.jsonl', jsonl],
    ['shard.json', jsonl],
    ['array.json', array],
    ['shard.jsonl.gz', new Uint8Array(gzipSync(jsonl))],
    ['shard.json.gz', new Uint8Array(gzipSync(jsonl))],
    ['array.json.gz', new Uint8Array(gzipSync(array))],
    // Names that lie: the content decides.
    ['gzip-named.jsonl', new Uint8Array(gzipSync(jsonl))],
    ['plain-named.json.gz', jsonl],
  ];

  async function documentsOf(name: string, bytes: Uint8Array): Promise<{ texts: string[]; stats: ParseStats | null }> {
    const texts: string[] = [];
    let stats: ParseStats | null = null;
    for await (const d of streamDocuments(fileShard(new File([bytes.slice()], name)), { onStats: (s) => (stats = s) })) texts.push(d.text);
    return { texts, stats };
  }

  for (const [name, bytes] of files) {
    it(name, async () => {
      const { texts, stats } = await documentsOf(name, bytes);
      expect(texts).toEqual(docs.map((d) => d.text));
      expect(stats?.documents).toBe(2);
      if (name.startsWith('array')) expect(stats).toMatchObject({ lines: 3, noText: 1 });
    });
  }

  it('in chunks of one byte, plain and gzip alike', async () => {
    for (const bytes of [jsonl, new Uint8Array(gzipSync(jsonl)), array]) {
      const out = await collect(decompressIfGzip(chunked(bytes, 1), 'x'));
      const parser = new DocumentParser('x');
      const texts = [...parser.push(out.subarray(0, 3)), ...parser.push(out.subarray(3)), ...parser.end()].map((d) => d.text);
      expect(texts).toEqual(docs.map((d) => d.text));
    }
  });

  it('an HTML page, an empty body or a broken array: an error naming the URL and how the body starts', async () => {
    const error = async (bytes: Uint8Array): Promise<DataSourceError> => {
      try {
        await documentsOf('x.json.gz', bytes);
      } catch (e) {
        expect(e).toBeInstanceOf(DataSourceError);
        return e as DataSourceError;
      }
      throw new Error('expected a DataSourceError');
    };
    const html = await error(enc.encode('<!DOCTYPE html>\n<html><head><title>allenai/c4 · Datasets at Hugging Face</title>'));
    expect(html.kind).toBe('unrecognized');
    expect(html.message).toMatch(/^neither JSON lines nor JSON \(nor gzip of them\) for file:x\.json\.gz:\d+:\d+: it starts with "<!DOCTYPE html> <html><head><title>allenai\/c4/);
    expect((await error(new Uint8Array(0))).message).toContain('the body is empty');
    expect((await error(new Uint8Array(gzipSync(enc.encode('  \n'))))).message).toContain('the body holds only whitespace');
    expect((await error(enc.encode('[{"text": "a"},'))).message).toMatch(/starts with "\[" but is not a valid JSON array/);
  });
});

describe('JsonlParser on a line too long to hold', () => {
  it('skips and counts it without buffering it, and keeps the lines around it', () => {
    const parser = new JsonlParser();
    const docs = [...parser.push(enc.encode('{"text":"before"}\n{"text":"'))];
    const piece = new Uint8Array(1 << 20).fill(0x61); // 1 MiB of "a"
    for (let i = 0; i < MAX_LINE_BYTES / piece.length + 2; i++) docs.push(...parser.push(piece));
    expect(parser.bufferedBytes).toBeLessThanOrEqual(MAX_LINE_BYTES);
    docs.push(...parser.push(enc.encode('"}\n{"text":"after"}\n')), ...parser.end());
    expect(docs.map((d) => d.text)).toEqual(['before', 'after']);
    expect(parser.stats).toEqual({ lines: 3, documents: 2, badUtf8: 0, badJson: 0, noText: 0, blank: 0, tooLong: 1 });
  });
});
