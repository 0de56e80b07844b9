// Turns the experiment's data and tokenizer settings into the data pipeline's objects, inside
// the worker. A tokenizer pinned by hash in a shared link must be the one we load, or the run
// would not reproduce.
import {
  bundledDataset,
  fileDataset,
  loadTokenizer,
  pinHubRevisions,
  urlDataset,
  type PinOptions,
  type DatasetSpec,
  type TextTokenizer,
  type TokenCache,
  type TokenizerChoice,
} from '../data';
import type { DataRevision, DataSourceSpec, TokenizerSpec } from '../experiment/schema';

const BUNDLED_BPE_VOCAB = 4096;

/** Files the user picked for a 'local' data source: the config holds only their names. */
export interface LocalFiles {
  train: File[];
  validation: File[];
}

/** `baseUrl`: the site root the bundled data is served under (default: the page's). */
export function datasetFor(source: DataSourceSpec, files: LocalFiles | null = null, baseUrl?: string): DatasetSpec {
  switch (source.kind) {
    case 'bundled':
      return bundledDataset(baseUrl);
    case 'urls':
      return urlDataset(source.train, source.validation);
    case 'local': {
      const names = (list: File[]) => list.map((f) => f.name).join('\n');
      if (!files || names(files.train) !== source.train.join('\n') || names(files.validation) !== source.validation.join('\n')) {
        throw new Error(
          `this experiment trains on local files (${[...source.train, ...source.validation].join(', ')}); pick them in the data ` +
            'settings, since a browser never shares local files through a link',
        );
      }
      return fileDataset(files.train, files.validation);
    }
  }
}

/**
 * The data source as the runs read it: hub URLs pinned to the commit their revision names now
 * (so every run reads the same bytes), and the revisions, for the results. Other sources as given.
 */
export async function pinDataSource(source: DataSourceSpec, options: PinOptions = {}): Promise<{ data: DataSourceSpec; revisions: DataRevision[] }> {
  if (source.kind !== 'urls') return { data: source, revisions: [] };
  const { urls, revisions } = await pinHubRevisions([...source.train, ...source.validation], options);
  return { data: { kind: 'urls', train: urls.slice(0, source.train.length), validation: urls.slice(source.train.length) }, revisions };
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

export async function tokenizerFor(
  spec: TokenizerSpec,
  source: DataSourceSpec,
  cache: TokenCache | null,
  files: LocalFiles | null = null,
  baseUrl?: string,
): Promise<TextTokenizer> {
  // Only a BPE trained here reads the data; the others must not fail on local files not yet picked.
  const choice = tokenizerChoice(spec, source);
  const tokenizer = await loadTokenizer(choice, { spec: choice.kind === 'bpe-trained' ? datasetFor(source, files, baseUrl) : undefined, cache, baseUrl });
  if (spec.kind === 'bpe' && spec.hash && !tokenizer.id.endsWith(spec.hash)) {
    throw new Error(
      `the tokenizer built here (${tokenizer.id}) is not the one this experiment names (…${spec.hash}): ` +
        'its data or settings differ, so results would not reproduce',
    );
  }
  return tokenizer;
}
