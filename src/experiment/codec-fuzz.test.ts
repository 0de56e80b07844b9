// Regression fuzzing of the link decoder from a fixed seed. The byte-level mutations of
// codec.test.ts mostly die at the checksum; these mutate the JSON inside a link and re-pack it
// with a valid checksum, so that every mutant reaches migration and validation, where the
// escapes of the fault-injection round were (deep nesting, huge values).
//
// Two properties, over 2,400 links: no decode throws (0 escapes), and every config or results
// object that decodes lies inside the limits the docs state (checked here independently of
// validate.ts, which is what is under test).
import { describe, expect, it } from 'vitest';
import { decodeLink, encodeConfigFragment, encodeResultsFragment } from './codec';
import { EXPERIMENT_PRESETS } from './presets';
import { syntheticResults } from './synthetic';
import { CONFIG_VERSION, type ExperimentConfig, type ExperimentResults, type RunSpec } from './schema';
import { mulberry32 } from '../util/random';
import { handPacked as packJson } from './fixtures/hand-packed';

const SEED = 20_241_013;
const LINKS = 2_400;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Paths to the nodes of a JSON value (lists of keys) down to depth 12, found without recursion. */
function paths(root: Json): (string | number)[][] {
  const out: (string | number)[][] = [];
  const stack: { v: Json; p: (string | number)[] }[] = [{ v: root, p: [] }];
  while (stack.length > 0) {
    const { v, p } = stack.pop()!;
    out.push(p);
    if (p.length >= 12) continue;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, p: [...p, i] }));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) stack.push({ v: x, p: [...p, k] });
  }
  return out;
}

function nested(depth: number, leaf: Json): Json {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}

/** Values that broke or nearly broke decoders before: edges of every numeric limit, odd text, deep and wide shapes. */
function strangeValue(rand: () => number): Json {
  const pick = <T,>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  return pick<() => Json>([
    () => pick([0, -0, -1, 1, 2, 0.5, 5e-324, -5e-324, 1e308, -1e308, 2 ** 53, 2 ** 53 + 2, 2 ** 31, 2 ** 32, 1 << 20, (1 << 20) + 1, 1e12, 1e12 + 1, 16, 17, 65_537, 3.5]),
    () => pick([null, true, false, '', '0', '1e3', 'NaN', 'Infinity', '__proto__', 'constructor', '<img src=x onerror=alert(1)>', 'javascript:alert(1)', '\u0000', '\uFEFF', '\ud800']),
    () => 'x'.repeat(Math.floor(rand() * 5000)),
    () => nested(Math.floor(rand() * 20_000), 1),
    () => Array.from({ length: Math.floor(rand() * 300) }, (_, i) => i),
    () => ({ __proto__: { polluted: true }, constructor: 1 }) as unknown as Json,
    () => ({}),
    () => [],
  ])();
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): Json {
  if (path.length === 0) return value ?? null;
  let node = root as Record<string | number, Json>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return root;
}

function mutate(original: Json, rand: () => number): Json {
  let value = structuredClone(original);
  const edits = 1 + Math.floor(rand() * 3);
  for (let k = 0; k < edits; k++) {
    const all = paths(value);
    // Mostly the fields people set (config, run specs), not the long lists of measurements.
    const settings = all.filter((p) => !p.includes('steps') && !p.includes('evals'));
    const from = rand() < 0.8 && settings.length > 0 ? settings : all;
    const path = from[Math.floor(rand() * from.length)];
    const op = rand();
    if (op < 0.6) value = setAt(value, path, strangeValue(rand));
    else if (op < 0.8) value = setAt(value, path, undefined);
    else if (path.length > 0) {
      // An extra key next to a real one.
      const parent = path.slice(0, -1);
      const key = ['__proto__', 'constructor', 'prototype', 'extra', 'x'.repeat(3000)][Math.floor(rand() * 5)];
      const holder = parent.reduce<Json>((n, p) => (n as Record<string | number, Json>)[p], value);
      if (holder !== null && typeof holder === 'object' && !Array.isArray(holder)) Object.defineProperty(holder, key, { value: strangeValue(rand), enumerable: true, writable: true, configurable: true });
    }
  }
  return value;
}

// ---------- the documented limits (docs/config.md), restated here ----------

const posInt = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= max;
const inRange = (v: unknown, lo: number, hi: number) => typeof v === 'number' && Number.isFinite(v) && v >= lo && v <= hi;
const MAX_BATCH = 1 << 20;
const MAX_D = 1e12;

function limitViolations(config: ExperimentConfig): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => ok || bad.push(what);
  check(config.version === CONFIG_VERSION, 'version');
  check(typeof config.name === 'string' && config.name.length <= 200, 'name');
  check(config.models.length >= 1 && config.models.length <= 16, 'models');
  config.models.forEach((m, i) => {
    check(typeof m.name === 'string' && m.name.length <= 40, `models[${i}].name`);
    check(posInt(m.layers, 128) && posInt(m.dModel, 16384) && posInt(m.heads, 256) && posInt(m.context, 65536), `models[${i}] shape`);
    check(Number.isInteger(m.vocabSize) && m.vocabSize >= 0 && m.vocabSize <= 1 << 24, `models[${i}].vocabSize`);
    check(m.dModel % m.heads === 0 && (m.dModel / m.heads) % 2 === 0, `models[${i}] heads`);
  });
  // Display names stay unique: one shape per name.
  const shapes = new Map<string, string>();
  for (const m of config.models) {
    const shape = `${m.layers}/${m.dModel}/${m.heads}/${m.context}/${m.vocabSize}`;
    check((shapes.get(m.name) ?? shape) === shape, `model name ${m.name} names two shapes`);
    shapes.set(m.name, shape);
  }
  check(config.dataSizes.length >= 1 && config.dataSizes.length <= 32 && config.dataSizes.every((d) => posInt(d, MAX_D)), 'dataSizes');
  check(config.batchSizes.length >= 1 && config.batchSizes.length <= 32 && config.batchSizes.every((b) => posInt(b, MAX_BATCH)), 'batchSizes');
  check(new Set(config.batchSizes).size === config.batchSizes.length, 'batchSizes repeat');
  check(config.learningRates.values.length >= 1 && config.learningRates.values.length <= 16 && config.learningRates.values.every((v) => inRange(v, Number.MIN_VALUE, 10) && v > 0), 'learningRates');
  check(posInt(config.learningRates.baseBatch, MAX_BATCH), 'baseBatch');
  check(inRange(config.analysis.overhead, 0, 10) && config.analysis.overhead > 0, 'overhead');
  check(Number.isInteger(config.workers) && config.workers >= 1 && config.workers <= 16, 'workers');
  check(config.seeds.length >= 1 && config.seeds.length <= 16, 'seeds');
  if (config.data.kind !== 'bundled') {
    for (const u of [...config.data.train, ...config.data.validation]) check(typeof u === 'string' && u.length <= 2000, 'url');
  }
  if (config.target.kind === 'fixed') check(inRange(config.target.loss, 0, 100) && config.target.loss > 0, 'target');
  else check(posInt(config.target.batchSize, MAX_BATCH), 'target.batchSize');
  return bad;
}

function specViolations(spec: RunSpec, i: number): string[] {
  const bad: string[] = [];
  const check = (ok: boolean, what: string) => ok || bad.push(`runs[${i}].spec.${what}`);
  check(posInt(spec.batchSize, MAX_BATCH), 'batchSize');
  check(posInt(spec.microBatch, MAX_BATCH) && spec.batchSize % spec.microBatch === 0, 'microBatch');
  check(posInt(spec.dataSize, MAX_D), 'dataSize');
  check(inRange(spec.peakLr, 0, 10) && spec.peakLr > 0, 'peakLr');
  check(posInt(spec.maxSteps, 1e9), 'maxSteps');
  check(Number.isInteger(spec.warmupSteps) && spec.warmupSteps >= 0, 'warmupSteps');
  check(inRange(spec.beta1, 0, 1) && spec.beta1 < 1 && inRange(spec.beta2, 0, 1) && spec.beta2 < 1, 'betas');
  check(spec.ewaDecays.length >= 1 && spec.ewaDecays.every((d) => inRange(d, 0, 1) && d < 1), 'ewaDecays');
  check(inRange(spec.eps, 0, 1) && spec.eps > 0, 'eps');
  return bad;
}

describe('fuzzing links from a fixed seed', () => {
  it(`${LINKS} structurally mutated links: 0 escapes, 0 configs or run specs outside the documented limits`, () => {
    const rand = mulberry32(SEED);
    const configs = EXPERIMENT_PRESETS.map((p) => p.config() as unknown as Json);
    // The synthetic results, slimmed (a few runs, short series) so that 800 of them pack quickly.
    const full = syntheticResults();
    const results = { ...full, runs: full.runs.slice(0, 4).map((r) => ({ ...r, steps: r.steps.slice(0, 3), evals: r.evals.slice(0, 4) })) } as unknown as Json;
    const outcomes: Record<string, number> = {};
    const escapes: string[] = [];
    const outside: string[] = [];
    for (let i = 0; i < LINKS; i++) {
      const isResults = i % 3 === 2;
      const original = isResults ? results : configs[i % configs.length];
      const mutant = mutate(original, rand);
      let link: string;
      try {
        link = `#v1.${isResults ? 'r' : 'c'}.${packJson(JSON.stringify(mutant))}`;
      } catch {
        // The mutant itself cannot be written as JSON (Node's stack): a raw deep text stands in.
        link = `#v1.c.${packJson(`{"version":${'['.repeat(20_000)}1${']'.repeat(20_000)}}`)}`;
      }
      let out: ReturnType<typeof decodeLink>;
      try {
        out = decodeLink(link);
      } catch (e) {
        escapes.push(`link ${i}: ${(e as Error).message.slice(0, 100)}`);
        continue;
      }
      outcomes[out.ok ? `ok-${out.kind}` : out.code] = (outcomes[out.ok ? `ok-${out.kind}` : out.code] ?? 0) + 1;
      if (!out.ok) {
        if (out.message.includes('\n') || out.message.length > 400) outside.push(`link ${i}: a message of ${out.message.length} characters`);
        continue;
      }
      outside.push(...limitViolations(out.config).map((v) => `link ${i}: ${v}`));
      if (out.kind === 'results') out.results.runs.forEach((r, k) => outside.push(...specViolations(r.spec, k).map((v) => `link ${i}: ${v}`)));
      // What decodes re-encodes to a link that decodes to the same thing.
      const again = out.kind === 'config' ? decodeLink(encodeConfigFragment(out.config)) : (() => {
        const enc = encodeResultsFragment(out.results as ExperimentResults, Infinity);
        return enc.ok ? decodeLink(enc.fragment) : null;
      })();
      if (!again?.ok) outside.push(`link ${i}: decodes, but its re-encoding does not`);
    }
    console.log(`fuzz (seed ${SEED}, ${LINKS} links):`, outcomes);
    expect(escapes).toEqual([]);
    expect(outside).toEqual([]);
    // The mutations must reach validation, not die earlier, or this test proves little.
    expect(outcomes.invalid ?? 0).toBeGreaterThan(LINKS / 3);
    expect((outcomes['ok-config'] ?? 0) + (outcomes['ok-results'] ?? 0)).toBeGreaterThan(20);
  });
});
