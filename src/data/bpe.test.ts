import { describe, expect, it } from 'vitest';
import {
  BYTE_TO_UNICODE,
  canonicalJson,
  countWords,
  DEFAULT_BPE_SAMPLE_CHARS,
  DEFAULT_BPE_VOCAB,
  encodeWithMerges,
  takeSample,
  tokenizerJsonHash,
  toTokenizerJson,
  trainBpe,
  trainBpeFromCounts,
  type BpeModel,
} from './bpe';
import { BpeTokenizer, ByteTokenizer, loadGpt2Tokenizer } from './tokenizer';
import { bundledDocuments, bundledManifest, readBundledText } from './test-helpers';

const train = bundledDocuments('train');
const validation = bundledDocuments('validation');
const smallSample = takeSample(train.map((d) => d.text), 300_000);

/** The textbook trainer: recount every pair before every merge. Slow; the reference. */
function naiveMerges(texts: string[], vocabSize: number): Array<[number, number]> {
  const counts = countWords(texts);
  const entries = [...counts.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1));
  const enc = new TextEncoder();
  let words = entries.map(([w]) => Array.from(enc.encode(w)));
  const freq = entries.map(([, c]) => c);
  const merges: Array<[number, number]> = [];
  let next = 256;
  while (next < vocabSize - 1) {
    const pairs = new Map<number, number>();
    words.forEach((s, w) => {
      for (let i = 0; i + 1 < s.length; i++) pairs.set(s[i] * 65536 + s[i + 1], (pairs.get(s[i] * 65536 + s[i + 1]) ?? 0) + freq[w]);
    });
    let best = -1;
    let bestCount = 1;
    for (const [k, c] of pairs) if (c > bestCount || (c === bestCount && best >= 0 && k < best)) [best, bestCount] = [k, c];
    if (best < 0) break;
    const a = Math.floor(best / 65536);
    const b = best % 65536;
    merges.push([a, b]);
    const z = next++;
    words = words.map((s) => {
      const out: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          out.push(z);
          i++;
        } else out.push(s[i]);
      }
      return out;
    });
  }
  return merges;
}

const TRICKY = [
  'Hello, world! It\'s 2026 and we\'re testing: naïve café, Ærøskøbing, 東京, Ελληνικά, 😀👍🏽 — “quotes”.',
  '   leading and trailing spaces   \n\n\ttabs\r\nwindows newlines\u00a0nbsp\u200bzero-width',
  'e\u0301 combining accent, ﬁ ligature, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢, \u0000 nul, \u{10FFFF} max',
  '',
];

describe('byte-level BPE trainer', () => {
  it('with incremental pair counting gives the same merges as recounting every pair', () => {
    const model = trainBpe(smallSample.slice(0, 40), { vocabSize: 400 });
    const reference = naiveMerges(smallSample.slice(0, 40), 400);
    expect(model.merges.map(([a, b]) => [a, b])).toEqual(reference);
    expect(model.vocabSize).toBe(400);
  });

  it('is deterministic: same sample and size give the same file hash, whatever the document order', async () => {
    const h1 = await tokenizerJsonHash(toTokenizerJson(trainBpe(smallSample, { vocabSize: 1024 })));
    const h2 = await tokenizerJsonHash(toTokenizerJson(trainBpe(smallSample, { vocabSize: 1024 })));
    const h3 = await tokenizerJsonHash(toTokenizerJson(trainBpe([...smallSample].reverse(), { vocabSize: 1024 })));
    const h4 = await tokenizerJsonHash(toTokenizerJson(trainBpe(smallSample, { vocabSize: 1000 })));
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
    expect(h2).toBe(h1);
    expect(h3).toBe(h1);
    expect(h4).not.toBe(h1);
  });

  it('reproduces the shipped tokenizer.json exactly from the bundled train shard', async () => {
    const shipped = readBundledText('tokenizer.json');
    const manifest = bundledManifest();
    const model = trainBpeFromCounts(countWords(takeSample(train.map((d) => d.text), DEFAULT_BPE_SAMPLE_CHARS)), {
      vocabSize: DEFAULT_BPE_VOCAB,
    });
    const json = toTokenizerJson(model);
    expect(canonicalJson(json)).toBe(shipped);
    expect(await tokenizerJsonHash(json)).toBe(manifest.tokenizer.sha256);
    expect(model.vocabSize).toBe(4096);
  });
});

describe('BPE through @huggingface/tokenizers', () => {
  let model: BpeModel;
  let tokenizer: BpeTokenizer;
  it('loads the shipped tokenizer.json; its id carries the sha256', async () => {
    tokenizer = await BpeTokenizer.fromJson(JSON.parse(readBundledText('tokenizer.json')) as Record<string, unknown>);
    expect(tokenizer.vocabSize).toBe(4096);
    expect(tokenizer.eotId).toBe(4095);
    expect(tokenizer.id).toBe(`bpe-4096-${bundledManifest().tokenizer.sha256}`);
    model = trainBpe(takeSample(train.map((d) => d.text)), { vocabSize: 4096 });
  });

  it('encodes exactly as the trainer\'s own merge-list encoder, on held-out validation text', () => {
    let tokens = 0;
    for (const doc of validation.slice(0, 40)) {
      const ids = Array.from(tokenizer.encode(doc.text));
      expect(ids).toEqual(encodeWithMerges(model, doc.text));
      tokens += ids.length;
    }
    for (const text of TRICKY) expect(Array.from(tokenizer.encode(text))).toEqual(encodeWithMerges(model, text));
    expect(tokens).toBeGreaterThan(10_000);
  });

  it('memoized per pre-token encoding equals the library\'s whole-text encoding', () => {
    for (const doc of validation.slice(40, 100)) expect(tokenizer.encode(doc.text)).toEqual(tokenizer.encodeWhole(doc.text));
    for (const text of TRICKY) expect(tokenizer.encode(text)).toEqual(tokenizer.encodeWhole(text));
  });

  it('round-trips: decode(encode(x)) = x, and compresses English about 4 bytes per token', () => {
    let bytes = 0;
    let tokens = 0;
    for (const doc of validation.slice(0, 60)) {
      const ids = tokenizer.encode(doc.text);
      expect(tokenizer.decode(ids)).toBe(doc.text);
      bytes += new TextEncoder().encode(doc.text).length;
      tokens += ids.length;
    }
    for (const text of TRICKY) expect(tokenizer.decode(tokenizer.encode(text))).toBe(text);
    const bytesPerToken = bytes / tokens;
    console.log(`bundled BPE 4096: ${bytesPerToken.toFixed(2)} bytes per token on validation text`);
    expect(bytesPerToken).toBeGreaterThan(3);
    expect(bytesPerToken).toBeLessThan(6);
    expect(tokenizer.decode([tokenizer.eotId])).toBe('<|endoftext|>');
  });
});

describe('byte-level tokenizer', () => {
  it('round-trips real and tricky text; ids are the UTF-8 bytes; end-of-text is 256', () => {
    const t = new ByteTokenizer();
    for (const text of [...TRICKY, ...validation.slice(0, 20).map((d) => d.text)]) {
      const ids = t.encode(text);
      expect(Array.from(ids)).toEqual(Array.from(new TextEncoder().encode(text)));
      expect(t.decode(ids)).toBe(text);
    }
    expect(t.vocabSize).toBe(257);
    expect(t.decode([72, 105, 256, 33])).toBe('Hi<|endoftext|>!');
  });
  it('the byte → character table is a bijection onto 256 printable characters', () => {
    expect(new Set(BYTE_TO_UNICODE).size).toBe(256);
    expect(BYTE_TO_UNICODE[0x20]).toBe('Ġ');
    expect(BYTE_TO_UNICODE[0x41]).toBe('A');
  });
});

describe('GPT-2 BPE (js-tiktoken)', () => {
  it('matches GPT-2 ids and round-trips', async () => {
    const t = await loadGpt2Tokenizer();
    expect(Array.from(t.encode('Hello world'))).toEqual([15496, 995]);
    expect(t.eotId).toBe(50256);
    for (const text of [...TRICKY, validation[0].text]) expect(t.decode(t.encode(text))).toBe(text);
    expect(Array.from(t.encode('a<|endoftext|>b'))).not.toContain(50256);
  });
});
