// The cost split of a finished experiment (pure): where its wall time went (training, evaluation,
// data preparation, setup, idle), the evaluation's share, the sweep's economy (training tokens
// spent over those of the winning run at each batch size, whose steps define R(B)), and how far
// the page's estimate and its ETA at 25% progress were from the measured wall time.
import type { ExperimentResults, RunRecord } from '../../src/experiment/schema';
import { measurementKey } from '../../src/experiment/plan';
import { refineCost, type CostModel, type ShapeCost } from '../../src/train/cost-model';
import type { ProgressSample } from '../headless/progress';
import { replayForecasts, replayedEtaAt25, type ReplayedForecast } from './sweep-replay';

/** What the headless runner records in run.json that this report reads. */
export interface HeadlessRun {
  /** Seconds from Start to the experiment's end. */
  trainSeconds: number;
  adapter: string | null;
  estimate: { totalSeconds: number | null } | null;
  /** The cost model the page calibrated before Start. */
  costModel: CostModel | null;
  progress: ProgressSample[];
}

export interface BatchEconomy {
  batchSize: number;
  /** Training tokens of every sweep run at this batch size (all measurements and replicates). */
  spentTokens: number;
  /** Tokens of the winning runs: their steps to target × B × T, summed over measurements and replicates. */
  winnerTokens: number;
  /** Cells (measurement, replicate) at this batch size where no run reached the target. */
  unreached: number;
}

export type SweepEconomy = SweepCostReport['economy'];

/**
 * The sweep economy of these runs: the training tokens they spent (the reference runs' included)
 * over those of the run that defines R(B) in each cell (measurement, replicate, batch size), up
 * to its steps to target. tools/bench/censor-replay.ts counts its replayed runs with it too.
 */
export function sweepEconomy(runs: readonly RunRecord[]): SweepEconomy {
  const cells = new Map<string, { batchSize: number; spent: number; winner: number | null }>();
  let referenceTokens = 0;
  for (const r of runs) {
    if (r.spec.role === 'reference') {
      referenceTokens += r.tokensDone;
      continue;
    }
    const key = `${measurementKey(r.spec.model, r.spec.dataSize)}|${r.spec.replicate}|${r.spec.batchSize}`;
    const cell = cells.get(key) ?? { batchSize: r.spec.batchSize, spent: 0, winner: null };
    cell.spent += r.tokensDone;
    if (r.stepsToTarget !== null) cell.winner = Math.min(cell.winner ?? Infinity, r.stepsToTarget * r.spec.batchSize * r.spec.model.context);
    cells.set(key, cell);
  }
  const perBatch = new Map<number, BatchEconomy>();
  for (const c of cells.values()) {
    const b = perBatch.get(c.batchSize) ?? { batchSize: c.batchSize, spentTokens: 0, winnerTokens: 0, unreached: 0 };
    b.spentTokens += c.spent;
    b.winnerTokens += c.winner ?? 0;
    if (c.winner === null) b.unreached++;
    perBatch.set(c.batchSize, b);
  }
  const sweepTokens = [...cells.values()].reduce((s, c) => s + c.spent, 0);
  const winnerTokens = [...cells.values()].reduce((s, c) => s + (c.winner ?? 0), 0);
  return {
    spentTokens: sweepTokens + referenceTokens,
    referenceTokens,
    winnerTokens,
    ratio: winnerTokens > 0 ? (sweepTokens + referenceTokens) / winnerTokens : null,
    sweepRatio: winnerTokens > 0 ? sweepTokens / winnerTokens : null,
    perBatch: [...perBatch.values()].sort((a, b) => a.batchSize - b.batchSize),
  };
}

export interface SweepCostReport {
  wallSeconds: number;
  workers: number;
  adapter: string | null;
  /** Worker-seconds by kind; idle is wall × workers less the rest. */
  split: { trainSeconds: number; evalSeconds: number; checkpointSeconds: number; dataSeconds: number; setupSeconds: number; idleSeconds: number };
  /** Runs recorded without timing (older results), left out of the split. */
  untimedRuns: number;
  /** Evaluation over wall × workers. */
  evalShare: number;
  economy: { spentTokens: number; referenceTokens: number; winnerTokens: number; ratio: number | null; sweepRatio: number | null; perBatch: BatchEconomy[] };
  /** The page's estimate when the first run started, and its error against the wall time (+0.1: 10% too long). */
  estimate: { seconds: number; error: number } | null;
  /** The first forecast at or past 25% progress: elapsed + remaining then, and its error. */
  etaAt25: { atSeconds: number; fraction: number; predictedSeconds: number; error: number } | null;
  /**
   * The same, with today's forecast code replayed over the recorded runs (tools/bench/sweep-replay.ts),
   * and the range of its errors from 25% progress on; null with more than one worker or no cost model.
   */
  replayed: { etaAt25: ReplayedForecast | null; errorRange: [number, number] | null } | null;
  /** The cost model calibrated before Start, and the same refitted from the runs' measured timing alone. */
  calibrated: CostModel | null;
  measured: CostModel;
}

export function sweepCostReport(results: ExperimentResults, run: HeadlessRun): SweepCostReport {
  const workers = Math.max(1, results.config.workers);
  const wall = run.trainSeconds;
  const split = { trainSeconds: 0, evalSeconds: 0, checkpointSeconds: 0, dataSeconds: 0, setupSeconds: 0, idleSeconds: 0 };
  let untimedRuns = 0;
  for (const r of results.runs) {
    if (!r.timing) {
      untimedRuns++;
      continue;
    }
    split.trainSeconds += r.timing.trainSeconds;
    split.evalSeconds += r.timing.evalSeconds;
    split.checkpointSeconds += r.timing.checkpointSeconds;
    split.dataSeconds += r.timing.dataSeconds;
    split.setupSeconds += r.timing.setupSeconds;
  }
  split.idleSeconds = Math.max(0, wall * workers - split.trainSeconds - split.evalSeconds - split.checkpointSeconds - split.dataSeconds - split.setupSeconds);

  const error = (predicted: number) => (wall > 0 ? predicted / wall - 1 : NaN);

  const estimateSeconds = run.estimate?.totalSeconds ?? null;
  const at25 = run.progress.find((p) => p.fraction !== null && p.fraction >= 0.25 && p.remainingSeconds !== null);
  const replay = run.costModel ? replayForecasts(results, run.costModel, wall) : [];
  const late = replay.filter((f) => f.fraction >= 0.25).map((f) => f.error);
  return {
    wallSeconds: wall,
    workers,
    adapter: run.adapter,
    split,
    untimedRuns,
    evalShare: wall > 0 ? split.evalSeconds / (wall * workers) : NaN,
    economy: sweepEconomy(results.runs),
    estimate: estimateSeconds === null ? null : { seconds: estimateSeconds, error: error(estimateSeconds) },
    etaAt25: at25
      ? { atSeconds: at25.seconds, fraction: at25.fraction!, predictedSeconds: at25.seconds + at25.remainingSeconds!, error: error(at25.seconds + at25.remainingSeconds!) }
      : null,
    replayed: replay.length > 0 ? { etaAt25: replayedEtaAt25(replay), errorRange: late.length > 0 ? [Math.min(...late), Math.max(...late)] : null } : null,
    calibrated: run.costModel,
    // The calibrated model as the prior: it carries the adapter's evaluation chunking, without
    // which every pass would be priced as one whole-set chunk (probe passes 8× too many tokens).
    measured: refineCost(
      run.costModel ?? null,
      results.runs.flatMap((r) => (r.timing ? [{ spec: r.spec, stepsDone: r.stepsDone, evals: r.evals, timing: r.timing }] : [])),
    ),
  };
}

const ms = (s: number) => `${+(s * 1000).toPrecision(3)} ms`;

function formatCost(name: string, c: CostModel | null): string[] {
  if (!c) return [`${name}: none`];
  const shape = ([key, s]: [string, ShapeCost]) =>
    `  ${key}: step ${ms(s.stepFixedSeconds)} + ${ms(s.stepSecondsPerSequence)} × B; ${+(s.evalSecondsPerToken * 1e6).toPrecision(3)} µs per validation token evaluated; ${ms(s.checkpointSeconds)} per checkpoint; setup ${s.setupSeconds.toFixed(2)} s (${s.how})`;
  return [
    `${name}: data preparation ${c.dataSeconds === null ? 'not measured' : `${c.dataSeconds.toFixed(2)} s`} per run${c.flopsPerSecond ? `; probe ${(c.flopsPerSecond / 1e9).toPrecision(3)} GFLOP/s` : ''}`,
    ...Object.entries(c.shapes).map(shape),
  ];
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const signed = (x: number) => `${x >= 0 ? '+' : '−'}${(100 * Math.abs(x)).toFixed(0)}%`;
const secs = (s: number) => (s >= 120 ? `${(s / 60).toFixed(1)} min` : `${s.toFixed(1)} s`);
const tokens = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

export function formatSweepCostReport(r: SweepCostReport): string {
  const out: string[] = [];
  out.push(`wall time (Start to finished): ${secs(r.wallSeconds)}, ${r.workers} worker${r.workers === 1 ? '' : 's'}${r.adapter ? `, on ${r.adapter.split(';')[0]}` : ''}`);
  const total = r.wallSeconds * r.workers;
  const rows: [string, number][] = [
    ['training', r.split.trainSeconds],
    ['evaluation', r.split.evalSeconds],
    ['checkpoints', r.split.checkpointSeconds],
    ['data preparation', r.split.dataSeconds],
    ['setup', r.split.setupSeconds],
    ['idle', r.split.idleSeconds],
  ];
  for (const [name, s] of rows) out.push(`  ${name.padEnd(17)} ${secs(s).padStart(10)}  ${total > 0 ? pct(s / total).padStart(6) : ''}`);
  if (r.untimedRuns > 0) out.push(`  (${r.untimedRuns} run(s) recorded without timing are counted as idle)`);
  out.push(`evaluation share: ${pct(r.evalShare)} of the wall time`);
  const e = r.economy;
  out.push(
    e.ratio === null
      ? `sweep economy: ${tokens(e.spentTokens)} training tokens spent; no run reached the target`
      : `sweep economy: ${tokens(e.spentTokens)} training tokens spent (references ${tokens(e.referenceTokens)}) over ${tokens(e.winnerTokens)} in the winning runs: ${e.ratio.toFixed(2)}× (sweep runs only: ${e.sweepRatio!.toFixed(2)}×)`,
  );
  for (const b of e.perBatch) {
    out.push(`  B = ${String(b.batchSize).padStart(5)}: ${tokens(b.spentTokens).padStart(8)} spent, ${tokens(b.winnerTokens).padStart(8)} in the winners${b.unreached ? `, ${b.unreached} cell(s) never reached the target` : ''}`);
  }
  out.push(r.estimate ? `estimate before Start: ${secs(r.estimate.seconds)}, ${signed(r.estimate.error)} against the wall time` : 'estimate before Start: none (the page had no cost model)');
  out.push(
    r.etaAt25
      ? `ETA at 25% progress (${pct(r.etaAt25.fraction)} at ${secs(r.etaAt25.atSeconds)}): ${secs(r.etaAt25.predictedSeconds)} in all, ${signed(r.etaAt25.error)} against the wall time`
      : 'ETA at 25% progress: none recorded',
  );
  const rp = r.replayed;
  out.push(
    rp?.etaAt25
      ? `ETA at 25% progress, today's forecast replayed over the recorded runs (${pct(rp.etaAt25.fraction)} at ${secs(rp.etaAt25.atSeconds)}): ${secs(rp.etaAt25.predictedSeconds)} in all, ${signed(rp.etaAt25.error)}; from 25% on, ${signed(rp.errorRange![0])} to ${signed(rp.errorRange![1])}`
      : 'ETA replayed: not possible (more than one worker, or no cost model)',
  );
  out.push(...formatCost('cost model calibrated before Start', r.calibrated), ...formatCost('cost model measured by the runs', r.measured));
  return out.join('\n') + '\n';
}
