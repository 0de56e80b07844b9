// Small readings of results that several layers need: the target of a run's measurement, and the
// one target every measurement shares (when it does).
import { measurementKey } from './plan';
import type { ExperimentResults, GroupTarget, RunSpec } from './schema';

/** The target of the measurement a run belongs to, or null while unknown. */
export function targetOf(targets: readonly GroupTarget[], spec: RunSpec): number | null {
  const key = measurementKey(spec.model, spec.dataSize);
  return targets.find((t) => t.group === key)?.loss ?? null;
}

/** The target when every measurement has the same one (one data size, or a fixed target); null otherwise. */
export function sharedTarget(results: Pick<ExperimentResults, 'targets'>): number | null {
  const losses = [...new Set(results.targets.map((t) => t.loss))];
  return losses.length === 1 ? losses[0] : null;
}
