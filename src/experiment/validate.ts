// Validation of experiment configs and results that come from anywhere: the builder form, a share
// link, a JSON file, IndexedDB. Input is `unknown`; the answer is a list of {path, message}, in
// words a person can act on. Nothing here throws on user input.
import { CONFIG_VERSION, RESULTS_VERSION, type ExperimentConfig, type ExperimentResults } from './schema';
import { modelConfigErrors } from '../model/config';
import { warmupSteps } from '../optim/schedule';
import { formatCount } from '../util/format';
import { beta2For, branchSteps, budgetSteps, commonBranchTokens } from './plan';

export interface ValidationIssue {
  /** Where, e.g. "batchSizes[2]" or "models[0].dModel"; "" for the whole thing. */
  path: string;
  message: string;
}

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isInt = (v: unknown): v is number => isNum(v) && Number.isInteger(v);
const show = (v: unknown): string => {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  if (v === undefined) return 'nothing';
  if (Array.isArray(v)) return 'a list';
  if (isObj(v)) return 'an object';
  return String(v);
};

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
      if (!keys.includes(k) && !optional.includes(k)) this.add(join(path, k), `unknown field ${join(path, k)}`);
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
  kind(v: unknown, path: string, kinds: readonly string[]): v is Obj & { kind: string } {
    if (!isObj(v)) return this.add(path, `${path} must be an object (got ${show(v)})`);
    if (typeof v.kind !== 'string' || !kinds.includes(v.kind)) {
      return this.add(`${path}.kind`, `${path}.kind must be one of ${kinds.map((k) => `"${k}"`).join(', ')} (got ${show(v.kind)})`);
    }
    return true;
  }
}

const join = (path: string, key: string) => (path ? `${path}.${key}` : key);

export const LIMITS = {
  models: 16,
  dataSizes: 32,
  batchSizes: 32,
  learningRates: 16,
  urls: 64,
  maxDataSize: 1e12,
  maxBatch: 1 << 20,
  maxWorkers: 16,
  ewaDecays: 8,
  replicates: 16,
  checkpoints: 32,
  multipliers: 16,
} as const;

const CONFIG_KEYS = [
  'version', 'name', 'preset', 'models', 'data', 'tokenizer', 'dataSizes', 'batchSizes', 'learningRates',
  'optimizer', 'ewa', 'target', 'cap', 'stopAtTarget', 'censorFactor', 'evaluation', 'analysis', 'seeds', 'workers',
] as const;

function checkBeta2(c: Checker, v: unknown, path: string): void {
  if (!c.kind(v, path, ['paper-table', 'fixed', 'horizon'])) return;
  if (v.kind === 'paper-table') c.object(v, path, ['kind']);
  else if (v.kind === 'fixed') {
    if (c.object(v, path, ['kind', 'value'])) c.range(v.value, `${path}.value`, 0, 1, true);
  } else if (c.object(v, path, ['kind', 'fraction'])) c.positive(v.fraction, `${path}.fraction`, 100);
}

function checkSeedPair(c: Checker, v: unknown, path: string): void {
  if (!c.object(v, path, ['init', 'data'])) return;
  c.int(v.init, `${path}.init`, 0, 0xffffffff);
  c.int(v.data, `${path}.data`, 0, 0xffffffff);
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
  c.string(v.name, `${path}.name`, 40);
  const okLayers = c.positiveInt(v.layers, `${path}.layers`, 128);
  const okD = c.positiveInt(v.dModel, `${path}.dModel`, 16384);
  const okH = c.positiveInt(v.heads, `${path}.heads`, 256);
  const okT = c.positiveInt(v.context, `${path}.context`, 65536);
  const okV = c.int(v.vocabSize, `${path}.vocabSize`, 0, 1 << 24);
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
  const okB = c.positiveInt(l.baseBatch, `${p}.baseBatch`, LIMITS.maxBatch);
  c.positive(l.learningRate, `${p}.learningRate`, 10);
  c.range(l.tolerance, `${p}.tolerance`, 0, 10);
  if (!isNum(l.smoothing) || l.smoothing <= 0 || l.smoothing > 1) c.add(`${p}.smoothing`, `${p}.smoothing (α) must be above 0 and at most 1 (got ${show(l.smoothing)})`);
  if (l.loss !== 'train' && l.loss !== 'validation') c.add(`${p}.loss`, `${p}.loss must be "train" or "validation" (got ${show(l.loss)})`);
  c.int(l.finalEvaluations, `${p}.finalEvaluations`, l.loss === 'validation' ? 1 : 0, 64);
  c.bool(l.compareSchedule, `${p}.compareSchedule`);
  const okDelta = c.positiveInt(l.branchTokens, `${p}.branchTokens`, LIMITS.maxDataSize);

  const model = Array.isArray(v.models) && isObj(v.models[0]) ? v.models[0] : null;
  const T = model && isInt(model.context) && model.context > 0 ? model.context : null;
  const D = Array.isArray(v.dataSizes) && isInt(v.dataSizes[0]) && v.dataSizes[0] > 0 ? v.dataSizes[0] : null;
  const optimizer = isObj(v.optimizer) ? v.optimizer : null;

  const multipliers: number[] = [];
  if (c.list(l.multipliers, `${p}.multipliers`, 2, LIMITS.multipliers)) {
    const seen = new Set<number>();
    l.multipliers.forEach((k, i) => {
      const kp = `${p}.multipliers[${i}]`;
      if (!c.positive(k, kp, LIMITS.maxBatch)) return;
      if (seen.has(k)) return void c.add(kp, `${kp} repeats the multiplier ${k}`);
      seen.add(k);
      if (okB && !Number.isInteger(k * (l.baseBatch as number))) {
        return void c.add(kp, `${kp}: k·B = ${k} × ${l.baseBatch} is not a whole number of sequences`);
      }
      multipliers.push(k);
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

  if (c.list(l.checkpoints, `${p}.checkpoints`, 1, LIMITS.checkpoints)) {
    const ratio = optimizer && isNum(optimizer.warmupRatio) ? optimizer.warmupRatio : null;
    const warmupEnd = okB && T !== null && D !== null && ratio !== null ? warmupSteps(ratio, D, l.baseBatch as number, T) * (l.baseBatch as number) * T : null;
    let previous = -1;
    l.checkpoints.forEach((t, i) => {
      const tp = `${p}.checkpoints[${i}]`;
      if (!c.positiveInt(t, tp, LIMITS.maxDataSize)) return;
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
  c.string(v.name, p('name'));
  if (v.preset !== null) c.string(v.preset, p('preset'), 40);

  if (c.list(v.models, p('models'), 1, LIMITS.models)) v.models.forEach((m, i) => checkModel(c, m, `${p('models')}[${i}]`));

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
        c.int(t.vocabSize, `${p('tokenizer')}.vocabSize`, 257, 65536);
        if ('hash' in t && t.hash !== undefined) c.string(t.hash, `${p('tokenizer')}.hash`, 128);
      }
    } else c.object(t, p('tokenizer'), ['kind']);
  }

  if (c.list(v.dataSizes, p('dataSizes'), 1, LIMITS.dataSizes)) {
    v.dataSizes.forEach((d, i) => c.positiveInt(d, `${p('dataSizes')}[${i}]`, LIMITS.maxDataSize));
  }
  if (v.pairing !== undefined && v.pairing !== 'grid' && v.pairing !== 'paired') {
    c.add(p('pairing'), `pairing must be "grid" or "paired" (got ${show(v.pairing)})`);
  }
  if (v.pairing === 'paired' && Array.isArray(v.models) && Array.isArray(v.dataSizes) && v.models.length !== v.dataSizes.length) {
    c.add(p('dataSizes'), `paired models and data sizes need one data size per model (${v.models.length} models, ${v.dataSizes.length} data sizes)`);
  }

  if (c.list(v.batchSizes, p('batchSizes'), 1, LIMITS.batchSizes)) {
    const seen = new Set<number>();
    v.batchSizes.forEach((b, i) => {
      if (!c.positiveInt(b, `${p('batchSizes')}[${i}]`, LIMITS.maxBatch)) return;
      if (seen.has(b)) c.add(`${p('batchSizes')}[${i}]`, `batchSizes[${i}] repeats batch size ${b}`);
      seen.add(b);
    });
  }

  const lr = v.learningRates;
  if (c.object(lr, p('learningRates'), ['values', 'sqrtScaling', 'baseBatch'])) {
    if (c.list(lr.values, `${p('learningRates')}.values`, 1, LIMITS.learningRates)) {
      lr.values.forEach((x, i) => c.positive(x, `${p('learningRates')}.values[${i}]`, 10));
    }
    c.bool(lr.sqrtScaling, `${p('learningRates')}.sqrtScaling`);
    c.positiveInt(lr.baseBatch, `${p('learningRates')}.baseBatch`, LIMITS.maxBatch);
  }

  const o = v.optimizer;
  const op = p('optimizer');
  if (c.object(o, op, ['beta1', 'beta2', 'eps', 'weightDecay', 'warmupRatio', 'clipNorm'])) {
    c.range(o.beta1, `${op}.beta1`, 0, 1, true);
    checkBeta2(c, o.beta2, `${op}.beta2`);
    c.positive(o.eps, `${op}.eps`, 1);
    c.range(o.weightDecay, `${op}.weightDecay`, 0, 1);
    c.range(o.warmupRatio, `${op}.warmupRatio`, 0, 1);
    c.range(o.clipNorm, `${op}.clipNorm`, 0, 1e6);
  }

  const e = v.ewa;
  if (c.object(e, p('ewa'), ['horizons']) && c.list(e.horizons, `${p('ewa')}.horizons`, 1, LIMITS.ewaDecays)) {
    e.horizons.forEach((h, i) => c.positive(h, `${p('ewa')}.horizons[${i}]`, 100));
  }

  if (c.kind(v.target, p('target'), ['fixed', 'reference'])) {
    const t = v.target;
    if (t.kind === 'fixed') {
      if (c.object(t, p('target'), ['kind', 'loss'])) c.positive(t.loss, `${p('target')}.loss`, 100);
    } else if (c.object(t, p('target'), ['kind', 'batchSize', 'learningRate'])) {
      c.positiveInt(t.batchSize, `${p('target')}.batchSize`, LIMITS.maxBatch);
      if (t.learningRate !== null) c.positive(t.learningRate, `${p('target')}.learningRate`, 10);
    }
  }

  if (c.kind(v.cap, p('cap'), ['multiple-of-data', 'steps'])) {
    const k = v.cap;
    if (k.kind === 'multiple-of-data') {
      if (c.object(k, p('cap'), ['kind', 'factor'])) c.range(k.factor, `${p('cap')}.factor`, 1, 1000);
    } else if (c.object(k, p('cap'), ['kind', 'steps'])) c.positiveInt(k.steps, `${p('cap')}.steps`, 1e9);
  }

  c.bool(v.stopAtTarget, p('stopAtTarget'));
  if (v.censorFactor !== null) c.range(v.censorFactor, p('censorFactor'), 1.5, 100);

  const ev = v.evaluation;
  const evp = p('evaluation');
  if (c.object(ev, evp, ['spacing', 'nearSpacing', 'nearMargin', 'validationTokens'])) {
    c.range(ev.spacing, `${evp}.spacing`, 1, 16);
    if (c.range(ev.nearSpacing, `${evp}.nearSpacing`, 1, 16) && isNum(ev.spacing) && ev.nearSpacing > ev.spacing) {
      c.add(`${evp}.nearSpacing`, `${evp}.nearSpacing (${ev.nearSpacing}) must not exceed ${evp}.spacing (${ev.spacing}): evaluation gets denser near the target, not sparser`);
    }
    c.range(ev.nearMargin, `${evp}.nearMargin`, 0, 1);
    c.positiveInt(ev.validationTokens, `${evp}.validationTokens`, 1e9);
  }

  const a = v.analysis;
  if (c.object(a, p('analysis'), ['overhead', 'baselineBatch', 'interpolate'])) {
    c.positive(a.overhead, `${p('analysis')}.overhead`, 10);
    if (a.baselineBatch !== null) c.positiveInt(a.baselineBatch, `${p('analysis')}.baselineBatch`, LIMITS.maxBatch);
    c.bool(a.interpolate, `${p('analysis')}.interpolate`);
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
  c.int(v.workers, p('workers'), 1, LIMITS.maxWorkers);
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
const SPEC_NUMBERS = ['dataSize', 'batchSize', 'microBatch', 'peakLr', 'beta1', 'beta2', 'eps', 'weightDecay', 'warmupSteps', 'clipNorm', 'maxSteps', 'replicate'] as const;

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
  else {
    c.string(s.id, `${path}.spec.id`, 400);
    checkModel(c, s.model, `${path}.spec.model`);
    for (const k of SPEC_NUMBERS) if (!isNum(s[k])) c.add(`${path}.spec.${k}`, `${path}.spec.${k} must be a number (got ${show(s[k])})`);
    if (s.targetLoss !== null && !isNum(s.targetLoss)) c.add(`${path}.spec.targetLoss`, `${path}.spec.targetLoss must be a number or null`);
    c.bool(s.stopAtTarget, `${path}.spec.stopAtTarget`);
    if (typeof s.role !== 'string' || !(RUN_ROLES as readonly string[]).includes(s.role)) {
      c.add(`${path}.spec.role`, `${path}.spec.role must be one of ${RUN_ROLES.join(', ')} (got ${show(s.role)})`);
    }
    checkRunExtras(c, s, `${path}.spec`);
    if (c.list(s.ewaDecays, `${path}.spec.ewaDecays`, 1, LIMITS.ewaDecays)) s.ewaDecays.forEach((d, i) => c.range(d, `${path}.spec.ewaDecays[${i}]`, 0, 1, true));
    checkSeedPair(c, s.seeds, `${path}.spec.seeds`);
    if (s.poolTokens !== null) c.positiveInt(s.poolTokens, `${path}.spec.poolTokens`, LIMITS.maxDataSize * 1000);
  }
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
}

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
    for (const e of run.evals) {
      if (e.ewaLoss === null) e.ewaLoss = NaN;
      e.ewaLosses = e.ewaLosses.map((l) => (l === null ? NaN : l));
      if (e.rawLoss === null) e.rawLoss = NaN;
    }
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
