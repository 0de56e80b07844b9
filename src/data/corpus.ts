// From a dataset to what the trainer consumes: tokenize shards (or read them from the cache),
// build the training TokenStream and the fixed validation set, and pick or train a tokenizer.
import { canonicalJson, DEFAULT_BPE_SAMPLE_CHARS, DEFAULT_BPE_VOCAB, trainBpeFromCounts, countWords } from './bpe';
import { cacheKey, type ShardCache, type TokenCache } from './cache';
import { revalidate } from './fetch';
import { appendDocument, TokenBuffer, TokenStream, validationBatch, type Batch, type TokenArray } from './pack';
import { BUNDLED_DIR, defaultBaseUrl, shardKey, streamDocuments, streamShards, type DatasetSpec, type ShardRef, type StreamOptions } from './shards';
import { BpeTokenizer, ByteTokenizer, loadGpt2Tokenizer, type TextTokenizer } from './tokenizer';
import { DataSourceError, type ParseStats, type ShardLoad, type ShardValidators } from './types';

export interface LoadTokensOptions extends StreamOptions {
  /** Stop after this many tokens (the run's budget); default: the whole shard. */
  maxTokens?: number;
  cache?: ShardCache | null;
  /** Told, for each shard, where its tokens came from and what its lines held. */
  onShard?: (load: ShardLoad) => void;
}

export interface ShardTokens {
  tokens: TokenArray;
  /** The whole shard was read (false when maxTokens stopped it first). */
  exhausted: boolean;
  fromCache: boolean;
  stats: ParseStats | null;
  source: ShardLoad['source'];
}

/** "2 lines, 2 without text": what a shard's lines held, for messages. */
function describeLines(stats: ParseStats): string {
  if (stats.lines === 0) return 'the file has no lines';
  const parts = [
    `${stats.lines} line${stats.lines === 1 ? '' : 's'}`,
    stats.badJson > 0 ? `${stats.badJson} not ${stats.badJson === 1 ? 'a JSON object' : 'JSON objects'}` : null,
    stats.noText > 0 ? `${stats.noText} without text` : null,
    stats.badUtf8 > 0 ? `${stats.badUtf8} not UTF-8` : null,
    stats.tooLong > 0 ? `${stats.tooLong} longer than the line limit` : null,
    stats.blank > 0 ? `${stats.blank} blank` : null,
  ];
  return parts.filter((p) => p !== null).join(', ');
}

/**
 * Tokens of one shard, each document followed by end-of-text; cached by URL and tokenizer.
 * A cached copy of a URL is reused only after the server confirms it is current (see
 * revalidate); a shard read whole without a document is an error, and is never cached.
 */
export async function loadShardTokens(ref: ShardRef, tokenizer: TextTokenizer, options: LoadTokensOptions = {}): Promise<ShardTokens> {
  const maxTokens = options.maxTokens ?? Infinity;
  const url = shardKey(ref);
  const key = cacheKey(url, tokenizer.id);
  let source: ShardLoad['source'] = 'download';
  if (options.cache) {
    const hit = await options.cache.get(key);
    if (hit && (hit.entry.exhausted || hit.entry.tokens >= maxTokens)) {
      const check = ref.kind === 'url' ? await revalidate(ref.url, hit.entry.validators ?? null, options.signal) : ({ status: 'fresh' } as const);
      if (check.status === 'changed') {
        options.onProgress?.({ type: 'redownload', url, reason: check.reason });
        await options.cache.delete(key);
        source = 'redownload';
      } else {
        if (check.status === 'unknown') options.onProgress?.({ type: 'revalidation-failed', url, reason: check.reason });
        options.onProgress?.({ type: 'cache-hit', url, tokens: hit.entry.tokens });
        options.onShard?.({ shard: url, source: 'cache', stats: hit.entry.stats });
        const tokens = hit.entry.tokens > maxTokens ? hit.tokens.slice(0, maxTokens) : hit.tokens;
        return { tokens, exhausted: hit.entry.exhausted && tokens.length === hit.entry.tokens, fromCache: true, stats: hit.entry.stats, source: 'cache' };
      }
    }
  }
  const buffer = new TokenBuffer(tokenizer.vocabSize);
  let stats: ParseStats | null = null;
  let validators: ShardValidators | null = null;
  let exhausted = true;
  const documents = streamDocuments(ref, {
    ...options,
    onStats: (s) => (stats = s),
    onProgress: (event) => {
      if (event.type === 'start') validators = event.validators;
      options.onProgress?.(event);
    },
  });
  for await (const doc of documents) {
    appendDocument(buffer, tokenizer.encode(doc.text), tokenizer.eotId);
    if (buffer.length >= maxTokens) {
      exhausted = false;
      await documents.return(undefined);
      break;
    }
  }
  const read = stats as ParseStats | null;
  if (buffer.length === 0) throw new DataSourceError('empty', url, read ? describeLines(read) : 'nothing could be read');
  const tokens = buffer.toArray();
  if (options.cache) {
    try {
      await options.cache.put(key, { url, tokenizerId: tokenizer.id, exhausted, stats, validators }, tokens);
    } catch (error) {
      // Not caching costs a download next time; it must not cost this run.
      options.onProgress?.({ type: 'cache-write-failed', url, error });
    }
  }
  options.onShard?.({ shard: url, source, stats });
  return { tokens: exhausted ? tokens : tokens.slice(0, maxTokens), exhausted, fromCache: false, stats, source };
}

/** Tokens of several shards, concatenated in order, up to maxTokens. */
export async function loadDatasetTokens(
  refs: ShardRef[],
  tokenizer: TextTokenizer,
  options: LoadTokensOptions = {},
): Promise<{ tokens: TokenArray; exhausted: boolean; stats: Array<ParseStats | null> }> {
  const maxTokens = options.maxTokens ?? Infinity;
  const buffer = new TokenBuffer(tokenizer.vocabSize);
  const stats: Array<ParseStats | null> = [];
  for (const ref of refs) {
    const shard = await loadShardTokens(ref, tokenizer, { ...options, maxTokens: maxTokens - buffer.length });
    buffer.append(shard.tokens);
    stats.push(shard.stats);
    if (buffer.length >= maxTokens) return { tokens: buffer.toArray(), exhausted: false, stats };
  }
  return { tokens: buffer.toArray(), exhausted: true, stats };
}

/** The validation set is spread over up to this many times the tokens it needs (the whole bundled shard). */
export const VALIDATION_SPREAD = 64;

export interface PrepareDataOptions extends StreamOptions {
  context: number;
  dataSeed: number;
  /** Training tokens the run needs (steps × batch × context): more than the pool holds means data repeats. */
  trainTokens: number;
  /**
   * Training tokens to load and shuffle: the pool every run of an experiment draws from, so that
   * each run reads a prefix of one seeded order. null: the whole dataset.
   */
  poolTokens?: number | null;
  /** Validation sequences to keep (each context + 1 tokens). */
  validationSequences: number;
  cache?: TokenCache | null;
  onWarning?: (message: string) => void;
  /** Told, for each shard of either split, where its tokens came from and what its lines held. */
  onShard?: (load: ShardLoad & { split: 'train' | 'validation' }) => void;
}

export interface PreparedData {
  stream: TokenStream;
  validation: Batch & { sequences: number };
  trainCorpusTokens: number;
  /** How many passes over the training tokens the budget needs (> 1 means data repeats). */
  epochsNeeded: number;
  warnings: string[];
}

/** The training stream and the validation set of a dataset, ready for the trainer. */
export async function prepareData(spec: DatasetSpec, tokenizer: TextTokenizer, options: PrepareDataOptions): Promise<PreparedData> {
  const warnings: string[] = [];
  const warn = (message: string): void => {
    warnings.push(message);
    options.onWarning?.(message);
  };
  // One extra token so that the last sequence's final target exists.
  const split = (name: 'train' | 'validation') => (load: ShardLoad) => options.onShard?.({ ...load, split: name });
  const pool = options.poolTokens === undefined ? options.trainTokens : options.poolTokens;
  const train = await loadDatasetTokens(spec.train, tokenizer, { ...options, maxTokens: pool === null ? Infinity : pool + 1, onShard: split('train') });
  const validationNeeded = options.validationSequences * (options.context + 1);
  const validationTokens = await loadDatasetTokens(spec.validation, tokenizer, { ...options, maxTokens: VALIDATION_SPREAD * validationNeeded, onShard: split('validation') });
  const validation = validationBatch(validationTokens.tokens, options.context, options.validationSequences);
  if (validation.sequences < options.validationSequences) {
    warn(`the validation shards hold only ${validation.sequences} of the ${options.validationSequences} sequences asked for`);
  }
  const stream = new TokenStream(train.tokens, { context: options.context, dataSeed: options.dataSeed, onWarning: warn });
  const epochsNeeded = options.trainTokens / (stream.sequences * options.context);
  if (epochsNeeded > 1) {
    warn(
      `the training data holds ${train.tokens.length} tokens but the run needs ${options.trainTokens}: ` +
        `about ${epochsNeeded.toFixed(2)} epochs, so data repeats`,
    );
  }
  return { stream, validation, trainCorpusTokens: train.tokens.length, epochsNeeded, warnings };
}

export type TokenizerChoice =
  | { kind: 'bytes' }
  | { kind: 'bpe-bundled' }
  | { kind: 'bpe-trained'; vocabSize?: number; sampleChars?: number }
  | { kind: 'bpe-json'; json: Record<string, unknown> }
  | { kind: 'gpt2' };

export async function loadBundledTokenizer(baseUrl = defaultBaseUrl()): Promise<BpeTokenizer> {
  const url = new URL(BUNDLED_DIR + 'tokenizer.json', baseUrl).href;
  const response = await fetch(url);
  if (!response.ok) throw new Error(`could not load the bundled tokenizer ${url}: status ${response.status}`);
  return BpeTokenizer.fromJson((await response.json()) as Record<string, unknown>);
}

/**
 * Trains a byte-level BPE on the first `sampleChars` characters (whole documents) of the
 * training shards. Deterministic; the result is cached by shards, size and sample.
 */
export async function trainTokenizer(
  spec: DatasetSpec,
  options: StreamOptions & { vocabSize?: number; sampleChars?: number; cache?: TokenCache | null; onTrainProgress?: (merges: number, target: number) => void } = {},
): Promise<BpeTokenizer> {
  const vocabSize = options.vocabSize ?? DEFAULT_BPE_VOCAB;
  const sampleChars = options.sampleChars ?? DEFAULT_BPE_SAMPLE_CHARS;
  const key = `bpe-train|${vocabSize}|${sampleChars}|${spec.train.map(shardKey).join(',')}`;
  const cached = await options.cache?.loadTokenizer(key);
  if (cached) return BpeTokenizer.fromJson(JSON.parse(cached.json) as Record<string, unknown>);
  const sample: string[] = [];
  let chars = 0;
  const documents = streamShards(spec.train, options);
  for await (const doc of documents) {
    sample.push(doc.text);
    chars += doc.text.length;
    if (chars >= sampleChars) {
      await documents.return(undefined);
      break;
    }
  }
  const model = trainBpeFromCounts(countWords(sample), { vocabSize, onProgress: options.onTrainProgress });
  const tokenizer = await BpeTokenizer.fromModel(model);
  await options.cache?.saveTokenizer(key, tokenizer.id, canonicalJson(tokenizer.json));
  return tokenizer;
}

export async function loadTokenizer(
  choice: TokenizerChoice,
  context: { spec?: DatasetSpec; cache?: TokenCache | null; baseUrl?: string } = {},
): Promise<TextTokenizer> {
  switch (choice.kind) {
    case 'bytes':
      return new ByteTokenizer();
    case 'bpe-bundled':
      return loadBundledTokenizer(context.baseUrl);
    case 'bpe-json':
      return BpeTokenizer.fromJson(choice.json);
    case 'gpt2':
      return loadGpt2Tokenizer();
    case 'bpe-trained':
      if (!context.spec) throw new Error('training a tokenizer needs a dataset');
      return trainTokenizer(context.spec, { vocabSize: choice.vocabSize, sampleChars: choice.sampleChars, cache: context.cache });
  }
}
