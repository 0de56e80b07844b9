// The censoring bound, replayed (pure): what a finished experiment would have measured and spent
// had its sweep runs been censored at another factor of linear scaling (ExperimentConfig's
// censorFactor; the sweep's rule in src/train/sweep.ts). It answers "could the economy bound stop
// runs earlier without changing B*?" from the recorded runs, without training again.
//
// Under factor k a sweep run at B stops after ceil(k · R(B_min) · B_min / B) steps, R(B_min) being
// the best steps to target at the sweep's smallest batch size in its measurement and replicate
// (as the sweep computes it). A run whose recorded steps to target lie within that bound is kept
// as it was; one beyond it becomes censored there (R(B) > bound), and a run censored or stopped
// earlier keeps its own steps if they are fewer. A run counts as reached when the trainer saw the
// target (its recorded steps to target, an evaluation step) within the bound; its R(B) is the
// analysis' own (interpolated where the results' analysis says so). A bound larger than the
// recorded one cannot make a censored run reach the target: only factors up to the experiment's
// are meaningful. Analysed as a steps table (src/cbs/report.ts: analyzeTable), with the economy
// counted as tools/bench/sweep-report.ts counts it.
import type { ExperimentResults, RunRecord } from '../../src/experiment/schema';
import { measurementKey } from '../../src/experiment/plan';
import { nonEmbeddingParams } from '../../src/experiment/presets';
import { targetOf } from '../../src/experiment/results';
import { analyzeTable, type TableRow } from '../../src/cbs/report';
import { runOutcome } from '../../src/cbs/steps-to-target';
import { sweepEconomy } from './sweep-report';

export interface ReplayedGroup {
  dataSize: number | null;
  modelSize: number | null;
  bStar: number | null;
  lower: number | null;
  upper: number | null;
  /** Batch sizes where no run reached the target under this bound. */
  censored: number[];
}

export interface CensorReplay {
  factor: number;
  groups: ReplayedGroup[];
  /** Training tokens spent (references included) over those of each cell's winning run. */
  economy: number | null;
}

/** The experiment replayed at each censoring factor (smaller than or equal to the recorded one). */
export function censorReplay(results: ExperimentResults, factors: readonly number[]): CensorReplay[] {
  const sweep = results.runs.filter((r) => r.spec.role === 'sweep');
  const references = results.runs.filter((r) => r.spec.role === 'reference');
  const smallest = Math.min(...results.config.batchSizes);
  const measurementOf = (r: RunRecord) => `${measurementKey(r.spec.model, r.spec.dataSize)}|${r.spec.replicate}`;
  const baseline = new Map<string, number>();
  for (const r of sweep) {
    if (r.spec.batchSize !== smallest || r.stepsToTarget === null) continue;
    const key = measurementOf(r);
    baseline.set(key, Math.min(baseline.get(key) ?? Infinity, r.stepsToTarget));
  }
  // R(B) of each run as the analysis reads it (its measurement's target, interpolated or not).
  const analysed = new Map<string, number | null>();
  for (const r of sweep) {
    const target = targetOf(results.targets, r.spec);
    analysed.set(r.spec.id, target === null ? null : runOutcome(r, target, results.config.analysis.interpolate).steps);
  }
  return factors.map((factor) => {
    const rows: TableRow[] = [];
    // The runs as they would have ended under this bound, for the economy.
    const replayed: RunRecord[] = [...references];
    for (const r of sweep) {
      const base = baseline.get(measurementOf(r));
      const bound = base === undefined || r.spec.batchSize <= smallest ? Infinity : Math.ceil((factor * base * smallest) / r.spec.batchSize);
      const steps = analysed.get(r.spec.id) ?? null;
      const reached = steps !== null && r.stepsToTarget !== null && r.stepsToTarget <= bound;
      const stepsDone = reached ? r.stepsDone : Math.min(r.stepsDone, bound);
      replayed.push({ ...r, stepsDone, tokensDone: stepsDone * r.spec.batchSize * r.spec.model.context, stepsToTarget: reached ? r.stepsToTarget : null });
      rows.push({
        batchSize: r.spec.batchSize,
        steps: reached ? steps : null,
        censoredAbove: reached ? null : stepsDone,
        replicate: r.spec.replicate,
        modelSize: nonEmbeddingParams(r.spec.model),
        dataSize: r.spec.dataSize,
      });
    }
    const report = analyzeTable(rows, { analysis: { ...results.config.analysis, interpolate: false } });
    return {
      factor,
      economy: sweepEconomy(replayed).ratio,
      groups: report.groups.map((g) => ({
        dataSize: g.dataSize,
        modelSize: g.modelSize,
        bStar: g.cbs.bStar,
        lower: g.interval.lower,
        upper: g.interval.upper,
        censored: [...new Set(g.curve.filter((p) => p.censored).map((p) => p.batchSize))].sort((p, q) => p - q),
      })),
    };
  });
}

const num = (x: number | null) => (x === null ? '—' : +x.toPrecision(3));

/** One line per factor: each group's B* [interval] and censored batch sizes, then the economy. */
export function formatCensorReplay(replays: readonly CensorReplay[]): string {
  const lines = replays.map((r) => {
    const groups = r.groups.map(
      (g) => `D = ${g.dataSize ?? '?'}${g.modelSize !== null ? `, N = ${g.modelSize}` : ''}: B* ${num(g.bStar)} [${num(g.lower)}, ${num(g.upper)}]${g.censored.length > 0 ? `, censored B = ${g.censored.join(', ')}` : ''}`,
    );
    return `  × ${r.factor}: ${groups.join('; ')}; economy ${r.economy === null ? '—' : `${r.economy.toFixed(2)}×`}`;
  });
  return `censoring bound, replayed (B* in sequences, 90% interval; tools/bench/censor-replay.ts):\n${lines.join('\n')}\n`;
}
