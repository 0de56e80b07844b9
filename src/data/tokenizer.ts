// Tokenizers behind one interface. Token ids are plain numbers; encode returns a Uint32Array.
// `id` names the tokenizer exactly (a trained BPE is named by the sha256 of its canonical
// tokenizer.json), so it can go into an experiment config and into cache keys.
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { BYTE_VOCAB_SIZE, GPT2_VOCAB_SIZE } from './vocab';
import { BYTE_TO_UNICODE, END_OF_TEXT, PRETOKENIZE_PATTERN, tokenizerJsonHash, toTokenizerJson, type BpeModel } from './bpe';

export type TokenizerKind = 'bytes' | 'bpe' | 'gpt2';

export interface TextTokenizer {
  readonly kind: TokenizerKind;
  /** Exact identity: 'bytes', 'gpt2', or 'bpe-<vocab>-<sha256 of canonical tokenizer.json>'. */
  readonly id: string;
  readonly vocabSize: number;
  /** The end-of-text id that separates documents. */
  readonly eotId: number;
  encode(text: string): Uint32Array;
  /** Inverse of encode; the end-of-text id decodes to '<|endoftext|>'. */
  decode(ids: ArrayLike<number>): string;
}

/** 256 byte ids plus end-of-text = 256. */
export class ByteTokenizer implements TextTokenizer {
  readonly kind = 'bytes';
  readonly id = 'bytes';
  readonly vocabSize = BYTE_VOCAB_SIZE;
  readonly eotId = 256;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8');
  encode(text: string): Uint32Array {
    return Uint32Array.from(this.encoder.encode(text));
  }
  decode(ids: ArrayLike<number>): string {
    let out = '';
    let run: number[] = [];
    const flush = (): void => {
      if (run.length > 0) out += this.decoder.decode(Uint8Array.from(run));
      run = [];
    };
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === this.eotId) {
        flush();
        out += END_OF_TEXT;
      } else if (id >= 0 && id < 256) run.push(id);
      else throw new RangeError(`byte tokenizer: id ${id} out of range`);
    }
    flush();
    return out;
  }
}

/** Pre-tokens whose encodings are memoized before the memo is cleared. */
const WORD_CACHE_LIMIT = 1 << 18;

/**
 * A byte-level BPE tokenizer.json, used through @huggingface/tokenizers. encode() splits the
 * text with the ByteLevel pre-tokenizer's own regex and runs the library's BPE model once per
 * distinct pre-token, memoizing the ids: a pre-token's encoding does not depend on its neighbours, so
 * this equals the library's whole-text encoding (tests check it on real text), at many times
 * its speed. One deliberate difference: a literal '<|endoftext|>' inside a document stays
 * text, as with the GPT-2 tokenizer here, rather than becoming the separator id.
 */
export class BpeTokenizer implements TextTokenizer {
  readonly kind = 'bpe';
  readonly id: string;
  readonly vocabSize: number;
  readonly eotId: number;
  readonly hash: string;
  readonly json: Record<string, unknown>;
  private readonly hf: HfTokenizer;

  private constructor(json: Record<string, unknown>, hash: string) {
    const model = json.model as { vocab?: Record<string, number> } | undefined;
    const added = (json.added_tokens as Array<{ id: number; content: string }> | undefined) ?? [];
    const eot = added.find((t) => t.content === END_OF_TEXT);
    if (!model?.vocab || !eot) throw new Error('tokenizer.json: expected a BPE model and an <|endoftext|> added token');
    this.json = json;
    this.hash = hash;
    this.eotId = eot.id;
    this.vocabSize = Math.max(eot.id, ...Object.values(model.vocab)) + 1;
    this.id = `bpe-${this.vocabSize}-${hash}`;
    this.hf = new HfTokenizer(json, { clean_up_tokenization_spaces: false });
  }

  static async fromJson(json: Record<string, unknown>): Promise<BpeTokenizer> {
    return new BpeTokenizer(json, await tokenizerJsonHash(json));
  }

  static fromModel(model: BpeModel): Promise<BpeTokenizer> {
    return BpeTokenizer.fromJson(toTokenizerJson(model));
  }

  private readonly words = new Map<string, number[]>();

  encode(text: string): Uint32Array {
    const out: number[] = [];
    for (const match of text.matchAll(PRETOKENIZE_PATTERN)) {
      const word = match[0];
      let ids = this.words.get(word);
      if (ids === undefined) {
        ids = this.encodeWord(word);
        if (this.words.size >= WORD_CACHE_LIMIT) this.words.clear();
        this.words.set(word, ids);
      }
      for (const id of ids) out.push(id);
    }
    return Uint32Array.from(out);
  }

  private readonly utf8 = new TextEncoder();

  /** One pre-token through the library's BPE model (the ByteLevel pre-tokenizer's byte mapping). */
  private encodeWord(word: string): number[] {
    const model = this.hf.model;
    if (!model) throw new Error('tokenizer.json has no model');
    let chars = '';
    for (const byte of this.utf8.encode(word)) chars += BYTE_TO_UNICODE[byte];
    return model.encode([chars]).map((piece) => {
      const id = model.tokens_to_ids.get(piece);
      if (id === undefined) throw new Error(`BPE produced a token outside its vocabulary: ${piece}`);
      return id;
    });
  }

  /** The library's whole-text encoding, without memoization (the reference for encode). */
  encodeWhole(text: string): Uint32Array {
    return Uint32Array.from(this.hf.encode(text, { add_special_tokens: false }).ids);
  }

  decode(ids: ArrayLike<number>): string {
    if (ids.length === 0) return ''; // the library refuses an empty list
    return this.hf.decode(Array.from(ids), { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }
}

/** GPT-2's 50257-token BPE (end-of-text 50256), from js-tiktoken; loaded on demand (0.5 MB). */
export async function loadGpt2Tokenizer(): Promise<TextTokenizer> {
  const [{ Tiktoken }, ranks] = await Promise.all([import('js-tiktoken/lite'), import('js-tiktoken/ranks/gpt2')]);
  const tiktoken = new Tiktoken(ranks.default);
  return {
    kind: 'gpt2',
    id: 'gpt2',
    vocabSize: GPT2_VOCAB_SIZE,
    eotId: GPT2_VOCAB_SIZE - 1,
    // Text that happens to contain '<|endoftext|>' is encoded as plain text, not as the special id.
    encode: (text) => Uint32Array.from(tiktoken.encode(text, [], [])),
    decode: (ids) => tiktoken.decode(Array.from(ids)),
  };
}

/**
 * The tokenizer as a Hugging Face tokenizer.json, to ship beside trained weights: a trained BPE's
 * own file, or for bytes a byte-level BPE with no merges (the same 256 ids, end-of-text 256).
 * null for GPT-2, whose tokenizer.json is the hub's (openai-community/gpt2).
 */
export function tokenizerJsonOf(tokenizer: TextTokenizer): Record<string, unknown> | null {
  if (tokenizer instanceof BpeTokenizer) return tokenizer.json;
  if (tokenizer.kind === 'bytes') {
    const tokenBytes = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
    return toTokenizerJson({ vocabSize: 257, merges: [], tokenBytes });
  }
  return null;
}

/** Where the pre-built BPE for the bundled shards lives, relative to the data folder. */
export const BUNDLED_TOKENIZER_FILE = 'tokenizer.json';

export { BYTE_TO_UNICODE };
