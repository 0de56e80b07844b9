// Exports an experiment as a PyTorch package (src/scale-out/package.ts):
//
//   npm run export:torch -- <preset | share link | config.json> --out DIR [--force]
import { build } from 'esbuild';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { BUNDLED_SHARDS, LAB_BUNDLED_DIR, PackageInputError, packageTokenizer } from '../src/scale-out/node-io';
import { buildTorchPackage } from '../src/scale-out/package';
import { tokenizerChoice } from '../src/worker/data-setup';
import { UsageError, parseCommand, printUsage, runCommand } from './cli';
import { experimentOf } from './scale-out/experiment';
import { presetIdList } from '../src/experiment/presets';

const USAGE = `usage: npm run export:torch -- <preset | share link | config.json> --out DIR [--force]

Writes a self-contained PyTorch package of the experiment into DIR: train.py (the lab's model and
protocol, under DDP), manifest.jsonl (the lab's run plan), launch_torchrun.sh, launch_slurm.sh,
prepare_data.mjs (the lab's data pipeline), the tokenizer and a README saying how to run it on a
laptop CPU, one GPU node or a SLURM cluster.

  <input>      a preset id (${presetIdList()}),
               a share link (…#v1.c.… or #v1.r.…), or a JSON file (an exported config or results file)
  --out DIR    the package folder (created; must be empty unless --force)
  --force      write into a folder that is not empty (files of the same name are replaced)
  --help       this text
`;

/** prepare_data.mjs: tools/prepare-data.ts with the lab's data pipeline bundled in, for Node ≥ 20 alone. */
async function bundlePrepareData(out: string): Promise<void> {
  await build({
    entryPoints: [resolve('tools/prepare-data.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: join(out, 'prepare_data.mjs'),
    logLevel: 'warning',
    legalComments: 'none',
    define: { 'import.meta.env.DEV': 'false' },
  });
}

const OPTIONS = { out: { type: 'string' }, force: { type: 'boolean' } } as const;

async function main(): Promise<number | void> {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS, positionals: { min: 1, max: 1, what: 'experiment', hint: 'a preset, a share link or a config.json' } });
  if (parsed === null) return printUsage(USAGE);
  const { values, positionals } = parsed;
  if (!values.out) throw new UsageError('--out DIR is required');
  const config = experimentOf(positionals[0]);
  const out = resolve(values.out);
  if (existsSync(out) && readdirSync(out).length > 0 && !values.force) {
    throw new PackageInputError(`${out} is not empty: choose another folder, or --force to write into it`);
  }
  const tokenizer = await packageTokenizer(tokenizerChoice(config.tokenizer, config.data), config.tokenizer, join(LAB_BUNDLED_DIR, 'tokenizer.json'));
  const files = buildTorchPackage(config, tokenizer);
  for (const file of files) {
    const path = join(out, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    if (file.executable) chmodSync(path, 0o755);
  }
  if (config.data.kind === 'bundled') {
    mkdirSync(join(out, 'shards'), { recursive: true });
    for (const name of Object.values(BUNDLED_SHARDS)) copyFileSync(join(LAB_BUNDLED_DIR, name), join(out, 'shards', name));
  }
  await bundlePrepareData(out);
  const runs = files.find((f) => f.path === 'manifest.jsonl')!.content.trim().split('\n').length;
  console.log(`wrote ${out}: ${runs} runs of "${config.name}"`);
  console.log(`next: cd ${out} && node prepare_data.mjs && ./launch_torchrun.sh   (see README.md)`);
}

runCommand('export:torch', USAGE, main, { expected: (e) => e instanceof PackageInputError });
