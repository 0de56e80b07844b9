// The terminal progress bar: steps done over all runs' step budgets, tokens/s, ETA (pure).

/** What window.cbsLab.state() returns (src/ui/use-training.ts, LabAutomation), as the runner reads it. */
export interface RunState {
  id: string;
  status: string;
  stepsDone: number;
  maxSteps: number;
  tokensPerSecond: number | null;
  batchSize: number;
  /** A local-CBS branch counts its steps from its base run's checkpoint (absent: 0). */
  startStep?: number;
}
export interface LabState {
  status: string;
  error: string | null;
  warnings: string[];
  runs: RunState[];
  startedHere: string[];
}

const DONE = new Set(['reached-target', 'finished', 'diverged', 'stopped', 'failed']);

export interface Progress {
  /** 0..1: steps done over all runs' max steps; a run that ended early counts as complete. */
  fraction: number;
  stepsDone: number;
  maxSteps: number;
  runsDone: number;
  runs: number;
  /** Sum over running runs (null when none reports yet). */
  tokensPerSecond: number | null;
  /** Seconds left at the rate so far; null until there is progress. */
  etaSeconds: number | null;
}

export function progressOf(state: LabState, elapsedSeconds: number): Progress {
  let done = 0;
  let max = 0;
  let runsDone = 0;
  let tps: number | null = null;
  for (const r of state.runs) {
    const start = r.startStep ?? 0;
    max += r.maxSteps - start;
    if (DONE.has(r.status)) {
      done += r.maxSteps - start;
      runsDone++;
    } else {
      done += Math.max(0, Math.min(r.stepsDone, r.maxSteps) - start);
    }
    if (r.status === 'running' && r.tokensPerSecond !== null && Number.isFinite(r.tokensPerSecond)) tps = (tps ?? 0) + r.tokensPerSecond;
  }
  const fraction = max > 0 ? done / max : 0;
  const etaSeconds = fraction > 0 && fraction < 1 ? (elapsedSeconds * (1 - fraction)) / fraction : fraction >= 1 ? 0 : null;
  return { fraction, stepsDone: done, maxSteps: max, runsDone, runs: state.runs.length, tokensPerSecond: tps, etaSeconds };
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(sec)}` : `${two(m)}:${two(sec)}`;
}

function formatRate(tps: number | null): string {
  if (tps === null) return '— tok/s';
  if (tps >= 1e6) return `${(tps / 1e6).toFixed(2)}M tok/s`;
  if (tps >= 1e3) return `${(tps / 1e3).toFixed(1)}k tok/s`;
  return `${tps.toFixed(0)} tok/s`;
}

/** One line: "[#######.....]  42% steps 120/288 runs 1/3 1.2k tok/s elapsed 00:31 ETA 00:43". */
export function formatProgress(p: Progress, elapsedSeconds: number, width = 30): string {
  const filled = Math.round(Math.min(1, Math.max(0, p.fraction)) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = `${String(Math.floor(p.fraction * 100)).padStart(3)}%`;
  return `${bar} ${pct}  steps ${p.stepsDone}/${p.maxSteps}  runs ${p.runsDone}/${p.runs}  ${formatRate(p.tokensPerSecond)}  elapsed ${formatDuration(elapsedSeconds)}  ETA ${formatDuration(p.etaSeconds)}`;
}
