// Cross-check command: writes weights.safetensors, batch.json, loss.json and gradients.safetensors
// into a folder, for checking the lab's forward and backward against another framework
// (src/model/crosscheck.py does it in PyTorch; see docs/model.md).
//
//   node scripts/run-ts.mjs tools/crosscheck.ts --out DIR [--preset tiny-test | --layers L
//     --d D --heads H --context T] [--vocab V] [--seed S] [--batch B] [--perturb X]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelConfig } from '../src/model/config';
import { buildCrossCheck } from '../src/model/crosscheck';
import { presetConfig } from '../src/model/presets';

function parseArgs(argv: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    out.set(a.slice(2), argv[++i] ?? '');
  }
  return out;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const num = (k: string, d: number) => (args.has(k) ? Number(args.get(k)) : d);
  const out = args.get('out');
  if (!out) throw new Error('usage: crosscheck.cli.ts --out DIR [--preset NAME | --layers L --d D --heads H --context T] [--vocab V] [--seed S] [--batch B]');
  const vocab = num('vocab', 64);
  const cfg: ModelConfig = args.has('layers')
    ? { name: 'custom', layers: num('layers', 1), dModel: num('d', 16), heads: num('heads', 2), context: num('context', 8), vocabSize: vocab }
    : presetConfig(args.get('preset') ?? 'tiny-test', vocab);
  const bundle = buildCrossCheck(cfg, num('seed', 1), num('batch', 2), cfg.context, num('perturb', 0));
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'weights.safetensors'), bundle.weights);
  writeFileSync(join(out, 'batch.json'), JSON.stringify(bundle.batch) + '\n');
  writeFileSync(join(out, 'loss.json'), JSON.stringify({ ...bundle.loss, config: bundle.config, seed: bundle.seed, perturb: bundle.perturb }, null, 2) + '\n');
  writeFileSync(join(out, 'gradients.safetensors'), bundle.gradients);
  console.log(`wrote ${out}: ${cfg.name} (${cfg.layers}L d${cfg.dModel} h${cfg.heads} T${cfg.context} V${cfg.vocabSize}), seed ${bundle.seed}, loss ${bundle.loss.loss}`);
}

main();
