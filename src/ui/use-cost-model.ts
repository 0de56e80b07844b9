// The adapter's cost model for the experiment in the builder: the cached one (src/state/
// calibration.ts), completed by a short measurement in a worker of its own when a model shape, the
// probe, the adapter's evaluation chunking or (for the bundled data) data preparation is missing.
// Nothing is measured while an experiment trains: the measurement would compete with it.
import { useEffect, useMemo, useState } from 'react';
import type { ExperimentConfig, RunSpec } from '../experiment/schema';
import { modelShapeKey } from '../experiment/plan';
import { calibrationPairs, type CostModel } from '../train/cost-model';
import { dataKey, loadCostModel, saveCostModel } from '../state/calibration';
import { startLabWorker } from '../worker/client';

/** About how long one timed measurement may take: a shape slower than this is scaled by FLOPs instead. */
const BUDGET_SECONDS = 2;
const DEBOUNCE_MS = 600;

export interface CostModelState {
  cost: CostModel | null;
  /** True while the worker measures what the cache lacks. */
  measuring: boolean;
  error: string | null;
}

export function useCostModel(adapter: string | null, config: ExperimentConfig, plan: readonly RunSpec[] | null, busy: boolean): CostModelState {
  const data = dataKey(config.data, config.tokenizer);
  const shapesKey = plan ? [...new Set(plan.map((s) => modelShapeKey(s.model)))].sort().join(' ') : '';
  // What a measurement is for: a new one only when the adapter, the shapes or the data change.
  const requestKey = `${adapter}|${shapesKey}|${data}`;
  const [attempt, setAttempt] = useState<{ key: string; error: string | null } | null>(null);
  const cached = useMemo(() => (adapter && plan ? loadCostModel(adapter, data) : null), [adapter, data, attempt, busy]); // eslint-disable-line react-hooks/exhaustive-deps
  const missing = cached && plan ? calibrationPairs(plan).filter((p) => !cached.shapes[modelShapeKey(p.small.model)]) : [];
  const needData = cached !== null && config.data.kind === 'bundled' && cached.dataSeconds === null;
  const needAdapter = cached !== null && cached.evalAdapter === null;
  // Shapes too slow to measure stay missing: one attempt per request, then the cost model scales them.
  const needed = cached !== null && (missing.length > 0 || needData || needAdapter) && !busy && attempt?.key !== requestKey;

  const firstRun = plan?.[0] ?? null;
  useEffect(() => {
    if (!needed || !adapter) return;
    let live = true;
    let worker: ReturnType<typeof startLabWorker> | null = null;
    const timer = setTimeout(() => {
      const w = (worker = startLabWorker());
      (async () => {
        if (missing.length > 0 || needAdapter) {
          const result = await w.api.calibrateCost({ shapes: missing, budgetSeconds: BUDGET_SECONDS, flopsPerSecond: cached?.flopsPerSecond ?? null });
          saveCostModel(adapter, { shapes: result.shapes, flopsPerSecond: result.flopsPerSecond, evalAdapter: result.evalAdapter });
        }
        if (needData && firstRun) {
          const seconds = await w.api.measureDataPreparation(firstRun, { data: config.data, tokenizer: config.tokenizer, files: null });
          saveCostModel(adapter, { data: { key: data, seconds } });
        }
      })()
        .then(
          () => live && setAttempt({ key: requestKey, error: null }),
          (e: unknown) => live && setAttempt({ key: requestKey, error: e instanceof Error ? e.message : String(e) }),
        )
        .finally(() => w.terminate());
    }, DEBOUNCE_MS);
    return () => {
      live = false;
      clearTimeout(timer);
      worker?.terminate();
    };
    // The request's contents (shapes, data, first run) are summed up in requestKey.
  }, [needed, adapter, requestKey, data]); // eslint-disable-line react-hooks/exhaustive-deps

  return { cost: plan ? cached : null, measuring: needed, error: attempt?.key === requestKey ? attempt.error : null };
}
