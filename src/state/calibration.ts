// The adapter's measured cost model (src/train/cost-model.ts), cached in localStorage per adapter
// so that an estimate does not re-measure on every visit: the probe's FLOP/s, each model shape's
// step, evaluation and setup costs, data preparation per data source and tokenizer, and what
// decides the adapter's evaluation chunks. The worker measures (calibrateCost); a finished
// experiment stores what its runs measured.
import type { CostModel, ShapeCost } from '../train/cost-model';
import type { EvalAdapter } from '../train/eval-sets';
import type { DataSourceSpec, TokenizerSpec } from '../experiment/schema';

interface Dated<T> {
  value: T;
  measuredAt: string;
}

interface AdapterCalibration {
  flopsPerSecond: Dated<number> | null;
  shapes: Record<string, Dated<ShapeCost>>;
  /** Seconds to prepare one run's data, per dataKey. */
  data: Record<string, Dated<number>>;
  /** A fact of the adapter, not a measurement: it does not expire. */
  evalAdapter: EvalAdapter | null;
}

const KEY_PREFIX = 'cbs-lab:cost:';
/** Older than this, a figure is measured again (drivers and browsers change). */
export const CALIBRATION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

/** What data preparation depends on: the source and the tokenizer. */
export function dataKey(data: DataSourceSpec, tokenizer: TokenizerSpec): string {
  return JSON.stringify([data, tokenizer]);
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0;

function fresh<T>(entry: unknown, valid: (v: unknown) => v is T, now: number): Dated<T> | null {
  if (typeof entry !== 'object' || entry === null) return null;
  const { value, measuredAt } = entry as Partial<Dated<unknown>>;
  const at = Date.parse(String(measuredAt));
  if (!valid(value) || !Number.isFinite(at) || now - at > CALIBRATION_MAX_AGE_MS) return null;
  return { value, measuredAt: String(measuredAt) };
}

function isShapeCost(v: unknown): v is ShapeCost {
  if (typeof v !== 'object' || v === null) return false;
  const c = v as Record<string, unknown>;
  const numbers = [c.stepFixedSeconds, c.stepSecondsPerSequence, c.evalSecondsPerToken, c.checkpointSeconds, c.setupSeconds];
  return numbers.every(finite) && typeof c.how === 'string';
}

function isEvalAdapter(v: unknown): v is EvalAdapter {
  if (typeof v !== 'object' || v === null) return false;
  const { limits, isFallbackAdapter } = v as Partial<Record<keyof EvalAdapter, unknown>>;
  if (typeof limits !== 'object' || limits === null || typeof isFallbackAdapter !== 'boolean') return false;
  const l = limits as Record<string, unknown>;
  return finite(l.maxStorageBufferBindingSize) && finite(l.maxBufferSize);
}

function read(adapter: string, store: Storage | null, now: number): AdapterCalibration {
  const empty: AdapterCalibration = { flopsPerSecond: null, shapes: {}, data: {}, evalAdapter: null };
  const raw = store?.getItem(KEY_PREFIX + adapter);
  if (!raw) return empty;
  try {
    const c = JSON.parse(raw) as Partial<Record<keyof AdapterCalibration, unknown>>;
    const entries = (o: unknown) => (typeof o === 'object' && o !== null ? Object.entries(o) : []);
    const isRate = (v: unknown): v is number => finite(v) && v > 0;
    return {
      flopsPerSecond: fresh(c.flopsPerSecond, isRate, now),
      shapes: Object.fromEntries(entries(c.shapes).flatMap(([k, e]) => (fresh(e, isShapeCost, now) ? [[k, fresh(e, isShapeCost, now)!]] : []))),
      data: Object.fromEntries(entries(c.data).flatMap(([k, e]) => (fresh(e, finite, now) ? [[k, fresh(e, finite, now)!]] : []))),
      evalAdapter: isEvalAdapter(c.evalAdapter) ? { limits: { maxStorageBufferBindingSize: c.evalAdapter.limits.maxStorageBufferBindingSize, maxBufferSize: c.evalAdapter.limits.maxBufferSize }, isFallbackAdapter: c.evalAdapter.isFallbackAdapter } : null,
    };
  } catch {
    return empty;
  }
}

/** The cached cost model of this adapter, for the experiment's data source (fresh figures only). */
export function loadCostModel(adapter: string, data: string, store: Storage | null = storage(), now = Date.now()): CostModel {
  const c = read(adapter, store, now);
  return {
    shapes: Object.fromEntries(Object.entries(c.shapes).map(([k, e]) => [k, e.value])),
    dataSeconds: c.data[data]?.value ?? null,
    flopsPerSecond: c.flopsPerSecond?.value ?? null,
    evalAdapter: c.evalAdapter,
  };
}

/** Adds measured figures to the adapter's cache (the ones given replace the cached ones). */
export function saveCostModel(
  adapter: string,
  measured: { shapes?: Record<string, ShapeCost>; flopsPerSecond?: number | null; data?: { key: string; seconds: number } | null; evalAdapter?: EvalAdapter | null },
  store: Storage | null = storage(),
  now = Date.now(),
): void {
  const c = read(adapter, store, now);
  const measuredAt = new Date(now).toISOString();
  for (const [k, value] of Object.entries(measured.shapes ?? {})) c.shapes[k] = { value, measuredAt };
  if (measured.flopsPerSecond) c.flopsPerSecond = { value: measured.flopsPerSecond, measuredAt };
  if (measured.data) c.data[measured.data.key] = { value: measured.data.seconds, measuredAt };
  if (measured.evalAdapter) c.evalAdapter = measured.evalAdapter;
  try {
    store?.setItem(KEY_PREFIX + adapter, JSON.stringify(c));
  } catch {
    // A full or disabled storage only costs a re-measurement next time.
  }
}
