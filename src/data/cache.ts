// IndexedDB cache of tokenized shards and trained tokenizers (via idb).
//
// An entry is keyed by tokenizer id and shard URL (or picked file's name, size and time). It is
// written in three steps: a header marked incomplete, the token chunks, then, in one
// transaction that also checks every chunk is there, the header marked complete. Readers only
// accept complete headers and delete stale incomplete ones, so a tab closed mid-write can never
// be read back as a whole shard.
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { TokenArray } from './pack';
import type { ParseStats, ShardValidators } from './types';

export const DEFAULT_CACHE_DB = 'cbs-lab-data';
/** Tokens per stored chunk: 4 Mi tokens, 8–16 MiB. */
export const CACHE_CHUNK_TOKENS = 1 << 22;

export interface CacheEntry {
  key: string;
  url: string;
  tokenizerId: string;
  dtype: 'u16' | 'u32';
  tokens: number;
  chunks: number;
  bytes: number;
  /** True when the whole shard was tokenized; false for a prefix up to a token budget. */
  exhausted: boolean;
  complete: boolean;
  stats: ParseStats | null;
  /** The server's validators of the file these tokens came from; null for picked files and entries written before they were kept. */
  validators?: ShardValidators | null;
  createdAt: number;
}

interface StoredTokenizer {
  key: string;
  id: string;
  json: string;
  createdAt: number;
}

interface DataDb extends DBSchema {
  entries: { key: string; value: CacheEntry };
  chunks: { key: [string, number]; value: { key: string; index: number; data: ArrayBuffer } };
  tokenizers: { key: string; value: StoredTokenizer };
}

export function cacheKey(url: string, tokenizerId: string): string {
  return `${tokenizerId}|${url}`;
}

/** What the shard loader needs of a cache (TokenCache in the browser; tests may keep entries in memory). */
export type ShardCache = Pick<TokenCache, 'get' | 'put' | 'delete'>;

export interface CacheUsage {
  entries: number;
  incomplete: number;
  tokens: number;
  bytes: number;
  tokenizers: number;
  /** The browser's own figure for this origin, when it gives one. */
  estimate: { usage: number; quota: number } | null;
}

export class TokenCache {
  private constructor(private readonly db: IDBPDatabase<DataDb>) {}

  static async open(name = DEFAULT_CACHE_DB): Promise<TokenCache> {
    const db = await openDB<DataDb>(name, 1, {
      upgrade(database) {
        database.createObjectStore('entries', { keyPath: 'key' });
        database.createObjectStore('chunks', { keyPath: ['key', 'index'] });
        database.createObjectStore('tokenizers', { keyPath: 'key' });
      },
    });
    return new TokenCache(db);
  }

  close(): void {
    this.db.close();
  }

  /** A complete entry and its tokens, or null. Incomplete leftovers are removed. */
  async get(key: string): Promise<{ entry: CacheEntry; tokens: TokenArray } | null> {
    const entry = await this.db.get('entries', key);
    if (!entry) return null;
    // An entry without tokens is never complete: older versions wrote such entries for shards
    // without documents, and IDBKeyRange.bound([k, 0], [k, -1]) would throw on them.
    if (!entry.complete || entry.chunks < 1 || entry.tokens < 1) {
      await this.delete(key);
      return null;
    }
    const tx = this.db.transaction('chunks');
    const parts = await tx.store.getAll(IDBKeyRange.bound([key, 0], [key, entry.chunks - 1]));
    await tx.done;
    if (parts.length !== entry.chunks) {
      await this.delete(key);
      return null;
    }
    const tokens = entry.dtype === 'u16' ? new Uint16Array(entry.tokens) : new Uint32Array(entry.tokens);
    let offset = 0;
    for (const part of parts) {
      const chunk = entry.dtype === 'u16' ? new Uint16Array(part.data) : new Uint32Array(part.data);
      tokens.set(chunk, offset);
      offset += chunk.length;
    }
    if (offset !== entry.tokens) {
      await this.delete(key);
      return null;
    }
    return { entry, tokens };
  }

  /** Stores tokens under `key`; see the file comment for why it is three steps. */
  async put(
    key: string,
    meta: { url: string; tokenizerId: string; exhausted: boolean; stats: ParseStats | null; validators?: ShardValidators | null },
    tokens: TokenArray,
    hooks: { afterChunk?: (index: number) => Promise<void> | void } = {},
  ): Promise<CacheEntry> {
    if (tokens.length === 0) throw new Error(`cache write for ${meta.url}: no tokens to store`);
    await this.delete(key);
    const chunks = Math.ceil(tokens.length / CACHE_CHUNK_TOKENS);
    const entry: CacheEntry = {
      key,
      url: meta.url,
      tokenizerId: meta.tokenizerId,
      dtype: tokens instanceof Uint16Array ? 'u16' : 'u32',
      tokens: tokens.length,
      chunks,
      bytes: tokens.byteLength,
      exhausted: meta.exhausted,
      complete: false,
      stats: meta.stats,
      validators: meta.validators ?? null,
      createdAt: Date.now(),
    };
    await this.db.put('entries', entry);
    for (let index = 0; index < chunks; index++) {
      const part = tokens.slice(index * CACHE_CHUNK_TOKENS, (index + 1) * CACHE_CHUNK_TOKENS);
      await this.db.put('chunks', { key, index, data: part.buffer as ArrayBuffer });
      await hooks.afterChunk?.(index);
    }
    const tx = this.db.transaction(['entries', 'chunks'], 'readwrite');
    const stored = await tx.objectStore('chunks').count(IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]));
    if (stored !== chunks) {
      tx.abort();
      throw new Error(`cache write for ${meta.url}: ${stored} of ${chunks} chunks stored`);
    }
    const done = { ...entry, complete: true };
    await tx.objectStore('entries').put(done);
    await tx.done;
    return done;
  }

  async delete(key: string): Promise<void> {
    const tx = this.db.transaction(['entries', 'chunks'], 'readwrite');
    await tx.objectStore('entries').delete(key);
    await tx.objectStore('chunks').delete(IDBKeyRange.bound([key, 0], [key, Number.MAX_SAFE_INTEGER]));
    await tx.done;
  }

  async list(): Promise<CacheEntry[]> {
    return this.db.getAll('entries');
  }

  async usage(): Promise<CacheUsage> {
    const entries = await this.list();
    const tokenizers = await this.db.count('tokenizers');
    const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
    let estimate: CacheUsage['estimate'] = null;
    if (storage?.estimate) {
      const e = await storage.estimate();
      estimate = { usage: e.usage ?? 0, quota: e.quota ?? 0 };
    }
    return {
      entries: entries.filter((e) => e.complete).length,
      incomplete: entries.filter((e) => !e.complete).length,
      tokens: entries.reduce((n, e) => n + (e.complete ? e.tokens : 0), 0),
      bytes: entries.reduce((n, e) => n + e.bytes, 0),
      tokenizers,
      estimate,
    };
  }

  async clear(): Promise<void> {
    const tx = this.db.transaction(['entries', 'chunks', 'tokenizers'], 'readwrite');
    await Promise.all([tx.objectStore('entries').clear(), tx.objectStore('chunks').clear(), tx.objectStore('tokenizers').clear()]);
    await tx.done;
  }

  async saveTokenizer(key: string, id: string, json: string): Promise<void> {
    await this.db.put('tokenizers', { key, id, json, createdAt: Date.now() });
  }

  async loadTokenizer(key: string): Promise<StoredTokenizer | null> {
    return (await this.db.get('tokenizers', key)) ?? null;
  }
}
