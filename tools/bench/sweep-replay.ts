// The forecast of a finished experiment, replayed (pure): what the page's ETA (src/train/progress.ts,
// as it is now) would have said along the recorded run, from the recorded runs alone. It is how a
// change to the forecast is measured without training again: the ETA the page showed during a run
// is the forecast code of that day, and a demo run takes 20 minutes on the CPU emulator.
//
// The runner records each run's wall time and final state, not its step-by-step history, so the
// replay reconstructs the timeline with three stated approximations:
// - runs go one after the other in the runner's order: every reference first (src/train/sweep.ts),
//   then the rest as recorded; only one worker is replayed;
// - the wall time no run accounts for (idle) is spread evenly between runs;
// - a run in flight at a fraction φ of its wall time has done φ of its steps, its evaluations up
//   to there, and φ of its training and evaluation time (its data and setup at once).
// Forecasts are taken when each run starts and at a quarter, half and three quarters of it.
import type { ExperimentResults, RunRecord, RunTiming } from '../../src/experiment/schema';
import type { CostModel } from '../../src/train/cost-model';
import { forecastExperiment, type LiveRun } from '../../src/train/progress';

export interface ReplayedForecast {
  /** Seconds since Start on the reconstructed timeline. */
  atSeconds: number;
  fraction: number;
  /** elapsed + remaining, and its error against the wall time (+0.1: 10% too long). */
  predictedSeconds: number;
  error: number;
}

const PHASES = [0.25, 0.5, 0.75];

function partialTiming(t: RunTiming | undefined, phi: number): RunTiming | null {
  if (!t) return null;
  return { trainSeconds: t.trainSeconds * phi, evalSeconds: t.evalSeconds * phi, checkpointSeconds: t.checkpointSeconds * phi, dataSeconds: t.dataSeconds, setupSeconds: t.setupSeconds };
}

/** The forecasts along the replayed run; empty when the experiment used more than one worker or has no cost model. */
export function replayForecasts(results: ExperimentResults, prior: CostModel | null, wallSeconds: number): ReplayedForecast[] {
  if (Math.max(1, results.config.workers) !== 1 || !(wallSeconds > 0)) return [];
  const order: RunRecord[] = [...results.runs.filter((r) => r.spec.role === 'reference'), ...results.runs.filter((r) => r.spec.role !== 'reference')];
  const plan = order.map((r) => r.spec);
  const gap = Math.max(0, wallSeconds - order.reduce((s, r) => s + r.wallSeconds, 0)) / Math.max(1, order.length);
  const out: ReplayedForecast[] = [];
  const take = (finished: RunRecord[], live: LiveRun[], at: number) => {
    const f = forecastExperiment({ config: results.config, plan, prior, finished, live, elapsedSeconds: at });
    if (f.totalSeconds === null || f.fraction === null) return;
    out.push({ atSeconds: at, fraction: f.fraction, predictedSeconds: f.totalSeconds, error: f.totalSeconds / wallSeconds - 1 });
  };
  let elapsed = 0;
  order.forEach((record, k) => {
    const finished = order.slice(0, k);
    take(finished, [], elapsed);
    for (const phi of PHASES) {
      const stepsDone = Math.round(phi * record.stepsDone);
      const live: LiveRun = {
        spec: record.spec,
        stepsDone,
        evals: record.evals.filter((e) => e.step <= stepsDone),
        elapsedSeconds: phi * record.wallSeconds,
        timing: partialTiming(record.timing, phi),
      };
      take(finished, [live], elapsed + phi * record.wallSeconds);
    }
    elapsed += record.wallSeconds + gap;
  });
  return out;
}

/** The first replayed forecast at or past 25% progress. */
export function replayedEtaAt25(forecasts: readonly ReplayedForecast[]): ReplayedForecast | null {
  return forecasts.find((f) => f.fraction >= 0.25) ?? null;
}
