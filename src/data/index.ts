// The data pipeline's public API (runs in a Web Worker or in Node; no DOM).
export * from './types';
export * from './jsonl';
export * from './gunzip';
export * from './fetch';
export * from './shards';
export * from './bpe';
export * from './tokenizer';
export * from './pack';
export * from './cache';
export * from './corpus';
export * from './bundle-build';
export * from './hub';
