// The steps-to-target B* of sweeps of the same model and data as a local-CBS experiment, to show
// beside its local CBS (Merrill et al. relate a run's B* to the local CBS up to its data size).
// Apart from local-cbs.ts so that the runner, which plans from that module, does not load the
// sweep analysis.
import type { ExperimentConfig, ExperimentResults } from '../experiment/schema';
import { measurementKey, modelShapeKey } from '../experiment/plan';
import { analyzeResults } from './report';

/** The steps-to-target B* of a sweep of the same model and data, to show beside the local CBS. */
export interface SweepBStar {
  /** Where it comes from (the saved experiment's name), and its data size D. */
  name: string;
  dataSize: number;
  bStar: number;
  /** Its bootstrap interval, when it has one (upper null: unbounded). */
  lower: number | null;
  upper: number | null;
}

const sameShape = (a: ExperimentConfig['models'][number], b: ExperimentConfig['models'][number]) => modelShapeKey({ ...a, vocabSize: 0 }) === modelShapeKey({ ...b, vocabSize: 0 });

/**
 * The B* of every measurement, in the given sweeps, of the local-CBS experiment's model on the
 * same data and tokenizer (any data size D): steps to target at D, which Merrill et al. relate
 * to the local CBS accumulated up to D tokens.
 */
export function sweepBStars(local: ExperimentConfig, sweeps: readonly { name: string; results: ExperimentResults }[]): SweepBStar[] {
  const model = local.models[0];
  const same = (c: ExperimentConfig) => (c.kind ?? 'sweep') === 'sweep' && JSON.stringify(c.data) === JSON.stringify(local.data) && JSON.stringify(c.tokenizer) === JSON.stringify(local.tokenizer);
  const out: SweepBStar[] = [];
  for (const { name, results } of sweeps) {
    if (!same(results.config) || !results.config.models.some((m) => sameShape(m, model))) continue;
    for (const group of analyzeResults(results).groups) {
      const run = results.runs.find((r) => measurementKey(r.spec.model, r.spec.dataSize) === group.key);
      if (!run || !sameShape(run.spec.model, model) || group.cbs.bStar === null || group.dataSize === null) continue;
      const ok = group.interval.status === 'ok';
      out.push({ name, dataSize: group.dataSize, bStar: group.cbs.bStar, lower: ok ? group.interval.lower : null, upper: ok && !group.interval.upperUnbounded ? group.interval.upper : null });
    }
  }
  return out;
}
