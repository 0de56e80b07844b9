import { describe, expect, it } from 'vitest';
import { loadDatasetTokens } from './corpus';
import { appendDocument, epochPermutation, sequenceCount, TokenBuffer, TokenStream, validationBatch } from './pack';
import { fileShard } from './shards';
import { BpeTokenizer } from './tokenizer';
import { bundledManifest, readBundled, readBundledText } from './test-helpers';

/** A corpus whose token at position p is p (mod 2^16): every sequence is identifiable. */
function rampCorpus(length: number): Uint16Array {
  return Uint16Array.from({ length }, (_, i) => i % 65536);
}

describe('packing', () => {
  it('joins documents with end-of-text', () => {
    const buffer = new TokenBuffer(300, 2);
    appendDocument(buffer, [1, 2, 3], 299);
    appendDocument(buffer, [4], 299);
    expect(Array.from(buffer.toArray())).toEqual([1, 2, 3, 299, 4, 299]);
    expect(buffer.toArray()).toBeInstanceOf(Uint16Array);
    expect(new TokenBuffer(70000).toArray()).toBeInstanceOf(Uint32Array);
  });

  it('cuts sequences of context + 1 tokens; targets are inputs shifted by one', () => {
    const C = 8;
    const tokens = rampCorpus(1000);
    const stream = new TokenStream(tokens, { context: C, dataSeed: 1 });
    expect(stream.sequences).toBe(sequenceCount(1000, C));
    expect(stream.sequences).toBe(Math.floor(999 / 8));
    const { inputs, targets } = stream.nextBatch(5);
    for (let s = 0; s < 5; s++) {
      const start = inputs[s * C];
      expect(start % C).toBe(0);
      for (let t = 0; t < C; t++) {
        expect(inputs[s * C + t]).toBe(start + t);
        expect(targets[s * C + t]).toBe(start + t + 1);
      }
    }
  });
});

describe('sampler', () => {
  const tokens = rampCorpus(64 * 500 + 1);
  const C = 64;

  it('is deterministic for a data seed, and differs between seeds', () => {
    const a = new TokenStream(tokens, { context: C, dataSeed: 1234 }).nextBatch(50).inputs;
    const b = new TokenStream(tokens, { context: C, dataSeed: 1234 }).nextBatch(50).inputs;
    const c = new TokenStream(tokens, { context: C, dataSeed: 1235 }).nextBatch(50).inputs;
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('gives every batch size the same token order', () => {
    const big = new TokenStream(tokens, { context: C, dataSeed: 7 });
    const small = new TokenStream(tokens, { context: C, dataSeed: 7 });
    const fromBig = [...big.nextBatch(32).inputs, ...big.nextBatch(32).inputs];
    const fromSmall: number[] = [];
    for (let i = 0; i < 16; i++) fromSmall.push(...small.nextBatch(4).inputs);
    expect(fromSmall).toEqual(fromBig);
  });

  it('never repeats a sequence within an epoch, covers them all, then warns with the epoch count', () => {
    const warnings: string[] = [];
    const stream = new TokenStream(tokens, { context: C, dataSeed: 99, onWarning: (w) => warnings.push(w) });
    expect(stream.sequences).toBe(500);
    const seen = new Set<number>();
    for (let step = 0; step < 50; step++) {
      const { inputs } = stream.nextBatch(10);
      for (let s = 0; s < 10; s++) seen.add(inputs[s * C] / C);
    }
    expect(seen.size).toBe(500);
    expect(warnings).toEqual([]);
    stream.nextBatch(1);
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toContain('epoch 2');
    expect(stream.epochs).toBe(2);
    // The second epoch is a different permutation, still without repeats.
    expect(Array.from(epochPermutation(500, 99, 1))).not.toEqual(Array.from(epochPermutation(500, 99, 0)));
    expect(new Set(epochPermutation(500, 99, 1)).size).toBe(500);
  });

  it('restores its position exactly from a checkpointed state (also across an epoch boundary)', () => {
    const stream = new TokenStream(tokens, { context: C, dataSeed: 5 });
    stream.nextBatch(37);
    const state = JSON.parse(JSON.stringify(stream.position())) as ReturnType<TokenStream['position']>;
    const expected = [stream.nextBatch(300).inputs, stream.nextBatch(300).inputs];
    const resumed = new TokenStream(tokens, { context: C, dataSeed: 5 });
    resumed.restore(state);
    expect([resumed.nextBatch(300).inputs, resumed.nextBatch(300).inputs]).toEqual(expected);
    expect(() => new TokenStream(tokens, { context: C, dataSeed: 6 }).restore(state)).toThrow(/different/);
  });

  it('validation batches are fixed and non-overlapping: all sequences when few, else evenly spread', () => {
    const v = validationBatch(rampCorpus(100), 8, 50);
    expect(v.sequences).toBe(11);
    expect(v.inputs[8]).toBe(9);
    expect(v.targets[7]).toBe(8);
    // 11 sequences of 9 tokens fit; asking for 3 takes every third (stride 3: starts 0, 27, 54).
    const spread = validationBatch(rampCorpus(100), 8, 3);
    expect(spread.sequences).toBe(3);
    expect([spread.inputs[0], spread.inputs[8], spread.inputs[16]]).toEqual([0, 27, 54]);
    expect(spread.targets[8]).toBe(28);
  });
});

describe('train and validation tokens of the bundled shards', () => {
  it('share no 64-token window (BPE tokens through the streaming pipeline)', async () => {
    const manifest = bundledManifest();
    const tokenizer = await BpeTokenizer.fromJson(JSON.parse(readBundledText('tokenizer.json')) as Record<string, unknown>);
    const shard = (file: string) => fileShard(Object.assign(new Blob([readBundled(file)]), { name: file }));
    const prefix = await loadDatasetTokens([shard(manifest.train.file)], tokenizer, { maxTokens: 1000 });
    expect(prefix.exhausted).toBe(false);
    expect(prefix.tokens.length).toBe(1000);
    const train = await loadDatasetTokens([shard(manifest.train.file)], tokenizer);
    const validation = await loadDatasetTokens([shard(manifest.validation.file)], tokenizer);
    expect(train.exhausted).toBe(true);
    expect(Array.from(train.tokens.subarray(0, 1000))).toEqual(Array.from(prefix.tokens));
    expect(train.tokens.length).toBeGreaterThan(2_000_000);
    console.log(`bundled shards in BPE 4096 tokens: train ${train.tokens.length}, validation ${validation.tokens.length}`);
    expect(validation.exhausted).toBe(true);
    expect(validation.tokens.length).toBeGreaterThan(100_000);
    expect(validation.tokens.at(-1)).toBe(tokenizer.eotId);

    const W = 64;
    const windowHash = (t: ArrayLike<number>, at: number): number => {
      let h = 0x811c9dc5;
      for (let i = 0; i < W; i++) h = Math.imul(h ^ t[at + i], 0x01000193) >>> 0;
      return h;
    };
    const validationWindows = new Map<number, number>();
    for (let at = 0; at + W <= validation.tokens.length; at += 1) validationWindows.set(windowHash(validation.tokens, at), at);
    let shared = 0;
    for (let at = 0; at + W <= train.tokens.length; at++) {
      const v = validationWindows.get(windowHash(train.tokens, at));
      if (v === undefined) continue;
      let same = true;
      for (let i = 0; i < W && same; i++) same = train.tokens[at + i] === validation.tokens[v + i];
      if (same) shared++;
    }
    expect(shared).toBe(0);
  });
});
