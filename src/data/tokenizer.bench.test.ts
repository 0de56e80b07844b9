// Throughput of the BPE tokenizer on the bundled train shard. It prints figures and asserts
// only on correctness (no timed assertions). Reproduce: npx vitest run src/data/tokenizer.bench.test.ts
import { describe, expect, it } from 'vitest';
import { fileShard, streamDocuments } from './shards';
import { BpeTokenizer, ByteTokenizer, loadGpt2Tokenizer, type TextTokenizer } from './tokenizer';
import { bundledManifest, readBundled, readBundledText } from './test-helpers';

const MAX_CHARS = 3_000_000;

async function bench(tokenizer: TextTokenizer): Promise<{ tokens: number; chars: number; seconds: number }> {
  const manifest = bundledManifest();
  const ref = fileShard(Object.assign(new Blob([readBundled(manifest.train.file)]), { name: manifest.train.file }));
  const texts: string[] = [];
  let chars = 0;
  for await (const doc of streamDocuments(ref)) {
    texts.push(doc.text);
    chars += doc.text.length;
    if (chars >= MAX_CHARS) break;
  }
  const started = performance.now();
  let tokens = 0;
  for (const text of texts) tokens += tokenizer.encode(text).length + 1;
  return { tokens, chars, seconds: (performance.now() - started) / 1000 };
}

describe('tokenizer throughput (prints, does not assert on time)', () => {
  for (const [name, make] of [
    ['bundled BPE 4096 (@huggingface/tokenizers)', async () => BpeTokenizer.fromJson(JSON.parse(readBundledText('tokenizer.json')) as Record<string, unknown>)],
    [
      'bundled BPE 4096, whole-text library encoding (no memo)',
      async (): Promise<TextTokenizer> => {
        const t = await BpeTokenizer.fromJson(JSON.parse(readBundledText('tokenizer.json')) as Record<string, unknown>);
        return { kind: t.kind, id: t.id, vocabSize: t.vocabSize, eotId: t.eotId, encode: (x) => t.encodeWhole(x), decode: (ids) => t.decode(ids) };
      },
    ],
    ['bytes', async () => new ByteTokenizer()],
    ['GPT-2 (js-tiktoken)', loadGpt2Tokenizer],
  ] as const) {
    it(name, async () => {
      const { tokens, chars, seconds } = await bench(await make());
      console.log(
        `${name}: ${tokens} tokens from ${(chars / 1e6).toFixed(1)} M chars in ${seconds.toFixed(2)} s = ` +
          `${(tokens / seconds / 1e6).toFixed(2)} M tokens/s (${(chars / seconds / 1e6).toFixed(2)} M chars/s)`,
      );
      expect(tokens).toBeGreaterThan(chars / 8);
    });
  }
});
