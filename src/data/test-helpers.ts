// Node-only helpers shared by the data tests: the bundled files on disk.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parseJsonl } from './jsonl';
import type { C4Document } from './types';

export const BUNDLED_PATH = join(__dirname, '..', '..', 'public', 'data', 'bundled');

export function readBundled(file: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(readFileSync(join(BUNDLED_PATH, file)));
}

export function readBundledText(file: string): string {
  return readFileSync(join(BUNDLED_PATH, file), 'utf8');
}

export function bundledDocuments(split: 'train' | 'validation'): C4Document[] {
  const gz = readBundled(`c4-${split}.00000-of-00001.json.gz`);
  return parseJsonl(new Uint8Array(gunzipSync(gz))).documents;
}

export interface Manifest {
  train: { file: string; documents: number; jsonlSha256: string; gzipSha256: string; characters: number; gzipBytes: number };
  validation: { file: string; documents: number; jsonlSha256: string; gzipSha256: string; characters: number; gzipBytes: number };
  tokenizer: { sha256: string; vocabSize: number; eotId: number };
}

export function bundledManifest(): Manifest {
  return JSON.parse(readBundledText('manifest.json')) as Manifest;
}
