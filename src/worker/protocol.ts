// Types shared by the page and the worker. Plain data only: everything crosses postMessage.
import type { AdapterSummary } from '../gpu/device';
import type { DataSourceSpec, EvalPoint, RunStatus, RunTiming, StepStats, TokenizerSpec } from '../experiment/schema';
import type { RunCheckpoint } from '../train/run';
import type { LocalFiles } from './data-setup';

export type ProbeResult =
  | { ok: true; adapter: AdapterSummary; description: string }
  | { ok: false; kind: string; message: string };

export interface TokenizerInfo {
  id: string;
  vocabSize: number;
  eotId: number;
}

/** What a worker needs besides the RunSpec: where the data comes from, and how to resume. */
export interface RunSetup {
  data: DataSourceSpec;
  tokenizer: TokenizerSpec;
  resumeFrom?: RunCheckpoint | null;
  /** A local-CBS branch: its base run's checkpoint, to start from (see trainRun's startFrom). */
  startFrom?: RunCheckpoint | null;
  /** The files of a 'local' data source (File objects cross postMessage). */
  files?: LocalFiles | null;
  /** Checkpoint every this many steps (0: never). */
  checkpointEvery: number;
  /** Keep the run's final EWA weights (as safetensors) for takeWeights(); only runs that end well. */
  keepWeights?: boolean;
  /** The economy bounds when the run starts (later changes arrive through setEconomy). */
  economy?: { best: number | null; censorAfter: number | null };
}

/** Progress from a training worker; the page passes these wrapped in Comlink.proxy. */
export interface RunEvents {
  /** A step's statistics, and the run's timing so far. */
  onStep(stats: StepStats, timing: RunTiming | null): void;
  onEval(point: EvalPoint): void;
  onStatus(status: RunStatus): void;
  onCheckpoint(checkpoint: RunCheckpoint): Promise<void>;
  /** A base run's checkpoint for its branches, at each of its spec's checkpointSteps. */
  onKeep?(checkpoint: RunCheckpoint): Promise<void>;
  onWarning(message: string): void;
}
