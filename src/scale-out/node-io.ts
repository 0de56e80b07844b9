// Node-only side of the scale-out package (the commands in tools/ use it; the page never does):
// shards from files or URLs, the tokenizer a config names, and the token files train.py reads.
// Everything goes through src/data, the lab's own pipeline, so both sides see the same tokens.
import { closeSync, existsSync, mkdirSync, openAsBlob, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { basename, join } from 'node:path';
import {
  BUNDLED_TRAIN_FILE,
  BUNDLED_VALIDATION_FILE,
  BpeTokenizer,
  DEFAULT_BPE_VOCAB,
  fileShard,
  loadShardTokens,
  loadTokenizer,
  shardKey,
  trainTokenizer,
  type ShardRef,
  type TextTokenizer,
  type TokenizerChoice,
} from '../data';
import type { TokenizerSpec } from '../experiment/schema';
import type { PackageTokenizer } from './package';
import { tokenBytes, tokenDtype, TOKEN_FILES_FORMAT, type TokenFilesMeta, type TokenSplitMeta } from './token-files';

/** What the user gave (a shard, a tokenizer, a config) cannot be used: a message for people, no stack. */
export class PackageInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PackageInputError';
  }
}

/** The bundled shards and tokenizer in a lab checkout. */
export const LAB_BUNDLED_DIR = join('public', 'data', 'bundled');
export const BUNDLED_SHARDS = { train: BUNDLED_TRAIN_FILE, validation: BUNDLED_VALIDATION_FILE };

/** A shard given on the command line: an http(s) URL, or a C4-format .json.gz file. */
export async function shardRef(location: string): Promise<ShardRef> {
  if (/^https?:\/\//i.test(location)) return { kind: 'url', url: location };
  if (!existsSync(location)) throw new PackageInputError(`shard ${location} does not exist`);
  const blob = await openAsBlob(location);
  return fileShard(Object.assign(blob, { name: basename(location) }));
}

/**
 * The tokenizer of a choice (what src/worker/data-setup.ts tokenizerChoice makes of a config),
 * built as the lab builds it: bytes and GPT-2 are built in; the BPE the lab ships for its bundled
 * shards is read from `bundledTokenizer`; any other BPE is trained on `trainShards`,
 * deterministically, exactly as the page trains it. A tokenizer the config's TokenizerSpec pins by
 * hash must be the one built here.
 */
export async function choiceTokenizer(
  choice: TokenizerChoice,
  spec: TokenizerSpec,
  sources: { bundledTokenizer: string | null; trainShards: ShardRef[] },
): Promise<TextTokenizer> {
  const pinned = spec.kind === 'bpe' ? spec.hash : undefined;
  let tokenizer: TextTokenizer;
  if (choice.kind === 'bpe-bundled') {
    if (!sources.bundledTokenizer || !existsSync(sources.bundledTokenizer)) {
      throw new PackageInputError(`the config uses the lab's bundled BPE, but ${sources.bundledTokenizer ?? 'its tokenizer.json'} is missing`);
    }
    tokenizer = await BpeTokenizer.fromJson(JSON.parse(readFileSync(sources.bundledTokenizer, 'utf8')) as Record<string, unknown>);
  } else if (choice.kind === 'bpe-trained') {
    if (sources.trainShards.length === 0) throw new PackageInputError('training the BPE tokenizer needs the training shards');
    tokenizer = await trainTokenizer({ name: 'training shards', train: sources.trainShards, validation: [] }, { vocabSize: choice.vocabSize });
  } else {
    tokenizer = await loadTokenizer(choice);
  }
  if (pinned && !tokenizer.id.endsWith(pinned)) {
    throw new PackageInputError(`the tokenizer built here (${tokenizer.id}) is not the one the experiment names (…${pinned}): its data or settings differ`);
  }
  return tokenizer;
}

/** The tokenizer's tokenizer.json, when it has one (a BPE). */
export function tokenizerJson(tokenizer: TextTokenizer): string | null {
  return tokenizer instanceof BpeTokenizer ? JSON.stringify(tokenizer.json) : null;
}

/**
 * What a package needs of its tokenizer before any data is read: its vocabulary (the plan's
 * models take it) and the tokenizer.json to ship. A BPE the lab trains on the training shards is
 * trained by prepare_data instead: its vocabulary is the one asked for, which the lab's trainer
 * reaches on any real corpus (prepare_data checks it).
 */
export async function packageTokenizer(choice: TokenizerChoice, spec: TokenizerSpec, bundledTokenizer: string): Promise<PackageTokenizer> {
  if (choice.kind === 'bpe-trained') return { vocabSize: choice.vocabSize ?? DEFAULT_BPE_VOCAB, id: null, json: null };
  const tokenizer = await choiceTokenizer(choice, spec, { bundledTokenizer, trainShards: [] });
  return { vocabSize: tokenizer.vocabSize, id: tokenizer.id, json: tokenizerJson(tokenizer) };
}

/**
 * Tokenizes shards in order into one flat file, each document followed by end-of-text (the lab's
 * packing), stopping once `maxTokens` are written; the file holds exactly the first min(maxTokens,
 * all) tokens of the stream the lab would build. Shards are read one at a time.
 */
export async function writeTokenFile(
  path: string,
  refs: ShardRef[],
  tokenizer: TextTokenizer,
  maxTokens: number,
  onShard?: (key: string, tokens: number) => void,
): Promise<TokenSplitMeta> {
  const dtype = tokenDtype(tokenizer.vocabSize);
  const fd = openSync(path, 'w');
  let written = 0;
  let exhausted = true;
  try {
    for (const ref of refs) {
      const shard = await loadShardTokens(ref, tokenizer, { maxTokens: maxTokens - written });
      writeSync(fd, tokenBytes(shard.tokens, dtype));
      written += shard.tokens.length;
      onShard?.(shardKey(ref), shard.tokens.length);
      if (written >= maxTokens) {
        exhausted = shard.exhausted && ref === refs[refs.length - 1];
        break;
      }
    }
  } finally {
    closeSync(fd);
  }
  return { file: basename(path), tokens: written, exhausted, sources: refs.map(shardKey) };
}

/** Writes data/train.bin, data/validation.bin and data/meta.json. */
export async function writeTokenFiles(
  dir: string,
  tokenizer: TextTokenizer,
  shards: { train: ShardRef[]; validation: ShardRef[] },
  limits: { trainTokens: number; validationTokens: number },
  onShard?: (key: string, tokens: number) => void,
): Promise<TokenFilesMeta> {
  mkdirSync(dir, { recursive: true });
  const train = await writeTokenFile(join(dir, 'train.bin'), shards.train, tokenizer, limits.trainTokens, onShard);
  const validation = await writeTokenFile(join(dir, 'validation.bin'), shards.validation, tokenizer, limits.validationTokens, onShard);
  const meta: TokenFilesMeta = {
    format: TOKEN_FILES_FORMAT,
    version: 1,
    dtype: tokenDtype(tokenizer.vocabSize),
    vocabSize: tokenizer.vocabSize,
    eotId: tokenizer.eotId,
    tokenizer: tokenizer.id,
    train,
    validation,
  };
  writeFileSync(join(dir, 'meta.json'), JSON.stringify(meta, null, 2) + '\n');
  const json = tokenizerJson(tokenizer);
  if (json) writeFileSync(join(dir, 'tokenizer.json'), json + '\n');
  return meta;
}
