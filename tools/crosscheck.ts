// Cross-check command: writes weights.safetensors, batch.json, loss.json and gradients.safetensors
// into a folder, for checking the lab's forward and backward against another framework
// (src/scale-out/crosscheck.py does it in PyTorch; see docs/model.md).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../src/model/config';
import { buildCrossCheck } from '../src/model/crosscheck';
import { PRESET_NAMES, presetConfig } from '../src/model/presets';
import { UsageError, choiceOption, numberOption, parseCommand, printUsage, runCommand } from './cli';

const USAGE = `usage: npm run crosscheck -- --out DIR [flags]

Writes weights.safetensors, batch.json, loss.json and gradients.safetensors for one batch of a
model into DIR, to check the lab's forward and backward against PyTorch (src/scale-out/crosscheck.py).

flags:
  --out DIR        output folder (required)
  --preset NAME    model preset (${PRESET_NAMES.join(', ')}; default tiny-test), or a custom shape:
  --layers L --d D --heads H --context T   (all four; instead of --preset)
  --vocab V        vocabulary size (default 64)
  --seed S         seed of the weights and the batch (default 1)
  --batch B        sequences in the batch (default 2)
  --perturb X      scale of a random perturbation of the initial weights (default 0)
  --help           this text
`;

const OPTIONS = {
  out: { type: 'string' },
  preset: { type: 'string' },
  layers: { type: 'string' },
  d: { type: 'string' },
  heads: { type: 'string' },
  context: { type: 'string' },
  vocab: { type: 'string' },
  seed: { type: 'string' },
  batch: { type: 'string' },
  perturb: { type: 'string' },
} as const;

runCommand('crosscheck', USAGE, () => {
  const parsed = parseCommand(process.argv.slice(2), { options: OPTIONS });
  if (parsed === null) return printUsage(USAGE);
  const v = parsed.values;
  if (!v.out) throw new UsageError('--out DIR is required');
  const positive = { integer: true, min: 1 } as const;
  const vocab = numberOption('vocab', v.vocab, { integer: true, min: 2 }) ?? 64;
  const shape = { layers: numberOption('layers', v.layers, positive), dModel: numberOption('d', v.d, positive), heads: numberOption('heads', v.heads, positive), context: numberOption('context', v.context, positive) };
  const given = Object.values(shape).filter((x) => x !== undefined).length;
  if (given > 0 && given < 4) throw new UsageError('a custom shape needs all four of --layers, --d, --heads and --context');
  if (given === 4 && v.preset !== undefined) throw new UsageError('give --preset or a custom shape, not both');
  const cfg: ModelConfig =
    given === 4
      ? { name: 'custom', layers: shape.layers as number, dModel: shape.dModel as number, heads: shape.heads as number, context: shape.context as number, vocabSize: vocab }
      : presetConfig(choiceOption('preset', v.preset, PRESET_NAMES) ?? 'tiny-test', vocab);
  if (cfg.dModel % cfg.heads !== 0) throw new UsageError(`--d (${cfg.dModel}) must be a multiple of --heads (${cfg.heads})`);
  const seed = numberOption('seed', v.seed, { integer: true }) ?? 1;
  const batch = numberOption('batch', v.batch, positive) ?? 2;
  const perturb = numberOption('perturb', v.perturb, { min: 0 }) ?? 0;
  const bundle = buildCrossCheck(cfg, seed, batch, cfg.context, perturb);
  mkdirSync(v.out, { recursive: true });
  writeFileSync(join(v.out, 'weights.safetensors'), bundle.weights);
  writeFileSync(join(v.out, 'batch.json'), JSON.stringify(bundle.batch) + '\n');
  writeFileSync(join(v.out, 'loss.json'), JSON.stringify({ ...bundle.loss, config: bundle.config, seed: bundle.seed, perturb: bundle.perturb }, null, 2) + '\n');
  writeFileSync(join(v.out, 'gradients.safetensors'), bundle.gradients);
  console.log(`wrote ${v.out}: ${cfg.name} (${cfg.layers}L d${cfg.dModel} h${cfg.heads} T${cfg.context} V${cfg.vocabSize}), seed ${bundle.seed}, loss ${bundle.loss.loss}`);
});
