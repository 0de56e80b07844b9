// The adapter's measured training throughput, cached per adapter so the wall-time estimate does
// not re-measure on every visit. The engine measures (a short run of the smallest model) and
// calls saveCalibration; the builder reads loadCalibration. localStorage, plain JSON.
export interface Calibration {
  /** Training FLOP/s (forward + backward, src/model's flopsPerToken convention). */
  flopsPerSecond: number;
  measuredAt: string;
  /** What was measured, e.g. "demo model, B 8". */
  how: string;
}

const KEY_PREFIX = 'cbs-lab:calibration:';
/** Older than this, a calibration is measured again (drivers and browsers change). */
export const CALIBRATION_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

type Storage = Pick<globalThis.Storage, 'getItem' | 'setItem'>;

function storage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}

export function loadCalibration(adapterDescription: string, store: Storage | null = storage(), now = Date.now()): Calibration | null {
  const raw = store?.getItem(KEY_PREFIX + adapterDescription);
  if (!raw) return null;
  try {
    const c = JSON.parse(raw) as Partial<Calibration>;
    const at = Date.parse(String(c.measuredAt));
    if (!(typeof c.flopsPerSecond === 'number' && c.flopsPerSecond > 0 && Number.isFinite(c.flopsPerSecond))) return null;
    if (!Number.isFinite(at) || now - at > CALIBRATION_MAX_AGE_MS) return null;
    return { flopsPerSecond: c.flopsPerSecond, measuredAt: String(c.measuredAt), how: typeof c.how === 'string' ? c.how : '' };
  } catch {
    return null;
  }
}

export function saveCalibration(adapterDescription: string, calibration: Calibration, store: Storage | null = storage()): void {
  try {
    store?.setItem(KEY_PREFIX + adapterDescription, JSON.stringify(calibration));
  } catch {
    // A full or disabled storage only costs a re-measurement next time.
  }
}
