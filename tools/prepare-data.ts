// Turns C4-format shards into the token files a PyTorch package trains on, with the lab's own data
// pipeline (src/data: gunzip → JSON lines → the experiment's tokenizer → packed tokens):
//
//   npm run prepare-data -- PACKAGE [--train SHARD]… [--validation SHARD]… [--out DIR]
//   node prepare_data.mjs [flags]        (the same command, bundled into every package)
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { importJson } from '../src/experiment/codec';
import type { ExperimentConfig } from '../src/experiment/schema';
import { parseManifest, tokenBudget } from '../src/scale-out/manifest';
import { BUNDLED_SHARDS, LAB_BUNDLED_DIR, PackageInputError, choiceTokenizer, shardRef, writeTokenFiles } from '../src/scale-out/node-io';
import { tokenizerChoice } from '../src/worker/data-setup';
import { DataSourceError } from '../src/data';
import { UsageError, numberOption, parseCommand, printUsage, runCommand } from './cli';

const USAGE = `usage: npm run prepare-data -- PACKAGE [flags]
       node prepare_data.mjs [flags]          (inside a package)

Tokenizes C4-format shards (gzip'd JSON lines {"text", …}) with the experiment's tokenizer into
PACKAGE/data/train.bin, validation.bin and meta.json: the token files train.py memory-maps. Only
what the lab would load is tokenized: the experiment's shared pool of training tokens (all of the
bundled text) and the validation text its evaluation sequences are spread over.

  PACKAGE                the package folder (default: the folder of prepare_data.mjs)
  --train SHARD          a training shard: a file or an http(s) URL; repeat, in order
                         (default: the experiment's own shards)
  --validation SHARD     a validation shard; repeat
  --out DIR              where to write (default: PACKAGE/data)
  --max-train-tokens N   tokenize at most N training tokens (to try the pipeline: a run refuses to
                         start on fewer tokens than its pool while the shards hold more)
  --help                 this text
`;

function packageDir(positional: string | undefined): string {
  if (positional) return resolve(positional);
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'manifest.jsonl'))) return here;
  throw new UsageError('give the package folder (the one with manifest.jsonl)');
}

/** The experiment's own shards: the bundled ones (shipped in the package, else the lab's), or its URLs. */
function defaultShards(config: ExperimentConfig, pkg: string): { train: string[]; validation: string[] } {
  switch (config.data.kind) {
    case 'bundled': {
      const dir = existsSync(join(pkg, 'shards')) ? join(pkg, 'shards') : LAB_BUNDLED_DIR;
      return { train: [join(dir, BUNDLED_SHARDS.train)], validation: [join(dir, BUNDLED_SHARDS.validation)] };
    }
    case 'urls':
      return { train: config.data.train, validation: config.data.validation };
    case 'local':
      throw new PackageInputError(
        `the experiment was designed on local files (${[...config.data.train, ...config.data.validation].join(', ')}): give them with --train and --validation`,
      );
  }
}

const OPTIONS = {
  train: { type: 'string', multiple: true },
  validation: { type: 'string', multiple: true },
  out: { type: 'string' },
  'max-train-tokens': { type: 'string' },
} as const;

async function main(): Promise<number | void> {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS, positionals: { min: 0, max: 1, what: 'package folder' } });
  if (parsed === null) return printUsage(USAGE);
  const { values, positionals } = parsed;
  const pkg = packageDir(positionals[0]);
  const maxTrain = numberOption('max-train-tokens', values['max-train-tokens'], { integer: true, min: 1 });
  for (const file of ['experiment.json', 'manifest.jsonl']) {
    if (!existsSync(join(pkg, file))) throw new PackageInputError(`${join(pkg, file)} is missing: is ${pkg} a package written by npm run export:torch?`);
  }
  const decoded = importJson(readFileSync(join(pkg, 'experiment.json'), 'utf8'));
  if (!decoded.ok) throw new PackageInputError(`${join(pkg, 'experiment.json')}: ${decoded.message}`);
  const config = decoded.config;
  const plan = parseManifest(readFileSync(join(pkg, 'manifest.jsonl'), 'utf8'));
  const own = values.train || values.validation ? null : defaultShards(config, pkg);
  const trainShards = await Promise.all((values.train ?? own?.train ?? []).map(shardRef));
  const validationShards = await Promise.all((values.validation ?? own?.validation ?? []).map(shardRef));
  if (trainShards.length === 0 || validationShards.length === 0) throw new UsageError('give both --train and --validation shards');
  const shipped = join(pkg, 'tokenizer.json');
  const tokenizer = await choiceTokenizer(tokenizerChoice(config.tokenizer, config.data), config.tokenizer, {
    bundledTokenizer: existsSync(shipped) ? shipped : join(LAB_BUNDLED_DIR, 'tokenizer.json'),
    trainShards,
  });
  const vocabularies = [...new Set(plan.map((s) => s.model.vocabSize))];
  if (vocabularies.some((v) => v !== tokenizer.vocabSize)) {
    throw new PackageInputError(`the tokenizer has ${tokenizer.vocabSize} ids but the manifest's models expect ${vocabularies.join(', ')}: export the package again`);
  }
  const budget = tokenBudget(plan);
  const out = values.out ? resolve(values.out) : join(pkg, 'data');
  console.log(`tokenizer: ${tokenizer.id} (${tokenizer.vocabSize} ids)`);
  const meta = await writeTokenFiles(
    out,
    tokenizer,
    { train: trainShards, validation: validationShards },
    { trainTokens: maxTrain ?? budget.trainTokens, validationTokens: budget.validationTokens },
    (key, tokens) => console.log(`  ${key}: ${tokens} tokens`),
  );
  if (Number.isFinite(budget.trainTokens) && meta.train.tokens < budget.trainTokens && maxTrain === undefined) {
    console.log(`note: the shards hold ${meta.train.tokens} training tokens, fewer than the experiment's pool of ${budget.trainTokens}: runs that need more repeat them, as in the lab`);
  }
  console.log(`wrote ${out}: ${meta.train.tokens} training and ${meta.validation.tokens} validation tokens (${meta.dtype})`);
}

runCommand('prepare-data', USAGE, main, { expected: (e) => e instanceof PackageInputError || e instanceof DataSourceError });
