// The token files the PyTorch package trains on: data/train.bin and data/validation.bin hold the
// tokenized shards as flat little-endian unsigned integers (each document followed by the
// end-of-text id, exactly as src/data packs them), and data/meta.json says how to read them.
// train.py memory-maps them with numpy and samples them with the lab's own TokenStream rules.

export const TOKEN_FILES_FORMAT = 'cbs-lab-tokens';

export type TokenDtype = 'uint16' | 'uint32';

export interface TokenSplitMeta {
  file: string;
  tokens: number;
  /** Every shard was read to its end (false: the token budget stopped the reading first). */
  exhausted: boolean;
  /** The shards, in the order they were read. */
  sources: string[];
}

export interface TokenFilesMeta {
  format: typeof TOKEN_FILES_FORMAT;
  version: 1;
  dtype: TokenDtype;
  vocabSize: number;
  eotId: number;
  /** The tokenizer's exact identity ('bytes', 'gpt2', 'bpe-<vocab>-<sha256>'). */
  tokenizer: string;
  train: TokenSplitMeta;
  validation: TokenSplitMeta;
}

export function tokenDtype(vocabSize: number): TokenDtype {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

/** Token ids as the bytes of a little-endian array of `dtype`. */
export function tokenBytes(tokens: ArrayLike<number>, dtype: TokenDtype): Uint8Array {
  const width = dtype === 'uint16' ? 2 : 4;
  const out = new Uint8Array(tokens.length * width);
  const view = new DataView(out.buffer);
  for (let i = 0; i < tokens.length; i++) {
    if (dtype === 'uint16') view.setUint16(i * 2, tokens[i], true);
    else view.setUint32(i * 4, tokens[i], true);
  }
  return out;
}
