// Turns the experiment's data and tokenizer settings into the data pipeline's objects, inside
// the worker. A tokenizer pinned by hash in a shared link must be the one we load, or the run
// would not reproduce.
import {
  bundledDataset,
  loadTokenizer,
  urlDataset,
  type DatasetSpec,
  type TextTokenizer,
  type TokenCache,
  type TokenizerChoice,
} from '../data';
import type { DataSourceSpec, TokenizerSpec } from '../state/schema';

const BUNDLED_BPE_VOCAB = 4096;

export function datasetFor(source: DataSourceSpec): DatasetSpec {
  switch (source.kind) {
    case 'bundled':
      return bundledDataset();
    case 'urls':
      return urlDataset(source.train, source.validation);
    case 'local':
      throw new Error(
        `this experiment trains on local files (${source.train.join(', ')}); pick them again in the data settings, ` +
          'since a browser never shares local files through a link',
      );
  }
}

export function tokenizerChoice(spec: TokenizerSpec, source: DataSourceSpec): TokenizerChoice {
  switch (spec.kind) {
    case 'byte':
      return { kind: 'bytes' };
    case 'gpt2':
      return { kind: 'gpt2' };
    case 'bpe':
      // The lab ships the BPE it trained on the bundled shards; anything else is trained here.
      return source.kind === 'bundled' && spec.vocabSize === BUNDLED_BPE_VOCAB
        ? { kind: 'bpe-bundled' }
        : { kind: 'bpe-trained', vocabSize: spec.vocabSize };
  }
}

export async function tokenizerFor(spec: TokenizerSpec, source: DataSourceSpec, cache: TokenCache | null): Promise<TextTokenizer> {
  const tokenizer = await loadTokenizer(tokenizerChoice(spec, source), { spec: datasetFor(source), cache });
  if (spec.kind === 'bpe' && spec.hash && !tokenizer.id.endsWith(spec.hash)) {
    throw new Error(
      `the tokenizer built here (${tokenizer.id}) is not the one this experiment names (…${spec.hash}): ` +
        'its data or settings differ, so results would not reproduce',
    );
  }
  return tokenizer;
}
