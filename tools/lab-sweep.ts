// Runs an experiment with the lab's own engine in Node (WebGPU through Dawn; on a machine without
// a GPU, SwiftShader: prefix LD_LIBRARY_PATH=/usr/lib/chromium
// VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json), writing its records in the PyTorch
// package's results layout, so that both sides of a sweep import and compare the same way:
//
//   node scripts/run-ts.mjs tools/lab-sweep.ts <preset | share link | config.json> --out DIR
//
// The same code path as the page (src/train/sweep.ts, run.ts, setup.ts, gpu-engine.ts), minus
// workers and IndexedDB.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { planRuns, microBatchLimit } from '../src/experiment/plan';
import type { ExperimentConfig } from '../src/experiment/schema';
import { GpuError, describeAdapter } from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import { chooseMicroBatch } from '../src/model/config';
import { experimentLine, recordLine, runFileName } from '../src/scale-out/import';
import { BUNDLED_SHARDS, LAB_BUNDLED_DIR, PackageInputError, choiceTokenizer, shardRef } from '../src/scale-out/node-io';
import { trainRun } from '../src/train/run';
import { createEngine, prepareRunData } from '../src/train/setup';
import { runSweep } from '../src/train/sweep';
import { tokenizerChoice } from '../src/worker/data-setup';
import { UsageError, parseCommand, printUsage, runCommand } from './cli';
import { experimentOf } from './scale-out/experiment';

const USAGE = `usage: node scripts/run-ts.mjs tools/lab-sweep.ts <preset | share link | config.json> --out DIR

Trains the experiment with the lab's own WebGPU engine in Node (Dawn) and writes DIR/experiment.jsonl
and DIR/run-NNNNN.jsonl, the results layout of a PyTorch package (npm run cbs -- DIR reads it).

  --out DIR   the results folder
  --help      this text
`;

function shardLocations(config: ExperimentConfig): { train: string[]; validation: string[] } {
  if (config.data.kind === 'bundled') {
    return { train: [join(LAB_BUNDLED_DIR, BUNDLED_SHARDS.train)], validation: [join(LAB_BUNDLED_DIR, BUNDLED_SHARDS.validation)] };
  }
  if (config.data.kind === 'urls') return { train: config.data.train, validation: config.data.validation };
  throw new PackageInputError('a config on local files cannot be run here: use the page');
}

async function main(): Promise<number | void> {
  const parsed = parseCommand(process.argv.slice(2), { options: { out: { type: 'string' } }, positionals: { min: 1, max: 1, what: 'experiment' } });
  if (parsed === null) return printUsage(USAGE);
  const { values, positionals } = parsed;
  if (!values.out) throw new UsageError('--out DIR is required');
  const config = experimentOf(positionals[0]);
  const out = values.out;
  const locations = shardLocations(config);
  const dataset = {
    name: config.data.kind,
    train: await Promise.all(locations.train.map(shardRef)),
    validation: await Promise.all(locations.validation.map(shardRef)),
  };
  const tokenizer = await choiceTokenizer(tokenizerChoice(config.tokenizer, config.data), config.tokenizer, {
    bundledTokenizer: join(LAB_BUNDLED_DIR, 'tokenizer.json'),
    trainShards: dataset.train,
  });
  const gpu = await acquireNodeGpu();
  const adapter = describeAdapter(gpu.adapter);
  // The page's plan (src/worker/experiment-runner.ts): at least two micro-batches where B allows.
  const plan = planRuns(config, {
    vocabSize: tokenizer.vocabSize,
    microBatchFor: (model, batchSize) => chooseMicroBatch(model, batchSize, gpu.adapter.limits, microBatchLimit(config, batchSize)),
  });
  const index = new Map(plan.map((spec, i) => [spec.id, i]));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'experiment.jsonl'), experimentLine(config));
  console.log(`adapter: ${adapter}`);
  await runSweep(
    config,
    plan,
    async (spec, options) => {
      const data = await prepareRunData(spec, dataset, tokenizer);
      const engine = await createEngine(gpu, spec);
      try {
        return await trainRun(spec, { engine, data: data.source, validation: data.validation, adapter, bestAtBatch: options.bestAtBatch, censorAfter: options.censorAfter });
      } finally {
        engine.destroy();
      }
    },
    [],
    {
      onRunFinished: (record) => {
        appendFileSync(join(out, runFileName(index.get(record.spec.id)!)), recordLine(record));
        console.log(`${record.spec.id}: ${record.status}, ${record.stepsDone} steps, steps to target ${record.stepsToTarget}`);
      },
    },
    adapter,
  );
  console.log(`wrote ${out}`);
}

runCommand('lab-sweep', USAGE, main, { expected: (e) => e instanceof PackageInputError || e instanceof GpuError });
