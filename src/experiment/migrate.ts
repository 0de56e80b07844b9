// Every stored or shared config and results object passes through here before validation, so that
// older versions keep opening. One table per kind: version → a function to the next version.
// v2 (the protocol of docs/science.md): seed replicates, several EWA decays, reference runs with
// their own seeds, per-measurement targets, censored runs.
import type { ModelConfig } from '../model/config';
import { measurementKey } from './plan';
import { CONFIG_VERSION, RESULTS_VERSION } from './schema';
import { describeValue } from './validate';
import { isObj, type JsonObject } from '../util/guards';

export type MigrationResult = { ok: true; value: unknown } | { ok: false; message: string };

type Step = (value: Record<string, unknown>) => Record<string, unknown>;

type Obj = JsonObject;

/**
 * v1 → v2 config. The v1 protocol cannot be reproduced exactly under v2 (which shuffles the data
 * pool and gives the reference its own seeds), so this keeps every setting that still exists and
 * maps the rest to its nearest v2 meaning: one seed replicate; the EWA horizon v1 capped at
 * `horizonFraction` of the run's cap becomes the same horizon as a fraction of the budget's steps;
 * no economy bound (v1 ran censored runs to their cap).
 */
function configV1toV2(c: Obj): Obj {
  const out: Obj = { ...c };
  if (isObj(c.seeds)) out.seeds = [c.seeds];
  const ewa = c.ewa;
  const cap = c.cap;
  if (isObj(ewa) && typeof ewa.horizonFraction === 'number') {
    const capFactor = isObj(cap) && cap.kind === 'multiple-of-data' && typeof cap.factor === 'number' ? cap.factor : 1;
    const horizon = ewa.horizonFraction > 0 ? ewa.horizonFraction * capFactor : 0.4;
    out.ewa = { horizons: [Number(horizon.toPrecision(6))] };
  }
  if (isObj(c.learningRates)) {
    const { sqrtScaling, ...rest } = c.learningRates;
    out.learningRates = { ...rest, exponent: sqrtScaling === true ? 0.5 : 0 };
  }
  // v1 trained one reference run, at the middle of the grid at the reference batch size.
  if (isObj(c.target) && c.target.kind === 'reference') {
    const grid = isObj(c.learningRates) ? c.learningRates : {};
    const values = Array.isArray(grid.values) ? (grid.values as number[]) : [];
    const factor = grid.sqrtScaling === true && typeof c.target.batchSize === 'number' && typeof grid.baseBatch === 'number' ? Math.sqrt(c.target.batchSize / grid.baseBatch) : 1;
    const middle = values[Math.floor(values.length / 2)];
    out.target = { ...c.target, learningRates: typeof middle === 'number' ? [Number((middle * factor).toPrecision(6))] : null };
  }
  out.measureNoiseScale = true;
  if (isObj(c.evaluation)) out.evaluation = evaluationV1toV2(c.evaluation);
  out.censorFactor = null;
  return out;
}

/** v1's schedule (multiples of an interval, dense every k steps near the target) as v2's geometric one. */
function evaluationV1toV2(e: Obj): Obj {
  const margin = typeof e.denseMargin === 'number' ? e.denseMargin : 0.05;
  return { spacing: 1.25, nearSpacing: 1.05, nearMargin: margin, validationTokens: e.validationTokens, probeTokens: 0 };
}

/** v1 → v2 results: per-measurement targets, run roles, one-decay EWA lists, replicate 0. */
function resultsV1toV2(r: Obj): Obj {
  const runs = Array.isArray(r.runs) ? r.runs : [];
  const migrated = runs.map((run: unknown) => {
    if (!isObj(run) || !isObj(run.spec)) return run;
    const { isReference, ewaDecay, ...spec } = run.spec;
    // v1 evaluated the whole validation set every time: ceil(tokens / context) sequences.
    const context = isObj(spec.model) && typeof spec.model.context === 'number' ? spec.model.context : 1;
    const asked = isObj(spec.evaluation) && typeof spec.evaluation.validationTokens === 'number' ? spec.evaluation.validationTokens : 0;
    const validationTokens = Math.ceil(asked / context) * context;
    const evals = Array.isArray(run.evals) ? run.evals.map((e: unknown) => (isObj(e) ? { ...e, validationTokens, ewaLosses: [e.ewaLoss] } : e)) : run.evals;
    const evaluation = isObj(spec.evaluation) ? evaluationV1toV2(spec.evaluation) : spec.evaluation;
    return { ...run, evals, spec: { ...spec, evaluation, role: isReference === true ? 'reference' : 'sweep', ewaDecays: [ewaDecay], replicate: 0, poolTokens: null } };
  });
  // v1 kept one target for the whole experiment (null when measurements differed): each
  // measurement gets the shared one, or else its own reference run's final loss.
  const targets: Obj[] = [];
  const groups = new Map<string, Obj[]>();
  for (const run of migrated) {
    if (!isObj(run) || !isObj(run.spec) || !isObj(run.spec.model)) continue;
    const key = measurementKey(run.spec.model as unknown as ModelConfig, run.spec.dataSize as number);
    groups.set(key, [...(groups.get(key) ?? []), run]);
  }
  for (const [group, members] of groups) {
    const refs = members.filter((m) => isObj(m.spec) && m.spec.role === 'reference');
    const finalOf = (m: Obj) => (Array.isArray(m.evals) && isObj(m.evals.at(-1)) ? (m.evals.at(-1) as Obj).ewaLoss : null);
    const shared = typeof r.targetLoss === 'number' ? r.targetLoss : null;
    const own = refs.map(finalOf).find((l): l is number => typeof l === 'number' && Number.isFinite(l)) ?? null;
    const loss = shared ?? own;
    if (loss !== null) targets.push({ group, loss, from: refs.map((m) => (isObj(m.spec) ? m.spec.id : '')) });
  }
  const { targetLoss: _targetLoss, ...rest } = r;
  return { ...rest, runs: migrated, targets };
}

/** CONFIG_MIGRATIONS[v] turns a version-v config into a version-(v+1) config. */
const CONFIG_MIGRATIONS: Readonly<Record<number, Step>> = { 1: configV1toV2 };
/** RESULTS_MIGRATIONS[v] turns version-v results (config excluded: it migrates on its own) into version-(v+1) results. */
const RESULTS_MIGRATIONS: Readonly<Record<number, Step>> = { 1: resultsV1toV2 };

function migrate(
  value: unknown,
  what: 'config' | 'results',
  current: number,
  table: Readonly<Record<number, Step>>,
): MigrationResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, message: `The ${what} is not an object.` };
  }
  let obj = value as Record<string, unknown>;
  const version = obj.version;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, message: `The ${what} has no valid version number (got ${describeValue(version)}).` };
  }
  if (version > current) {
    return {
      ok: false,
      message: `This ${what} was made by a newer version of CBS Lab (format v${version}; this page reads up to v${current}). Open it with the newer lab.`,
    };
  }
  for (let v = version; v < current; v++) {
    const step = table[v];
    if (!step) return { ok: false, message: `No migration from ${what} format v${v} to v${v + 1}.` };
    obj = { ...step(obj), version: v + 1 };
  }
  return { ok: true, value: obj };
}

export function migrateConfig(value: unknown): MigrationResult {
  return migrate(value, 'config', CONFIG_VERSION, CONFIG_MIGRATIONS);
}

/** Migrates the results and the config they carry. */
export function migrateResults(value: unknown): MigrationResult {
  const outer = migrate(value, 'results', RESULTS_VERSION, RESULTS_MIGRATIONS);
  if (!outer.ok) return outer;
  const obj = outer.value as Record<string, unknown>;
  const inner = migrateConfig(obj.config);
  if (!inner.ok) return { ok: false, message: `In the results: ${inner.message}` };
  return { ok: true, value: { ...obj, config: inner.value } };
}
