// Small readings of results that several layers need: the target of a run's measurement, and the
// one target every measurement shares (when it does).
import { measurementKey } from './plan';
import type { ExperimentResults, GroupTarget, RunRecord, RunSpec } from './schema';

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

/** The loss a reference run sets: its final EWA validation loss after exactly its budget; null if it did not get there. */
export function targetFromReference(record: RunRecord): number | null {
  if (record.status !== 'finished' && record.status !== 'reached-target') return null;
  const last = record.evals.at(-1);
  return last && last.step === record.spec.maxSteps && Number.isFinite(last.ewaLoss) ? last.ewaLoss : null;
}

/**
 * A measurement's target from its reference runs: each seed replicate's best final loss over its
 * learning rates, averaged over the replicates; `from` names the runs that gave those bests.
 * null when no reference run finished.
 */
export function targetFromReferences(records: readonly RunRecord[]): GroupTarget | null {
  const best = new Map<number, { id: string; loss: number }>();
  for (const r of records) {
    const loss = targetFromReference(r);
    if (loss === null) continue;
    const current = best.get(r.spec.replicate);
    if (!current || loss < current.loss) best.set(r.spec.replicate, { id: r.spec.id, loss });
  }
  if (best.size === 0) return null;
  const usable = [...best.values()];
  const loss = usable.reduce((s, r) => s + r.loss, 0) / usable.length;
  return { group: measurementKey(records[0].spec.model, records[0].spec.dataSize), loss, from: usable.map((r) => r.id) };
}
