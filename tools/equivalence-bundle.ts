// Writes the equivalence bundle the Python tests of the PyTorch package read (src/scale-out/test_*.py):
//
//   node scripts/run-ts.mjs tools/equivalence-bundle.ts --out DIR [--gpu]
//
// DIR/spec.json (the run), weights.safetensors (its initial weights, the lab's export),
// data/ (its token files, written by prepare_data's own code), reference.json (the lab's loop on
// the float64 reference engine), protocol.json (tools/scale-out/equivalence.ts) and
// init-large.safetensors (the lab's init of a 1.4M-parameter model); with --gpu also lab-f32.json,
// the same run on the lab's float32 WebGPU engine through Dawn (on a machine without a GPU,
// prefix LD_LIBRARY_PATH=/usr/lib/chromium VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteTokenizer, type DatasetSpec } from '../src/data';
import { GpuError, describeAdapter } from '../src/gpu';
import { acquireNodeGpu } from '../src/gpu/node';
import type { ModelConfig } from '../src/model/config';
import { initParameters } from '../src/model/init';
import { buildLayout } from '../src/model/layout';
import { exportModelSafetensors } from '../src/model/safetensors';
import { tokenBudget } from '../src/scale-out/manifest';
import { BUNDLED_SHARDS, LAB_BUNDLED_DIR, shardRef, writeTokenFiles } from '../src/scale-out/node-io';
import type { RunRecord, RunSpec } from '../src/experiment/schema';
import { trainRun } from '../src/train/run';
import { createEngine, prepareRunData } from '../src/train/setup';
import { UsageError, parseCommand, printUsage, runCommand } from './cli';
import { equivalenceSpec, protocolVectors, referenceRecord, targetedSpec } from './scale-out/equivalence';

const USAGE = `usage: node scripts/run-ts.mjs tools/equivalence-bundle.ts --out DIR [--gpu]

Writes what the Python tests of the PyTorch package compare against: a small run's spec, its
initial weights and token files, the lab's float64 reference run of it, and protocol vectors.

  --out DIR   output folder
  --gpu       also run it on the lab's float32 WebGPU engine (Dawn) into lab-f32.json
  --help      this text
`;

/** The larger model whose initial weights train.py must reproduce bit for bit. */
const LARGE_INIT: { config: ModelConfig; seed: number } = { config: { name: 'init-check', layers: 2, dModel: 128, heads: 4, context: 64, vocabSize: 4096 }, seed: 12345 };

/** The lab's float32 path: the run on the WebGPU engine the page trains with. */
async function gpuRecord(spec: RunSpec, dataset: DatasetSpec): Promise<RunRecord> {
  const gpu = await acquireNodeGpu();
  const data = await prepareRunData(spec, dataset, new ByteTokenizer());
  const engine = await createEngine(gpu, spec);
  try {
    return await trainRun(spec, { engine, data: data.source, validation: data.validation, adapter: describeAdapter(gpu.adapter) });
  } finally {
    engine.destroy();
  }
}

async function main(): Promise<number | void> {
  const parsed = parseCommand(process.argv.slice(2), { options: { out: { type: 'string' }, gpu: { type: 'boolean' } } });
  if (parsed === null) return printUsage(USAGE);
  const { values } = parsed;
  if (!values.out) throw new UsageError('--out DIR is required');
  const out = values.out;
  const tokenizer = new ByteTokenizer();
  const dataset: DatasetSpec = {
    name: 'bundled',
    train: [await shardRef(join(LAB_BUNDLED_DIR, BUNDLED_SHARDS.train))],
    validation: [await shardRef(join(LAB_BUNDLED_DIR, BUNDLED_SHARDS.validation))],
  };
  const untargeted = equivalenceSpec(tokenizer.vocabSize, null);
  const params = initParameters(untargeted.model, untargeted.seeds.init);
  const spec = targetedSpec(await referenceRecord(untargeted, dataset, tokenizer, params));
  const reference = await referenceRecord(spec, dataset, tokenizer, params);

  mkdirSync(out, { recursive: true });
  const json = (value: unknown) => JSON.stringify(value, null, 1) + '\n';
  writeFileSync(join(out, 'spec.json'), json(spec));
  writeFileSync(join(out, 'weights.safetensors'), exportModelSafetensors(buildLayout(spec.model), params, { seed: String(spec.seeds.init) }));
  await writeTokenFiles(join(out, 'data'), tokenizer, dataset, tokenBudget([spec]));
  writeFileSync(join(out, 'reference.json'), json(reference));
  writeFileSync(join(out, 'protocol.json'), json(protocolVectors()));
  const large = LARGE_INIT.config;
  writeFileSync(join(out, 'init-large.safetensors'), exportModelSafetensors(buildLayout(large), initParameters(large, LARGE_INIT.seed), { seed: String(LARGE_INIT.seed) }));
  console.log(`reference: ${reference.status}, ${reference.stepsDone} steps, final loss ${reference.steps.at(-1)?.trainLoss}, steps to target ${reference.stepsToTarget}`);
  if (values.gpu) {
    const record = await gpuRecord(spec, dataset);
    if (record.status === 'failed') throw new Error(`the lab's GPU run failed: ${record.failure?.reason}`);
    writeFileSync(join(out, 'lab-f32.json'), json(record));
    console.log(`lab float32 (${record.adapter}): ${record.status}, final loss ${record.steps.at(-1)?.trainLoss}`);
  }
  console.log(`wrote ${out}`);
}

runCommand('equivalence-bundle', USAGE, main, { expected: (e) => e instanceof GpuError });
