// Pure functions that turn plain English text into C4-format documents: the bundled offline
// default is built from them by scripts/build-shards.mjs, and the tests check their output.
import type { C4Document } from './types';

export interface SourceText {
  /** npm package that ships the text. */
  packageName: string;
  /** File inside the package, e.g. data/1790_george_washington_n.txt. */
  file: string;
  text: string;
  /** ISO 8601, C4 style: 2019-04-25T12:57:54Z. */
  timestamp: string;
}

/** Target document size in characters: C4 documents are a few KB. */
export const TARGET_DOCUMENT_CHARS = 3000;
/** One document in VALIDATION_MODULUS goes to the validation shard (~5%). */
export const VALIDATION_MODULUS = 20;

/**
 * Splits text into documents of about `target` characters. Paragraphs (blank-line separated)
 * stay whole when they fit and are joined with a newline, as C4 joins lines; a paragraph that is
 * too long (the State of the Union files are one line each) is cut between sentences.
 */
export function splitIntoDocuments(text: string, target = TARGET_DOCUMENT_CHARS): string[] {
  const pieces: Array<{ text: string; sep: string }> = [];
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' ').trim())
    .filter((p) => p.length > 0);
  for (const paragraph of paragraphs) {
    if (paragraph.length <= target) {
      pieces.push({ text: paragraph, sep: '\n' });
      continue;
    }
    paragraph
      .split(/(?<=[.!?]["'\u201d\u2019)]?)\s+(?=\S)/)
      .forEach((sentence, i) => pieces.push({ text: sentence, sep: i === 0 ? '\n' : ' ' }));
  }
  const documents: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current.length > 0 && current.length + piece.sep.length + piece.text.length > target) {
      documents.push(current);
      current = '';
    }
    current = current.length === 0 ? piece.text : current + piece.sep + piece.text;
  }
  if (current.length > 0) documents.push(current);
  return documents;
}

/** FNV-1a, 32 bits: a fixed, platform-independent hash for the train/validation split. */
export function fnv1a32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

export function isValidationUrl(url: string): boolean {
  return fnv1a32(url) % VALIDATION_MODULUS === 0;
}

export function documentsOf(source: SourceText): C4Document[] {
  return splitIntoDocuments(source.text).map((text, part) => ({
    text,
    timestamp: source.timestamp,
    url: `npm:${source.packageName}/${source.file}#part-${part}`,
  }));
}

/** Words per shingle in the decontamination check: about 200 characters of English. */
export const SHINGLE_WORDS = 32;

function hash32(text: string, basis: number): number {
  let h = basis;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Hashes (about 53 bits) of every run of SHINGLE_WORDS consecutive words. */
export function shingles(text: string): number[] {
  const words = text.split(/\s+/).filter(Boolean);
  const h1 = words.map((w) => hash32(w, 0x811c9dc5));
  const h2 = words.map((w) => hash32(w, 0x01234567));
  const out: number[] = [];
  for (let i = 0; i + SHINGLE_WORDS <= words.length; i++) {
    let a = 0x811c9dc5;
    let b = 0x01234567;
    for (let j = i; j < i + SHINGLE_WORDS; j++) {
      a = Math.imul(a ^ h1[j], 0x01000193) >>> 0;
      b = Math.imul(b ^ h2[j], 0x5bd1e995) >>> 0;
    }
    out.push(a * 2097152 + (b >>> 11));
  }
  return out;
}

/**
 * Train and validation documents, in source order; every document lands in exactly one.
 * A document goes to validation when its url hashes there, unless it shares a passage of
 * SHINGLE_WORDS words with a training document (presidents quote earlier addresses): such a
 * document goes to training instead, repeated until no validation document shares one.
 */
export function splitTrainValidation(documents: C4Document[]): { train: C4Document[]; validation: C4Document[] } {
  const inValidation = documents.map((d) => isValidationUrl(d.url));
  for (;;) {
    const trainShingles = new Set<number>();
    documents.forEach((d, i) => {
      if (!inValidation[i]) for (const h of shingles(d.text)) trainShingles.add(h);
    });
    let moved = 0;
    documents.forEach((d, i) => {
      if (inValidation[i] && shingles(d.text).some((h) => trainShingles.has(h))) {
        inValidation[i] = false;
        moved++;
      }
    });
    if (moved === 0) break;
  }
  return {
    train: documents.filter((_, i) => !inValidation[i]),
    validation: documents.filter((_, i) => inValidation[i]),
  };
}

/** C4's line format: keys in C4's order, one JSON object per line. */
export function toJsonl(documents: C4Document[]): string {
  return documents.map((d) => JSON.stringify({ text: d.text, timestamp: d.timestamp, url: d.url })).join('\n') + '\n';
}
