// Vocabulary sizes of the fixed tokenizers, in a module of their own so that the page's estimate
// can read them without loading the tokenizers.

/** The byte tokenizer's vocabulary: 256 byte ids and end-of-text. */
export const BYTE_VOCAB_SIZE = 257;
/** GPT-2's vocabulary, end-of-text included. */
export const GPT2_VOCAB_SIZE = 50257;
