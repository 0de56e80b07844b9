// The layers run one way: ui → state → worker → train → experiment/model/optim/data → kernels →
// gpu, with cbs (analysis) beside train. This test reads every import in src/ and fails on any
// that runs back up (or sideways between two folders of the same layer), naming the file and
// the import, so a new module lands in the right home or the table below changes on purpose.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Each top-level folder of src/ and its layer: a module may import only from lower layers. */
export const LAYER: Readonly<Record<string, number>> = {
  util: 0,
  gpu: 1,
  kernels: 2,
  model: 3,
  optim: 3,
  data: 3,
  experiment: 4,
  train: 5,
  cbs: 5,
  'scale-out': 5,
  theory: 6,
  bench: 6,
  worker: 7,
  state: 8,
  ui: 9,
  'main.tsx': 10,
  'service-worker.ts': 10,
};

const SRC = resolve(__dirname);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) ? [path] : [];
  });
}

function layerOf(file: string): string {
  return relative(SRC, file).split('/')[0];
}

/** Relative import specifiers of a file (static, dynamic and re-exports). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs: string[] = [];
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) specs.push(m[1]);
  return specs;
}

describe('layers', () => {
  const files = sourceFiles(SRC).filter((f) => f !== __filename);

  it('every top-level folder of src/ has a layer', () => {
    const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in LAYER));
    expect(unknown, 'add the new folder to LAYER in src/layers.test.ts').toEqual([]);
  });

  it('imports run one way, down the layers', () => {
    const upward: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const spec of importsOf(file)) {
        const target = resolve(dirname(file), spec.replace(/\?raw$/, ''));
        if (!target.startsWith(SRC + '/')) {
          // Outside src/, the core reads only its WGSL; tools/ and e2e/ sit above every layer.
          if (!relative(SRC, target).startsWith('../shaders/')) upward.push(`${relative(SRC, file)} imports ${spec} (outside src/)`);
          continue;
        }
        const to = layerOf(target);
        if (to === from) continue;
        if (!(LAYER[to] < LAYER[from])) upward.push(`${relative(SRC, file)} imports ${spec} (${from} → ${to})`);
      }
    }
    expect(upward).toEqual([]);
  });
});
