// Validation of experiment configs and results that come from anywhere: the builder form, a share
// link, a JSON file, IndexedDB. Input is `unknown`; the answer is a list of {path, message}, in
// words a person can act on. Nothing here throws on user input.
import { CONFIG_VERSION, RESULTS_VERSION, type ExperimentConfig, type ExperimentResults, type RunTiming } from './schema';
import { modelConfigErrors } from '../model/config';
import { warmupSteps } from '../optim/schedule';
import { formatCount } from '../util/format';
import { beta2For, branchSteps, budgetSteps, commonBranchTokens } from './plan';
import { field, LIMITS, type FieldCheck, type FieldPath } from './fields';
import { isInt, isNum, isObj, type JsonObject } from '../util/guards';

export { LIMITS };

export interface ValidationIssue {
  /** Where, e.g. "batchSizes[2]" or "models[0].dModel"; "" for the whole thing. */
  path: string;
  message: string;
}

type Obj = JsonObject;
/** A value in a message: short text quoted (cut at 40 characters), a list or an object named, never dumped. */
export const describeValue = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isObj(v)) return 'an object';
  return String(v);
};
const show = describeValue;
/** A key from the input, as a path: cut, so that a megabyte-long key does not become a megabyte-long message. */
const clipKey = (k: string): string => (k.length > 40 ? `${k.slice(0, 40)}…` : k);

/** A small collector: each check adds a sentence at a path and returns whether the value was fine. */
class Checker {
  readonly issues: ValidationIssue[] = [];
  add(path: string, message: string): false {
    this.issues.push({ path, message });
    return false;
  }
  object(v: unknown, path: string, keys: readonly string[], optional: readonly string[] = []): v is Obj {
    if (!isObj(v)) return this.add(path, `${path || 'the config'} must be an object (got ${show(v)})`);
    for (const k of keys) if (!(k in v)) this.add(join(path, k), `${join(path, k)} is missing`);
    for (const k of Object.keys(v)) {
      if (!keys.includes(k) && !optional.includes(k)) this.add(join(path, clipKey(k)), `unknown field ${join(path, clipKey(k))}`);
    }
    return true;
  }
  positiveInt(v: unknown, path: string, max = Number.MAX_SAFE_INTEGER): v is number {
    if (!isInt(v) || v <= 0) return this.add(path, `${path} must be a positive integer (got ${show(v)})`);
    if (v > max) return this.add(path, `${path} must be at most ${max} (got ${v})`);
    return true;
  }
  int(v: unknown, path: string, min: number, max: number): v is number {
    if (!isInt(v) || v < min || v > max) return this.add(path, `${path} must be an integer from ${min} to ${max} (got ${show(v)})`);
    return true;
  }
  /** A finite number in [min, max] (or [min, max) when `openMax`). */
  range(v: unknown, path: string, min: number, max: number, openMax = false): v is number {
    const ok = isNum(v) && v >= min && (openMax ? v < max : v <= max);
    if (!ok) return this.add(path, `${path} must be a number from ${min} to ${openMax ? `below ${max}` : max} (got ${show(v)})`);
    return true;
  }
  positive(v: unknown, path: string, max = Infinity): v is number {
    if (!isNum(v) || v <= 0 || v > max) {
      return this.add(path, `${path} must be a positive number${max < Infinity ? ` up to ${max}` : ''} (got ${show(v)})`);
    }
    return true;
  }
  bool(v: unknown, path: string): v is boolean {
    if (typeof v !== 'boolean') return this.add(path, `${path} must be true or false (got ${show(v)})`);
    return true;
  }
  string(v: unknown, path: string, maxLength = 200): v is string {
    if (typeof v !== 'string') return this.add(path, `${path} must be text (got ${show(v)})`);
    if (v.length > maxLength) return this.add(path, `${path} must be at most ${maxLength} characters (got ${v.length})`);
    return true;
  }
  list(v: unknown, path: string, minLength: number, maxLength: number): v is unknown[] {
    if (!Array.isArray(v)) return this.add(path, `${path} must be a list (got ${show(v)})`);
    if (v.length < minLength) return this.add(path, `${path} needs at least ${minLength} value${minLength === 1 ? '' : 's'}`);
    if (v.length > maxLength) return this.add(path, `${path} may hold at most ${maxLength} values (got ${v.length})`);
    return true;
  }
  /** The scalar check of a field of the field table (./fields.ts), at the concrete path `at`. */
  field(row: FieldPath, v: unknown, at: string): boolean {
    const f = field(row);
    if (f.nullable && v === null) return true;
    return this.scalar(f.check, v, at);
  }
  /** The list bounds of a list field of the field table; its items are checked with field(). */
  listOf(row: FieldPath, v: unknown, at: string): v is unknown[] {
    const bounds = field(row).list;
    if (!bounds) throw new Error(`${row} is not a list field`);
    return this.list(v, at, bounds.min, bounds.max);
  }
  private scalar(check: FieldCheck, v: unknown, at: string): boolean {
    switch (check.kind) {
      case 'int':
        return this.int(v, at, check.min, check.max);
      case 'positive-int':
        return this.positiveInt(v, at, check.max);
      case 'number':
        return this.range(v, at, check.min, check.max, check.maxExclusive === true);
      case 'positive':
        return this.positive(v, at, check.max);
      case 'bool':
        return this.bool(v, at);
      case 'text':
        return this.string(v, at, check.maxLength);
    }
  }
  kind(v: unknown, path: string, kinds: readonly string[]): v is Obj & { kind: string } {
    if (!isObj(v)) return this.add(path, `${path} must be an object (got ${show(v)})`);
    if (typeof v.kind !== 'string' || !kinds.includes(v.kind)) {
      return this.add(`${path}.kind`, `${path}.kind must be one of ${kinds.map((k) => `"${k}"`).join(', ')} (got ${show(v.kind)})`);
    }
    return true;
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

const CONFIG_KEYS = [
  'version', 'name', 'preset', 'models', 'data', 'tokenizer', 'dataSizes', 'batchSizes', 'learningRates',
  'optimizer', 'ewa', 'target', 'cap', 'stopAtTarget', 'censorFactor', 'measureNoiseScale', 'evaluation', 'analysis', 'seeds', 'workers',
] as const;

function checkBeta2(c: Checker, v: unknown, path: string): void {
  if (!c.kind(v, path, ['paper-table', 'fixed', 'horizon'])) return;
  if (v.kind === 'paper-table') c.object(v, path, ['kind']);
  else if (v.kind === 'fixed') {
    if (c.object(v, path, ['kind', 'value'])) c.field('optimizer.beta2.value', v.value, `${path}.value`);
  } else if (c.object(v, path, ['kind', 'fraction'])) c.field('optimizer.beta2.fraction', v.fraction, `${path}.fraction`);
}

function checkSeedPair(c: Checker, v: unknown, path: string): void {
  if (!c.object(v, path, ['init', 'data'])) return;
  c.field('seeds[].init', v.init, `${path}.init`);
  c.field('seeds[].data', v.data, `${path}.data`);
}

function checkUrlList(c: Checker, v: unknown, path: string, requireHttps: boolean): void {
  if (!c.list(v, path, 1, LIMITS.urls)) return;
  v.forEach((u, i) => {
    const p = `${path}[${i}]`;
    if (!c.string(u, p, 2000)) return;
    if (requireHttps) {
      let url: URL | null = null;
      try {
        url = new URL(u);
      } catch {
        url = null;
      }
      if (!url || url.protocol !== 'https:') c.add(p, `${p} must be an https:// address (got ${show(u)})`);
    }
  });
}

function checkModel(c: Checker, v: unknown, path: string): void {
  if (!c.object(v, path, ['name', 'layers', 'dModel', 'heads', 'context', 'vocabSize'])) return;
  c.field('models[].name', v.name, `${path}.name`);
  const okLayers = c.field('models[].layers', v.layers, `${path}.layers`);
  const okD = c.field('models[].dModel', v.dModel, `${path}.dModel`);
  const okH = c.field('models[].heads', v.heads, `${path}.heads`);
  const okT = c.field('models[].context', v.context, `${path}.context`);
  const okV = c.field('models[].vocabSize', v.vocabSize, `${path}.vocabSize`);
  if (okD && okH) {
    const d = v.dModel as number;
    const h = v.heads as number;
    if (d % h !== 0) c.add(`${path}.dModel`, `dModel ${d} is not divisible by heads ${h}`);
    else if ((d / h) % 2 !== 0) c.add(`${path}.heads`, `the head dimension dModel/heads = ${d / h} must be even (RoPE rotates pairs)`);
  }
  if (okLayers && okD && okH && okT && okV) {
    // The model's own rules (vocabSize 0 means "from the tokenizer", so check with a stand-in).
    const m = { name: String(v.name), layers: v.layers as number, dModel: v.dModel as number, heads: v.heads as number, context: v.context as number, vocabSize: (v.vocabSize as number) || 256 };
    for (const e of modelConfigErrors(m)) if (!/divisible|even/.test(e)) c.add(path, e);
  }
}

const SHAPE_FIELDS = ['layers', 'dModel', 'heads', 'context', 'vocabSize'] as const;

/**
 * A name is what people read in charts and reports, so it must name one shape: two models with
 * one name and different shapes would look like one measurement (the analysis keys groups by
 * shape, but a reader cannot). Two entries with the same name and the same shape are the same
 * model listed twice, which is harmless.
 */
function checkModelNames(c: Checker, models: unknown[], path: string): void {
  const shapes = new Map<string, string>();
  models.forEach((m, i) => {
    if (!isObj(m) || typeof m.name !== 'string') return;
    const shape = SHAPE_FIELDS.map((k) => String(m[k])).join('/');
    const first = shapes.get(m.name);
    if (first === undefined) shapes.set(m.name, shape);
    else if (first !== shape) {
      c.add(
        `${path}[${i}].name`,
        `two models are named ${show(m.name)} but differ in shape (layers, dModel, heads, context or vocabSize): give each its own name`,
      );
    }
  });
}

function checkEvaluation(c: Checker, ev: unknown, evp: string): void {
  if (!c.object(ev, evp, ['spacing', 'nearSpacing', 'nearMargin', 'validationTokens', 'probeTokens'])) return;
  c.field('evaluation.probeTokens', ev.probeTokens, `${evp}.probeTokens`);
  c.field('evaluation.spacing', ev.spacing, `${evp}.spacing`);
  if (c.field('evaluation.nearSpacing', ev.nearSpacing, `${evp}.nearSpacing`) && isNum(ev.spacing) && (ev.nearSpacing as number) > ev.spacing) {
    c.add(`${evp}.nearSpacing`, `${evp}.nearSpacing (${ev.nearSpacing}) must not exceed ${evp}.spacing (${ev.spacing}): evaluation gets denser near the target, not sparser`);
  }
  c.field('evaluation.nearMargin', ev.nearMargin, `${evp}.nearMargin`);
  c.field('evaluation.validationTokens', ev.validationTokens, `${evp}.validationTokens`);
}

const LOCAL_CBS_KEYS = ['baseBatch', 'learningRate', 'checkpoints', 'multipliers', 'branchTokens', 'tolerance', 'smoothing', 'loss', 'finalEvaluations', 'compareSchedule'] as const;

/**
 * The local-CBS section, against the model and data size it trains (the first of each). The
 * checks that need them say which field to change and why.
 */
function checkLocalCbs(c: Checker, v: Obj, path: string): void {
  const p = join(path, 'localCbs');
  const l = v.localCbs;
  if (Array.isArray(v.models) && v.models.length !== 1) c.add(join(path, 'models'), `a local-CBS experiment trains one model (got ${v.models.length})`);
  if (Array.isArray(v.dataSizes) && v.dataSizes.length !== 1) {
    c.add(join(path, 'dataSizes'), `a local-CBS experiment has one data size, the base run's budget D (got ${v.dataSizes.length})`);
  }
  if (!c.object(l, p, LOCAL_CBS_KEYS)) return;
  const okB = c.field('localCbs.baseBatch', l.baseBatch, `${p}.baseBatch`);
  c.field('localCbs.learningRate', l.learningRate, `${p}.learningRate`);
  c.field('localCbs.tolerance', l.tolerance, `${p}.tolerance`);
  c.field('localCbs.smoothing', l.smoothing, `${p}.smoothing`);
  if (l.loss !== 'train' && l.loss !== 'validation') c.add(`${p}.loss`, `${p}.loss must be "train" or "validation" (got ${show(l.loss)})`);
  if (c.field('localCbs.finalEvaluations', l.finalEvaluations, `${p}.finalEvaluations`) && l.loss === 'validation' && l.finalEvaluations === 0) {
    c.add(`${p}.finalEvaluations`, `${p}.finalEvaluations must be at least 1 with the validation loss: a branch is read off its evaluations`);
  }
  c.field('localCbs.compareSchedule', l.compareSchedule, `${p}.compareSchedule`);
  const okDelta = c.field('localCbs.branchTokens', l.branchTokens, `${p}.branchTokens`);

  const model = Array.isArray(v.models) && isObj(v.models[0]) ? v.models[0] : null;
  const T = model && isInt(model.context) && model.context > 0 ? model.context : null;
  const D = Array.isArray(v.dataSizes) && isInt(v.dataSizes[0]) && v.dataSizes[0] > 0 ? v.dataSizes[0] : null;
  const optimizer = isObj(v.optimizer) ? v.optimizer : null;

  const multipliers: number[] = [];
  if (c.listOf('localCbs.multipliers[]', l.multipliers, `${p}.multipliers`)) {
    const seen = new Set<number>();
    l.multipliers.forEach((k, i) => {
      const kp = `${p}.multipliers[${i}]`;
      if (!c.field('localCbs.multipliers[]', k, kp)) return;
      if (seen.has(k as number)) return void c.add(kp, `${kp} repeats the multiplier ${k as number}`);
      seen.add(k as number);
      if (okB && !Number.isInteger((k as number) * (l.baseBatch as number))) {
        return void c.add(kp, `${kp}: k·B = ${k as number} × ${l.baseBatch as number} is not a whole number of sequences`);
      }
      multipliers.push(k as number);
    });
  }

  if (okB && okDelta && T !== null && multipliers.length > 0) {
    const B = l.baseBatch as number;
    // Every branch trains exactly Δ tokens: Δ must be a whole number of steps at every k·B.
    const lcm = commonBranchTokens({ multipliers, baseBatch: B }, T);
    const delta = l.branchTokens as number;
    if (delta % lcm !== 0) {
      c.add(`${p}.branchTokens`, `${p}.branchTokens (Δ = ${delta}) must be a multiple of ${lcm} tokens, so that every branch trains exactly Δ tokens in whole steps of k·B·T`);
    } else if (isInt(l.finalEvaluations) && l.loss === 'validation' && l.finalEvaluations > delta / lcm) {
      c.add(
        `${p}.finalEvaluations`,
        `${p}.finalEvaluations (${l.finalEvaluations}) is more than the ${delta / lcm} token counts every branch reaches in whole steps (Δ / ${lcm}): ` +
          'branches are evaluated after the same token counts',
      );
    }
  }

  if (c.listOf('localCbs.checkpoints[]', l.checkpoints, `${p}.checkpoints`)) {
    const ratio = optimizer && isNum(optimizer.warmupRatio) ? optimizer.warmupRatio : null;
    const warmupEnd = okB && T !== null && D !== null && ratio !== null ? warmupSteps(ratio, D, l.baseBatch as number, T) * (l.baseBatch as number) * T : null;
    let previous = -1;
    l.checkpoints.forEach((t, i) => {
      const tp = `${p}.checkpoints[${i}]`;
      if (!c.field('localCbs.checkpoints[]', t, tp) || !isInt(t)) return;
      if (t <= previous) c.add(tp, `${p}.checkpoints must increase (${tp} = ${t} follows ${previous})`);
      previous = t;
      if (okB && T !== null && t % ((l.baseBatch as number) * T) !== 0) {
        c.add(tp, `${tp} (${t} tokens) must be a multiple of the base run's tokens per step B·T = ${(l.baseBatch as number) * T}`);
      }
      if (D !== null && t > D) c.add(tp, `${tp} (${t} tokens) is past the base run's end: it trains D = ${D} tokens`);
      if (warmupEnd !== null && t <= warmupEnd) {
        c.add(
          tp,
          `${tp} (${t} tokens) is not after the base run's warmup, which ends at ${warmupEnd} tokens: its learning rate is still rising there, ` +
            `so branches at √k times it would compare warmups, not batch sizes. Take checkpoints after ${warmupEnd} tokens`,
        );
      }
    });
  }
}

function checkConfigInto(c: Checker, v: unknown, path = ''): void {
  if (!c.object(v, path, CONFIG_KEYS, ['pairing', 'kind', 'localCbs'])) return;
  if (v.kind !== undefined && v.kind !== 'sweep' && v.kind !== 'local-cbs') {
    c.add(join(path, 'kind'), `kind must be "sweep" or "local-cbs" (got ${show(v.kind)})`);
  }
  if (v.kind === 'local-cbs') checkLocalCbs(c, v, path);
  else if (v.localCbs !== undefined) c.add(join(path, 'localCbs'), `localCbs is for kind "local-cbs" only (kind is ${show(v.kind ?? 'sweep')})`);
  const p = (k: string) => join(path, k);
  if (v.version !== CONFIG_VERSION) c.add(p('version'), `version must be ${CONFIG_VERSION} (got ${show(v.version)})`);
  c.field('name', v.name, p('name'));
  if (v.preset !== null) c.string(v.preset, p('preset'), 40);

  if (c.list(v.models, p('models'), 1, LIMITS.models)) {
    v.models.forEach((m, i) => checkModel(c, m, `${p('models')}[${i}]`));
    checkModelNames(c, v.models, p('models'));
  }

  if (c.kind(v.data, p('data'), ['bundled', 'urls', 'local'])) {
    const d = v.data;
    if (d.kind === 'bundled') c.object(d, p('data'), ['kind']);
    else if (c.object(d, p('data'), ['kind', 'train', 'validation'])) {
      checkUrlList(c, d.train, `${p('data')}.train`, d.kind === 'urls');
      checkUrlList(c, d.validation, `${p('data')}.validation`, d.kind === 'urls');
    }
  }

  if (c.kind(v.tokenizer, p('tokenizer'), ['byte', 'bpe', 'gpt2'])) {
    const t = v.tokenizer;
    if (t.kind === 'bpe') {
      if (c.object(t, p('tokenizer'), ['kind', 'vocabSize'], ['hash'])) {
        c.field('tokenizer.vocabSize', t.vocabSize, `${p('tokenizer')}.vocabSize`);
        if ('hash' in t && t.hash !== undefined) c.string(t.hash, `${p('tokenizer')}.hash`, 128);
      }
    } else c.object(t, p('tokenizer'), ['kind']);
  }

  if (c.listOf('dataSizes[]', v.dataSizes, p('dataSizes'))) {
    v.dataSizes.forEach((d, i) => c.field('dataSizes[]', d, `${p('dataSizes')}[${i}]`));
  }
  if (v.pairing !== undefined && v.pairing !== 'grid' && v.pairing !== 'paired') {
    c.add(p('pairing'), `pairing must be "grid" or "paired" (got ${show(v.pairing)})`);
  }
  if (v.pairing === 'paired' && Array.isArray(v.models) && Array.isArray(v.dataSizes) && v.models.length !== v.dataSizes.length) {
    c.add(p('dataSizes'), `paired models and data sizes need one data size per model (${v.models.length} models, ${v.dataSizes.length} data sizes)`);
  }

  if (c.listOf('batchSizes[]', v.batchSizes, p('batchSizes'))) {
    const seen = new Set<number>();
    v.batchSizes.forEach((b, i) => {
      if (!c.field('batchSizes[]', b, `${p('batchSizes')}[${i}]`)) return;
      const batch = b as number;
      if (seen.has(batch)) c.add(`${p('batchSizes')}[${i}]`, `batchSizes[${i}] repeats batch size ${batch}`);
      seen.add(batch);
    });
  }

  const lr = v.learningRates;
  if (c.object(lr, p('learningRates'), ['values', 'exponent', 'baseBatch'])) {
    if (c.listOf('learningRates.values[]', lr.values, `${p('learningRates')}.values`)) {
      lr.values.forEach((x, i) => c.field('learningRates.values[]', x, `${p('learningRates')}.values[${i}]`));
    }
    c.field('learningRates.exponent', lr.exponent, `${p('learningRates')}.exponent`);
    c.field('learningRates.baseBatch', lr.baseBatch, `${p('learningRates')}.baseBatch`);
  }

  const o = v.optimizer;
  const op = p('optimizer');
  if (c.object(o, op, ['beta1', 'beta2', 'eps', 'weightDecay', 'warmupRatio', 'clipNorm'])) {
    c.field('optimizer.beta1', o.beta1, `${op}.beta1`);
    checkBeta2(c, o.beta2, `${op}.beta2`);
    c.field('optimizer.eps', o.eps, `${op}.eps`);
    c.field('optimizer.weightDecay', o.weightDecay, `${op}.weightDecay`);
    c.field('optimizer.warmupRatio', o.warmupRatio, `${op}.warmupRatio`);
    c.field('optimizer.clipNorm', o.clipNorm, `${op}.clipNorm`);
  }

  const e = v.ewa;
  if (c.object(e, p('ewa'), ['horizons']) && c.listOf('ewa.horizons[]', e.horizons, `${p('ewa')}.horizons`)) {
    e.horizons.forEach((h, i) => c.field('ewa.horizons[]', h, `${p('ewa')}.horizons[${i}]`));
  }

  if (c.kind(v.target, p('target'), ['fixed', 'reference'])) {
    const t = v.target;
    if (t.kind === 'fixed') {
      if (c.object(t, p('target'), ['kind', 'loss'])) c.field('target.loss', t.loss, `${p('target')}.loss`);
    } else if (c.object(t, p('target'), ['kind', 'batchSize', 'learningRates'])) {
      c.field('target.batchSize', t.batchSize, `${p('target')}.batchSize`);
      if (t.learningRates !== null && c.listOf('target.learningRates[]', t.learningRates, `${p('target')}.learningRates`)) {
        t.learningRates.forEach((x, i) => c.field('target.learningRates[]', x, `${p('target')}.learningRates[${i}]`));
      }
    }
  }

  if (c.kind(v.cap, p('cap'), ['multiple-of-data', 'steps'])) {
    const k = v.cap;
    if (k.kind === 'multiple-of-data') {
      if (c.object(k, p('cap'), ['kind', 'factor'])) c.field('cap.factor', k.factor, `${p('cap')}.factor`);
    } else if (c.object(k, p('cap'), ['kind', 'steps'])) c.field('cap.steps', k.steps, `${p('cap')}.steps`);
  }

  c.field('stopAtTarget', v.stopAtTarget, p('stopAtTarget'));
  c.field('censorFactor', v.censorFactor, p('censorFactor'));
  c.field('measureNoiseScale', v.measureNoiseScale, p('measureNoiseScale'));

  checkEvaluation(c, v.evaluation, p('evaluation'));

  const a = v.analysis;
  if (c.object(a, p('analysis'), ['overhead', 'baselineBatch', 'interpolate'])) {
    c.field('analysis.overhead', a.overhead, `${p('analysis')}.overhead`);
    c.field('analysis.baselineBatch', a.baselineBatch, `${p('analysis')}.baselineBatch`);
    c.field('analysis.interpolate', a.interpolate, `${p('analysis')}.interpolate`);
  }

  if (c.list(v.seeds, p('seeds'), 1, LIMITS.replicates)) {
    const seen = new Set<string>();
    v.seeds.forEach((pair, i) => {
      checkSeedPair(c, pair, `${p('seeds')}[${i}]`);
      const key = JSON.stringify(pair);
      if (seen.has(key)) c.add(`${p('seeds')}[${i}]`, `seeds[${i}] repeats another replicate's seeds: each replicate needs its own`);
      seen.add(key);
    });
  }
  c.field('workers', v.workers, p('workers'));
}

/** Every problem with a config; empty when it is a valid ExperimentConfig of the current version. */
export function validateConfig(value: unknown): ValidationIssue[] {
  const c = new Checker();
  checkConfigInto(c, value);
  return c.issues;
}

export function isValidConfig(value: unknown): value is ExperimentConfig {
  return validateConfig(value).length === 0;
}

const RUN_ROLES = ['reference', 'sweep', 'base', 'branch', 'constant', 'schedule'] as const;

/** The optional parts of a local-CBS run's spec: a base run's checkpoints, a branch's start, a schedule. */
function checkRunExtras(c: Checker, s: Obj, path: string): void {
  if (s.checkpointSteps !== undefined && c.list(s.checkpointSteps, `${path}.checkpointSteps`, 0, LIMITS.checkpoints)) {
    s.checkpointSteps.forEach((x, i) => c.positiveInt(x, `${path}.checkpointSteps[${i}]`));
  }
  if (s.branch !== undefined && c.object(s.branch, `${path}.branch`, ['baseRunId', 'fromStep', 'fromTokens', 'multiplier', 'evalSteps'])) {
    const b = s.branch;
    c.string(b.baseRunId, `${path}.branch.baseRunId`, 400);
    c.positiveInt(b.fromStep, `${path}.branch.fromStep`);
    c.positiveInt(b.fromTokens, `${path}.branch.fromTokens`);
    c.positive(b.multiplier, `${path}.branch.multiplier`, LIMITS.maxBatch);
    if (c.list(b.evalSteps, `${path}.branch.evalSteps`, 0, 64)) b.evalSteps.forEach((x, i) => c.positiveInt(x, `${path}.branch.evalSteps[${i}]`));
  }
  if (s.role === 'branch' && s.branch === undefined) c.add(`${path}.branch`, `${path}.branch is missing: a branch run says where it starts`);
  if (s.batchSchedule !== undefined && c.list(s.batchSchedule, `${path}.batchSchedule`, 1, 64)) {
    s.batchSchedule.forEach((ph, i) => {
      const pp = `${path}.batchSchedule[${i}]`;
      if (!c.object(ph, pp, ['fromTokens', 'batchSize', 'peakLr'])) return;
      c.int(ph.fromTokens, `${pp}.fromTokens`, 0, Number.MAX_SAFE_INTEGER);
      c.positiveInt(ph.batchSize, `${pp}.batchSize`, LIMITS.maxBatch);
      c.positive(ph.peakLr, `${pp}.peakLr`, 10);
    });
  }
}

const RUN_STATUSES = ['queued', 'running', 'paused', 'reached-target', 'finished', 'censored', 'diverged', 'stopped', 'failed'] as const;

/** A run spec: the same limits as the config it was planned from, so a results link cannot carry a run no config could make. */
function checkSpec(c: Checker, s: Obj, path: string): void {
  c.string(s.id, `${path}.id`, 400);
  checkModel(c, s.model, `${path}.model`);
  c.positiveInt(s.dataSize, `${path}.dataSize`, LIMITS.maxDataSize);
  const okB = c.positiveInt(s.batchSize, `${path}.batchSize`, LIMITS.maxBatch);
  if (c.positiveInt(s.microBatch, `${path}.microBatch`, LIMITS.maxBatch) && okB && (s.batchSize as number) % (s.microBatch as number) !== 0) {
    c.add(`${path}.microBatch`, `${path}.microBatch ${s.microBatch as number} does not divide the batch size ${s.batchSize as number}`);
  }
  c.positive(s.peakLr, `${path}.peakLr`, 10);
  c.range(s.beta1, `${path}.beta1`, 0, 1, true);
  c.range(s.beta2, `${path}.beta2`, 0, 1, true);
  c.positive(s.eps, `${path}.eps`, 1);
  c.range(s.weightDecay, `${path}.weightDecay`, 0, 1);
  c.int(s.warmupSteps, `${path}.warmupSteps`, 0, 1e9);
  c.range(s.clipNorm, `${path}.clipNorm`, 0, 1e6);
  if (c.list(s.ewaDecays, `${path}.ewaDecays`, 1, LIMITS.ewaDecays)) s.ewaDecays.forEach((d, i) => c.range(d, `${path}.ewaDecays[${i}]`, 0, 1, true));
  c.positiveInt(s.maxSteps, `${path}.maxSteps`, 1e9);
  if (s.targetLoss !== null && !isNum(s.targetLoss)) c.add(`${path}.targetLoss`, `${path}.targetLoss must be a number or null`);
  c.bool(s.stopAtTarget, `${path}.stopAtTarget`);
  if (typeof s.role !== 'string' || !(RUN_ROLES as readonly string[]).includes(s.role)) {
    c.add(`${path}.role`, `${path}.role must be one of ${RUN_ROLES.join(', ')} (got ${show(s.role)})`);
  }
  checkRunExtras(c, s, path);
  checkEvaluation(c, s.evaluation, `${path}.evaluation`);
  c.int(s.replicate, `${path}.replicate`, 0, LIMITS.replicates - 1);
  checkSeedPair(c, s.seeds, `${path}.seeds`);
  if (s.poolTokens !== null) c.positiveInt(s.poolTokens, `${path}.poolTokens`, LIMITS.maxDataSize * 1000);
}

const COUNTERS = ['lines', 'documents', 'badUtf8', 'badJson', 'noText', 'blank', 'tooLong'] as const;

function checkShardNote(c: Checker, n: unknown, path: string): void {
  if (!c.object(n, path, ['shard', 'split', 'source', 'stats'])) return;
  c.string(n.shard, `${path}.shard`, 2000);
  if (n.split !== 'train' && n.split !== 'validation') c.add(`${path}.split`, `${path}.split must be "train" or "validation" (got ${show(n.split)})`);
  if (n.source !== 'download' && n.source !== 'cache' && n.source !== 'redownload') {
    c.add(`${path}.source`, `${path}.source must be "download", "cache" or "redownload" (got ${show(n.source)})`);
  }
  if (n.stats !== null && c.object(n.stats, `${path}.stats`, COUNTERS)) {
    for (const k of COUNTERS) c.int(n.stats[k], `${path}.stats.${k}`, 0, Number.MAX_SAFE_INTEGER);
  }
}

/** A loss or norm: a number, or null (JSON's spelling of NaN, e.g. a diverged run). */
function lossLike(c: Checker, v: unknown, path: string): void {
  // NaN and ±Infinity are allowed: a diverged run records them (IndexedDB keeps them as they are).
  if (v !== null && typeof v !== 'number') c.add(path, `${path} must be a number (got ${show(v)})`);
}

function checkRun(c: Checker, r: unknown, path: string): void {
  if (!isObj(r)) {
    c.add(path, `${path} must be an object (got ${show(r)})`);
    return;
  }
  const s = r.spec;
  if (!isObj(s)) c.add(`${path}.spec`, `${path}.spec must be an object (got ${show(s)})`);
  else checkSpec(c, s, `${path}.spec`);
  if (typeof r.status !== 'string' || !(RUN_STATUSES as readonly string[]).includes(r.status)) {
    c.add(`${path}.status`, `${path}.status must be one of ${RUN_STATUSES.join(', ')} (got ${show(r.status)})`);
  }
  if (c.list(r.evals, `${path}.evals`, 0, 100_000)) {
    r.evals.forEach((e, i) => {
      const ep = `${path}.evals[${i}]`;
      if (!isObj(e)) return void c.add(ep, `${ep} must be an object`);
      c.int(e.step, `${ep}.step`, 0, Number.MAX_SAFE_INTEGER);
      c.range(e.tokens, `${ep}.tokens`, 0, Number.MAX_SAFE_INTEGER);
      lossLike(c, e.ewaLoss, `${ep}.ewaLoss`);
      if (c.list(e.ewaLosses, `${ep}.ewaLosses`, 1, LIMITS.ewaDecays)) e.ewaLosses.forEach((l, j) => lossLike(c, l, `${ep}.ewaLosses[${j}]`));
      lossLike(c, e.rawLoss, `${ep}.rawLoss`);
    });
  }
  if (c.list(r.steps, `${path}.steps`, 0, 1_000_000)) {
    r.steps.forEach((st, i) => {
      const sp = `${path}.steps[${i}]`;
      if (!isObj(st)) return void c.add(sp, `${sp} must be an object`);
      c.int(st.step, `${sp}.step`, 0, Number.MAX_SAFE_INTEGER);
      for (const k of ['trainLoss', 'lr', 'gradNorm', 'microGradSq', 'batchGradSq', 'tokensPerSecond']) lossLike(c, st[k], `${sp}.${k}`);
    });
  }
  if (r.stepsToTarget !== null && !(isNum(r.stepsToTarget) && r.stepsToTarget >= 0)) {
    c.add(`${path}.stepsToTarget`, `${path}.stepsToTarget must be a non-negative number or null (got ${show(r.stepsToTarget)})`);
  }
  c.range(r.stepsDone, `${path}.stepsDone`, 0, Number.MAX_SAFE_INTEGER);
  c.range(r.tokensDone, `${path}.tokensDone`, 0, Number.MAX_SAFE_INTEGER);
  if (r.failure !== null) {
    if (!isObj(r.failure)) c.add(`${path}.failure`, `${path}.failure must be null or {step, reason}`);
    else {
      c.range(r.failure.step, `${path}.failure.step`, 0, Number.MAX_SAFE_INTEGER);
      c.string(r.failure.reason, `${path}.failure.reason`, 2000);
    }
  }
  c.range(r.wallSeconds, `${path}.wallSeconds`, 0, Number.MAX_SAFE_INTEGER);
  c.string(r.adapter, `${path}.adapter`, 1000);
  if (r.retries !== undefined && c.list(r.retries, `${path}.retries`, 0, 100)) {
    r.retries.forEach((t, i) => {
      const tp = `${path}.retries[${i}]`;
      if (!c.object(t, tp, ['step', 'reason'])) return;
      c.int(t.step, `${tp}.step`, 0, Number.MAX_SAFE_INTEGER);
      c.string(t.reason, `${tp}.reason`, 2000);
    });
  }
  if (r.shards !== undefined && c.list(r.shards, `${path}.shards`, 0, 2 * LIMITS.urls)) {
    r.shards.forEach((n, i) => checkShardNote(c, n, `${path}.shards[${i}]`));
  }
  if (r.timing !== undefined && c.object(r.timing, `${path}.timing`, TIMING_KEYS)) {
    for (const k of TIMING_KEYS) if (k in r.timing) c.range(r.timing[k], `${path}.timing.${k}`, 0, Number.MAX_SAFE_INTEGER);
  }
}

const TIMING_KEYS = ['trainSeconds', 'evalSeconds', 'checkpointSeconds', 'dataSeconds', 'setupSeconds'] as const satisfies readonly (keyof RunTiming)[];

/** Every problem with a results object (its config included); empty when valid. */
export function validateResults(value: unknown): ValidationIssue[] {
  const c = new Checker();
  if (!isObj(value)) return [{ path: '', message: `the results must be an object (got ${show(value)})` }];
  if (value.version !== RESULTS_VERSION) c.add('version', `results version must be ${RESULTS_VERSION} (got ${show(value.version)})`);
  checkConfigInto(c, value.config, 'config');
  if (c.list(value.targets, 'targets', 0, LIMITS.models * LIMITS.dataSizes)) {
    value.targets.forEach((t, i) => {
      if (!c.object(t, `targets[${i}]`, ['group', 'loss', 'from'])) return;
      c.string(t.group, `targets[${i}].group`, 400);
      c.positive(t.loss, `targets[${i}].loss`, 100);
      if (c.list(t.from, `targets[${i}].from`, 0, LIMITS.replicates)) t.from.forEach((id, j) => c.string(id, `targets[${i}].from[${j}]`, 400));
    });
  }
  if (c.list(value.runs, 'runs', 0, 10_000)) value.runs.forEach((r, i) => checkRun(c, r, `runs[${i}]`));
  c.string(value.startedAt, 'startedAt', 64);
  if (value.finishedAt !== null) c.string(value.finishedAt, 'finishedAt', 64);
  c.string(value.adapter, 'adapter', 1000);
  if ('dataRevisions' in value && c.list(value.dataRevisions, 'dataRevisions', 0, 100)) {
    value.dataRevisions.forEach((r, i) => {
      const path = `dataRevisions[${i}]`;
      if (!c.object(r, path, ['repo', 'requested', 'commit'])) return;
      c.string(r.repo, `${path}.repo`, 300);
      c.string(r.requested, `${path}.requested`, 300);
      if (r.commit !== null && !(typeof r.commit === 'string' && /^[0-9a-f]{40}$/.test(r.commit))) {
        c.add(`${path}.commit`, `${path}.commit must be a 40-character hexadecimal commit or null (got ${show(r.commit)})`);
      }
    });
  }
  return c.issues;
}

/** JSON writes NaN as null: turn the loss-like nulls of valid results back into NaN, in place. */
export function reviveResultNumbers(results: ExperimentResults): ExperimentResults {
  for (const run of results.runs) {
    // ewaLoss is always measured, so its null is a NaN; a null in ewaLosses or rawLoss means
    // "not measured at this evaluation" and stays null (a NaN there was a diverged decay or raw
    // loss, which the evaluation's ewaLoss already records as NaN).
    for (const e of run.evals) if (e.ewaLoss === null) e.ewaLoss = NaN;
    for (const s of run.steps) {
      for (const k of ['trainLoss', 'lr', 'gradNorm', 'microGradSq', 'batchGradSq', 'tokensPerSecond'] as const) {
        if (s[k] === null) s[k] = NaN;
      }
    }
  }
  return results;
}

/** Warnings: valid, but worth saying before starting (repeated data, a remote source). */
export function configWarnings(config: ExperimentConfig, bundledTokens: number): string[] {
  if (config.kind === 'local-cbs' && config.localCbs) return localCbsWarnings(config, bundledTokens);
  const warnings: string[] = [];
  const capFactor = config.cap.kind === 'multiple-of-data' ? config.cap.factor : 1;
  const maxD = Math.max(...config.dataSizes);
  if (config.data.kind === 'bundled' && maxD * capFactor > bundledTokens) {
    warnings.push(
      `The largest run may read ${formatCount(maxD * capFactor)} tokens, more than the bundled text holds (about ${formatCount(bundledTokens)}): ` +
        'it will repeat data, which changes the loss curve. Consider C4 for this experiment.',
    );
  }
  if (config.target.kind === 'reference' && !config.batchSizes.includes(config.target.batchSize)) {
    warnings.push(`The reference batch size ${config.target.batchSize} is not among the swept batch sizes: it is trained once, for the target only.`);
  }
  if (config.analysis.baselineBatch !== null && !config.batchSizes.includes(config.analysis.baselineBatch)) {
    warnings.push(`The linear-scaling baseline ${config.analysis.baselineBatch} is not a swept batch size, so the analysis cannot use it.`);
  }
  return warnings;
}

/**
 * A branch that ends before Adam's second-moment estimate has adapted to its batch has not
 * "recovered" in Merrill et al.'s sense, and a base run longer than the bundled text repeats data.
 */
function localCbsWarnings(config: ExperimentConfig, bundledTokens: number): string[] {
  const local = config.localCbs!;
  const warnings: string[] = [];
  const T = config.models[0].context;
  const D = config.dataSizes[0];
  for (const k of local.multipliers) {
    const batch = Math.round(k * local.baseBatch);
    const beta2 = beta2For(config.optimizer.beta2, batch, budgetSteps(D, batch, T));
    const memory = 1 / (1 - beta2);
    const steps = branchSteps(local, k, T);
    if (steps < memory) {
      warnings.push(
        `The branch at k = ${k} trains ${steps} steps, fewer than Adam's second-moment memory there (1/(1 − β2) ≈ ${Math.round(memory)} steps): ` +
          'it may not have recovered from the change of batch by its end. A longer Δ (branchTokens) or a smaller β2 gives it time.',
      );
    }
  }
  const read = D + local.branchTokens;
  if (config.data.kind === 'bundled' && read > bundledTokens) {
    warnings.push(`The base run and its last branches read ${formatCount(read)} tokens, more than the bundled text holds (about ${formatCount(bundledTokens)}): they will repeat data.`);
  }
  return warnings;
}
