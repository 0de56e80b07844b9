import { describe, expect, it } from 'vitest';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { BpeTokenizer, ByteTokenizer, tokenizerJsonOf } from './tokenizer';
import { trainBpe } from './bpe';

const TEXT = 'The critical batch size — naïve 東京 ✓ doubling B halves the steps.\nNew line, tabs\tand "quotes".';

describe('tokenizer.json beside trained weights', () => {
  it('bytes: @huggingface/tokenizers loads it and encodes exactly as the lab’s byte tokenizer', () => {
    const json = tokenizerJsonOf(new ByteTokenizer());
    expect(json).not.toBeNull();
    const hf = new HfTokenizer(json as Record<string, unknown>, { clean_up_tokenization_spaces: false });
    const ids = hf.encode(TEXT, { add_special_tokens: false }).ids;
    expect(ids).toEqual([...new ByteTokenizer().encode(TEXT)]);
    expect(hf.decode(ids, { skip_special_tokens: false, clean_up_tokenization_spaces: false })).toBe(TEXT);
    expect(hf.token_to_id('<|endoftext|>')).toBe(256);
  });

  it('a trained BPE: its own tokenizer.json, which the library loads to the same ids', async () => {
    const bpe = await BpeTokenizer.fromModel(trainBpe([TEXT.repeat(20)], { vocabSize: 300 }));
    const json = tokenizerJsonOf(bpe);
    expect(json).toBe(bpe.json);
    const hf = new HfTokenizer(json as Record<string, unknown>, { clean_up_tokenization_spaces: false });
    expect(hf.encode(TEXT, { add_special_tokens: false }).ids).toEqual([...bpe.encode(TEXT)]);
  });
});
