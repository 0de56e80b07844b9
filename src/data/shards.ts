// Shard sources and document streaming: bytes → gunzip (when they are gzip) → JSON lines or a
// JSON array → documents, one chunk at a time. The format is read from the content, not the name.
import { blobByteSource, httpByteSource, type HttpSourceOptions } from './fetch';
import { decompressIfGzip, type ByteSource } from './gunzip';
import { DocumentParser } from './jsonl';
import { normalizeHubUrl } from './hub';
import type { C4Document, ParseStats, ProgressCallback } from './types';

/** One shard: a URL, or a file the user picked (its key names it in caches). */
export type ShardRef = { kind: 'url'; url: string } | { kind: 'file'; file: Blob; key: string };

export interface DatasetSpec {
  name: string;
  train: ShardRef[];
  validation: ShardRef[];
}

export const BUNDLED_DIR = 'data/bundled/';
export const BUNDLED_TRAIN_FILE = 'c4-train.00000-of-00001.json.gz';
export const BUNDLED_VALIDATION_FILE = 'c4-validation.00000-of-00001.json.gz';

/** The site root the bundled files are served under (Vite's BASE_URL against the page origin). */
export function defaultBaseUrl(): string {
  const origin = (globalThis as { location?: { origin?: string } }).location?.origin ?? 'http://127.0.0.1/';
  return new URL(import.meta.env?.BASE_URL ?? '/', origin).href;
}

export function bundledUrl(file: string, baseUrl = defaultBaseUrl()): string {
  return new URL(BUNDLED_DIR + file, baseUrl).href;
}

/** The offline default: the shards that ship with the lab. */
export function bundledDataset(baseUrl = defaultBaseUrl()): DatasetSpec {
  return {
    name: 'bundled (State of the Union + Moby Dick, C4 format)',
    train: [{ kind: 'url', url: bundledUrl(BUNDLED_TRAIN_FILE, baseUrl) }],
    validation: [{ kind: 'url', url: bundledUrl(BUNDLED_VALIDATION_FILE, baseUrl) }],
  };
}

export const C4_BASE = 'https://huggingface.co/datasets/allenai/c4/resolve/main/en/';
export const C4_TRAIN_SHARDS = 1024;
export const C4_VALIDATION_SHARDS = 8;

export function c4TrainUrl(index: number): string {
  return `${C4_BASE}c4-train.${String(index).padStart(5, '0')}-of-01024.json.gz`;
}
export function c4ValidationUrl(index: number): string {
  return `${C4_BASE}c4-validation.${String(index).padStart(5, '0')}-of-00008.json.gz`;
}

/** The C4 preset: allenai/c4 `en` on the Hugging Face hub (about 320 MB per train shard). */
export function c4Dataset(trainShards = 1, validationShards = 1): DatasetSpec {
  return {
    name: `C4 en (${trainShards} train, ${validationShards} validation shards)`,
    train: Array.from({ length: trainShards }, (_, i) => ({ kind: 'url' as const, url: c4TrainUrl(i) })),
    validation: Array.from({ length: validationShards }, (_, i) => ({ kind: 'url' as const, url: c4ValidationUrl(i) })),
  };
}

/** Shards at URLs; a hub link to a file's page (blob/) is read from its resolve/ form. */
export function urlDataset(trainUrls: string[], validationUrls: string[], name = 'custom URLs'): DatasetSpec {
  return {
    name,
    train: trainUrls.map((url) => ({ kind: 'url', url: normalizeHubUrl(url) })),
    validation: validationUrls.map((url) => ({ kind: 'url', url: normalizeHubUrl(url) })),
  };
}

/** Files the user picked; keyed by name, size and modification time. */
export function fileShard(file: Blob & { name?: string; lastModified?: number }): ShardRef {
  return { kind: 'file', file, key: `file:${file.name ?? 'blob'}:${file.size}:${file.lastModified ?? 0}` };
}

export function fileDataset(trainFiles: Blob[], validationFiles: Blob[]): DatasetSpec {
  return { name: 'local files', train: trainFiles.map(fileShard), validation: validationFiles.map(fileShard) };
}

/** The name of a shard in messages and cache keys. */
export function shardKey(ref: ShardRef): string {
  return ref.kind === 'url' ? ref.url : ref.key;
}

export function shardByteSource(ref: ShardRef, options: HttpSourceOptions = {}): ByteSource {
  return ref.kind === 'url' ? httpByteSource(ref.url, options) : blobByteSource(ref.file);
}

export interface StreamOptions extends HttpSourceOptions {
  onProgress?: ProgressCallback;
  /** Skip the native DecompressionStream. */
  forceFflate?: boolean;
  /** Receives the parse counters of what was read when the stream stops: at the end of the shard (also sent as a 'done' progress event), or earlier when the reader stops. */
  onStats?: (stats: ParseStats) => void;
}

/** The documents of one shard, streamed: memory holds one chunk and one line at a time. */
export async function* streamDocuments(ref: ShardRef, options: StreamOptions = {}): AsyncGenerator<C4Document> {
  const key = shardKey(ref);
  const parser = new DocumentParser(key);
  let bytes = 0;
  let decodedByBrowser = false;
  const source = shardByteSource(ref, { ...options, onContentEncoding: () => (decodedByBrowser = true) });
  let ended = false;
  try {
    for await (const chunk of decompressIfGzip(source, key, { ...options, alreadyDecoded: () => decodedByBrowser })) {
      bytes += chunk.length;
      yield* parser.push(chunk);
    }
    yield* parser.end();
    ended = true;
  } finally {
    // Also when the reader stops early (a token budget reached): the counters of the part read.
    options.onStats?.({ ...parser.stats });
  }
  if (ended) options.onProgress?.({ type: 'done', url: key, decompressedBytes: bytes, stats: { ...parser.stats } });
}

/** Documents of several shards in order. */
export async function* streamShards(refs: ShardRef[], options: StreamOptions = {}): AsyncGenerator<C4Document> {
  for (const ref of refs) yield* streamDocuments(ref, options);
}
