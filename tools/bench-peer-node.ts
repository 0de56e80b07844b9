// The lab vs TF.js throughput comparison in Node on Dawn (docs/peer.md):
//   node scripts/run-ts.mjs tools/bench-peer-node.ts --preset nano --steps 5 [--micro 8] [--vocab 257]
//        [--data text|synthetic] [--init-seed 1]
// On a GPU server, bundled: node scripts/build-device-bundle.mjs tools/bench-peer-node.ts, then
// ./node peer-node.mjs --preset micro --steps 20 (there the bundled text is absent: synthetic data).
import { existsSync, readFileSync } from 'node:fs';
import { describeAdapter } from '../src/gpu';
import { BUNDLED_DIR, BUNDLED_TRAIN_FILE, BUNDLED_VALIDATION_FILE, type DatasetSpec } from '../src/data';
import { presetConfig, PRESET_NAMES } from '../src/model/presets';
import { acquireNodeGpu } from '../src/gpu/node';
import { initTfjsWebgpu } from '../src/bench/tfjs-matmul';
import { initTfjsTraining } from '../src/bench/tfjs-model';
import { comparePeer, formatPeerTable, syntheticBatches, textBatches, type PeerResult } from '../src/bench/peer-compare';
import { choiceOption, listChoiceOption, numberOption, parseCommand, printUsage, runCommand } from './cli';

/** Default micro-batch per preset: enough tokens per step to occupy a GPU, small on the emulator. */
const DEFAULT_MICRO: Record<string, number> = { 'tiny-test': 4, nano: 8, micro: 8, mini: 8, small: 4 };

const USAGE = `usage: npm run bench:peer:node [-- flags]

Trains the same model with the lab's engine and with TF.js (WebGPU backend) in Node on Dawn, from
the same initial weights on the same batches, and prints each side's losses and tokens/s.
Figures only.

flags:
  --preset LIST     model presets, comma-separated (${PRESET_NAMES.join(', ')}; default nano)
  --steps N         training steps per side (default 5; tokens/s over steps 2…N)
  --micro N         sequences per step (default per preset: ${Object.entries(DEFAULT_MICRO).map(([k, v]) => `${k} ${v}`).join(', ')})
  --vocab N         vocabulary size (default 257)
  --data KIND       text (the bundled shards, byte tokens; needs --vocab 257) | synthetic (default text)
  --init-seed N     seed of the initial weights (default 1)
  --help            this text
`;

const OPTIONS = {
  preset: { type: 'string' },
  steps: { type: 'string' },
  micro: { type: 'string' },
  vocab: { type: 'string' },
  data: { type: 'string' },
  'init-seed': { type: 'string' },
} as const;

/** The bundled shards from public/ when run from the repository, as file shards. */
function bundledFromDisk(): DatasetSpec | null {
  const dir = `public/${BUNDLED_DIR}`;
  const train = dir + BUNDLED_TRAIN_FILE;
  const validation = dir + BUNDLED_VALIDATION_FILE;
  if (!existsSync(train) || !existsSync(validation)) return null;
  return {
    name: 'bundled (from disk)',
    train: [{ kind: 'file', file: new Blob([readFileSync(train)]), key: train }],
    validation: [{ kind: 'file', file: new Blob([readFileSync(validation)]), key: validation }],
  };
}

runCommand('bench:peer:node', USAGE, async () => {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS });
  if (parsed === null) return printUsage(USAGE);
  const v = parsed.values;
  const presets = listChoiceOption('preset', v.preset, PRESET_NAMES) ?? ['nano'];
  const steps = numberOption('steps', v.steps, { integer: true, min: 1 }) ?? 5;
  const vocab = numberOption('vocab', v.vocab, { integer: true, min: 2 }) ?? 257;
  const initSeed = numberOption('init-seed', v['init-seed'], { integer: true }) ?? 1;
  const microGiven = numberOption('micro', v.micro, { integer: true, min: 1 });
  const dataKind = choiceOption('data', v.data, ['text', 'synthetic'] as const) ?? 'text';
  const gpu = await acquireNodeGpu();
  console.log(`adapter: ${describeAdapter(gpu.adapter)}`);
  // TF.js's gradients exist only as ESM sources with extensionless imports, which Node cannot
  // load from node_modules; a relative path makes esbuild inline them (run-ts keeps packages
  // external). They register into tfjs-core's global registry, shared with the CJS build.
  const tf = await initTfjsWebgpu();
  if (!tf.getGradient('BatchMatMul')) await import('../node_modules/@tensorflow/tfjs-core/dist/register_all_gradients.js');
  await initTfjsTraining(); // checks that they registered
  const disk = dataKind === 'text' && vocab === 257 ? bundledFromDisk() : null;
  if (dataKind === 'text' && !disk) console.log('bundled text not found (or vocab ≠ 257): synthetic Markov data instead');
  const rows: PeerResult[] = [];
  for (const name of presets) {
    const model = presetConfig(name, vocab);
    const microBatch = microGiven ?? DEFAULT_MICRO[name] ?? 4;
    const batches = disk
      ? await textBatches(model, microBatch, steps, disk)
      : syntheticBatches(model, microBatch, steps);
    const data = disk ? 'bundled text, byte tokenizer, data seed 2' : 'synthetic order-1 Markov stream, 4 successors per token';
    const r = await comparePeer(gpu, { model, microBatch, steps, initSeed }, batches, data);
    rows.push(r);
    console.log(`${name}: data ${data}`);
    console.log(`  lab   losses ${r.lab.losses.map((l) => l.toFixed(5)).join(' ')}; step s ${r.lab.stepSeconds.map((s) => s.toFixed(3)).join(' ')}`);
    console.log(`  TF.js losses ${r.tfjs.losses.map((l) => l.toFixed(5)).join(' ')}; step s ${r.tfjs.stepSeconds.map((s) => s.toFixed(3)).join(' ')}`);
  }
  console.log(`\n${steps} steps each; tokens/s over steps 2…${steps} (step 1 is warm-up)\n` + formatPeerTable(rows));
});
