// A deterministic byte-level BPE trainer whose output @huggingface/tokenizers loads.
//
// Pre-tokenization is GPT-2's regex (the one the ByteLevel pre-tokenizer of tokenizer.json uses),
// so a word never spans a pre-token boundary. Training counts pairs once, then after each merge
// updates only the words that contained the merged pair; the best pair comes from a max-heap
// with lazy invalidation (counts of old pairs only ever fall, so a stale top is re-pushed with
// its current count). Ties go to the smallest (left id, right id), so the same sample and size
// always give the same merges and therefore the same file.

/** GPT-2's pre-tokenizer pattern, identical to the ByteLevel pre-tokenizer's. */
export const PRETOKENIZE_PATTERN = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

export const END_OF_TEXT = '<|endoftext|>';

/** GPT-2's byte → printable character table used by byte-level tokenizer.json files. */
export const BYTE_TO_UNICODE: readonly string[] = (() => {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const table = new Array<string>(256);
  for (const b of printable) table[b] = String.fromCharCode(b);
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (table[b] === undefined) table[b] = String.fromCharCode(256 + n++);
  }
  return table;
})();

export interface BpeModel {
  /** Total ids: 256 bytes + merges that made new tokens + 1 end-of-text (the last id). */
  vocabSize: number;
  /** Merge rules in rank order: [left id, right id, result id]. */
  merges: Array<[number, number, number]>;
  /** The bytes of every token id below the end-of-text id. */
  tokenBytes: Uint8Array[];
}

export interface TrainOptions {
  vocabSize: number;
  /** Called every 256 merges. */
  onProgress?: (merges: number, target: number) => void;
}

export const MAX_BPE_VOCAB = 65536;

/** Counts pre-tokens of the sample: the only pass over the text. */
export function countWords(texts: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const text of texts) {
    for (const match of text.matchAll(PRETOKENIZE_PATTERN)) {
      const word = match[0];
      counts.set(word, (counts.get(word) ?? 0) + 1);
    }
  }
  return counts;
}

const PAIR_SHIFT = 65536;
const pairKey = (a: number, b: number): number => a * PAIR_SHIFT + b;

/** Max-heap on (count desc, key asc). */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];
  get size(): number {
    return this.counts.length;
  }
  private better(i: number, j: number): boolean {
    const ci = this.counts[i];
    const cj = this.counts[j];
    return ci > cj || (ci === cj && this.keys[i] < this.keys[j]);
  }
  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }
  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): { count: number; key: number } {
    const top = { count: this.counts[0], key: this.keys[0] };
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length > 0) {
      this.counts[0] = lastCount;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < this.counts.length && this.better(l, best)) best = l;
        if (r < this.counts.length && this.better(r, best)) best = r;
        if (best === i) break;
        this.swap(i, best);
        i = best;
      }
    }
    return top;
  }
}

function bytesKey(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_TO_UNICODE[b];
  return s;
}

/** Trains on pre-token counts (see countWords). Deterministic: no dependence on Map order. */
export function trainBpeFromCounts(wordCounts: Map<string, number>, options: TrainOptions): BpeModel {
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 257 || vocabSize > MAX_BPE_VOCAB) {
    throw new Error(`BPE vocabulary size must be an integer in [257, ${MAX_BPE_VOCAB}], got ${vocabSize}`);
  }
  const encoder = new TextEncoder();
  // Sort the words so the result cannot depend on the order the sample was read in.
  const entries = [...wordCounts.entries()].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const words: number[][] = entries.map(([w]) => Array.from(encoder.encode(w)));
  const freq: number[] = entries.map(([, c]) => c);

  const tokenBytes: Uint8Array[] = [];
  const idOfBytes = new Map<string, number>();
  for (let b = 0; b < 256; b++) {
    tokenBytes.push(Uint8Array.of(b));
    idOfBytes.set(BYTE_TO_UNICODE[b], b);
  }

  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  for (let w = 0; w < words.length; w++) {
    const s = words[w];
    for (let i = 0; i + 1 < s.length; i++) {
      const k = pairKey(s[i], s[i + 1]);
      pairCounts.set(k, (pairCounts.get(k) ?? 0) + freq[w]);
      let set = pairWords.get(k);
      if (!set) pairWords.set(k, (set = new Set()));
      set.add(w);
    }
  }
  const heap = new PairHeap();
  for (const [k, c] of pairCounts) heap.push(c, k);

  const merges: Array<[number, number, number]> = [];
  const target = vocabSize - 1; // the last id is end-of-text
  while (tokenBytes.length < target && heap.size > 0) {
    const top = heap.pop();
    const current = pairCounts.get(top.key) ?? 0;
    if (current !== top.count) {
      if (current > 0) heap.push(current, top.key);
      continue;
    }
    if (current < 2) break; // nothing left worth merging
    const a = Math.floor(top.key / PAIR_SHIFT);
    const b = top.key % PAIR_SHIFT;
    const merged = new Uint8Array(tokenBytes[a].length + tokenBytes[b].length);
    merged.set(tokenBytes[a]);
    merged.set(tokenBytes[b], tokenBytes[a].length);
    const mergedKey = bytesKey(merged);
    let z = idOfBytes.get(mergedKey);
    if (z === undefined) {
      z = tokenBytes.length;
      tokenBytes.push(merged);
      idOfBytes.set(mergedKey, z);
    }
    merges.push([a, b, z]);

    const touched = new Set<number>();
    const affected = [...(pairWords.get(top.key) ?? [])].sort((x, y) => x - y);
    pairWords.delete(top.key);
    for (const w of affected) {
      const s = words[w];
      const c = freq[w];
      for (let i = 0; i + 1 < s.length; i++) {
        const k = pairKey(s[i], s[i + 1]);
        const left = (pairCounts.get(k) ?? 0) - c;
        if (left > 0) pairCounts.set(k, left);
        else pairCounts.delete(k);
      }
      const next: number[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i + 1 < s.length && s[i] === a && s[i + 1] === b) {
          next.push(z);
          i++;
        } else next.push(s[i]);
      }
      words[w] = next;
      for (let i = 0; i + 1 < next.length; i++) {
        const k = pairKey(next[i], next[i + 1]);
        pairCounts.set(k, (pairCounts.get(k) ?? 0) + c);
        let set = pairWords.get(k);
        if (!set) pairWords.set(k, (set = new Set()));
        set.add(w);
        if (next[i] === z || next[i + 1] === z) touched.add(k);
      }
    }
    // Only pairs with the new token can have grown; push them with their final counts.
    for (const k of [...touched].sort((x, y) => x - y)) {
      const c = pairCounts.get(k) ?? 0;
      if (c > 0) heap.push(c, k);
    }
    if (options.onProgress && merges.length % 256 === 0) options.onProgress(merges.length, target - 256);
  }
  return { vocabSize: tokenBytes.length + 1, merges, tokenBytes };
}

export function trainBpe(texts: Iterable<string>, options: TrainOptions): BpeModel {
  return trainBpeFromCounts(countWords(texts), options);
}

/**
 * The lab's own encoder, straight from the merge list (lowest rank first, leftmost on ties).
 * It is the reference the @huggingface/tokenizers encoding is checked against.
 */
export function encodeWithMerges(model: BpeModel, text: string): number[] {
  const ranks = new Map<number, number>();
  model.merges.forEach(([a, b], rank) => {
    const k = pairKey(a, b);
    if (!ranks.has(k)) ranks.set(k, rank);
  });
  const encoder = new TextEncoder();
  const ids: number[] = [];
  for (const match of text.matchAll(PRETOKENIZE_PATTERN)) {
    const s = Array.from(encoder.encode(match[0]));
    for (;;) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < s.length; i++) {
        const r = ranks.get(pairKey(s[i], s[i + 1]));
        if (r !== undefined && r < bestRank) {
          bestRank = r;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      const [a, b, z] = model.merges[bestRank];
      for (let i = 0; i + 1 < s.length; i++) {
        if (s[i] === a && s[i + 1] === b) s.splice(i, 2, z);
      }
    }
    ids.push(...s);
  }
  return ids;
}

/** tokenizer.json as the Hugging Face tokenizers library (Rust and JS) reads it. */
export function toTokenizerJson(model: BpeModel): Record<string, unknown> {
  const eotId = model.vocabSize - 1;
  const vocab: Record<string, number> = {};
  model.tokenBytes.forEach((bytes, id) => {
    vocab[bytesKey(bytes)] = id;
  });
  const merges = model.merges.map(([a, b]) => [bytesKey(model.tokenBytes[a]), bytesKey(model.tokenBytes[b])]);
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: eotId, content: END_OF_TEXT, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** Canonical text of a tokenizer.json: keys in a fixed (sorted) order, no whitespace. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`).join(',')}}`;
}

export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** sha256 of the canonical JSON: the tokenizer's identity in configs and cache keys. */
export function tokenizerJsonHash(json: unknown): Promise<string> {
  return sha256Hex(canonicalJson(json));
}

/** Default size of the text sample a BPE is trained on (characters of whole documents). */
export const DEFAULT_BPE_SAMPLE_CHARS = 4_000_000;
export const DEFAULT_BPE_VOCAB = 4096;

/** Whole documents, in order, until `maxChars` characters have been taken. */
export function takeSample(texts: Iterable<string>, maxChars = DEFAULT_BPE_SAMPLE_CHARS): string[] {
  const sample: string[] = [];
  let total = 0;
  for (const text of texts) {
    if (total >= maxChars) break;
    sample.push(text);
    total += text.length;
  }
  return sample;
}
