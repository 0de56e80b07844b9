// Every stored or shared config and results object passes through here before validation, so that
// older versions keep opening. One table per kind: version → a function to the next version.
// v1 is the only version so far: the tables are empty and v1 passes through unchanged.
import { CONFIG_VERSION, RESULTS_VERSION } from './schema';

export type MigrationResult = { ok: true; value: unknown } | { ok: false; message: string };

type Step = (value: Record<string, unknown>) => Record<string, unknown>;

/** CONFIG_MIGRATIONS[v] turns a version-v config into a version-(v+1) config. */
const CONFIG_MIGRATIONS: Readonly<Record<number, Step>> = {};
/** RESULTS_MIGRATIONS[v] turns version-v results (config included) into version-(v+1) results. */
const RESULTS_MIGRATIONS: Readonly<Record<number, Step>> = {};

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
    return { ok: false, message: `The ${what} has no valid version number (got ${JSON.stringify(version) ?? 'nothing'}).` };
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
