// The terminal progress bar: the page's own progress and ETA in cost (src/train/progress.ts, read
// through window.cbsLab.state()), so that the terminal and the page show the same numbers (pure).
import type { RunProgressRow } from '../../src/state/run-store';
import type { LabAutomationState } from '../../src/ui/use-training';

/** What window.cbsLab.state() returns (src/ui/use-training.ts), as the runner reads it. */
export type LabState = LabAutomationState;
export type RunState = RunProgressRow;

/** The page's forecast as a headless run went (run.json): seconds since Start, progress in cost, seconds predicted left. */
export interface ProgressSample {
  seconds: number;
  fraction: number | null;
  remainingSeconds: number | null;
}

export interface Progress {
  /** 0..1 in cost (seconds of predicted work); null while the page has no cost model. */
  fraction: number | null;
  runsDone: number;
  runs: number;
  /** Wall-clock training tokens per second of the experiment so far, evaluation included. */
  tokensPerSecond: number | null;
  /** Seconds left as the page predicts them; null until it can. */
  etaSeconds: number | null;
}

export function progressOf(state: LabState): Progress {
  const p = state.progress;
  return {
    fraction: p?.fraction ?? null,
    runsDone: p?.runsDone ?? 0,
    runs: p?.runCount ?? state.runs.length,
    tokensPerSecond: p?.tokensPerSecond ?? null,
    etaSeconds: state.status === 'finished' ? 0 : (p?.remainingSeconds ?? null),
  };
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

/** One line: "[#######.....]  42%  runs 1/3  1.2k tok/s (wall)  elapsed 00:31  ETA 00:43". */
export function formatProgress(p: Progress, elapsedSeconds: number, width = 30): string {
  const f = p.fraction ?? 0;
  const filled = Math.round(Math.min(1, Math.max(0, f)) * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const pct = p.fraction === null ? '  ?%' : `${String(Math.floor(f * 100)).padStart(3)}%`;
  return `${bar} ${pct}  runs ${p.runsDone}/${p.runs}  ${formatRate(p.tokensPerSecond)} (wall)  elapsed ${formatDuration(elapsedSeconds)}  ETA ${formatDuration(p.etaSeconds)}`;
}
