// Types shared by the page and the worker. Plain data only: everything crosses postMessage.
import type { AdapterSummary } from '../gpu/device';
import type { DataSourceSpec, EvalPoint, RunStatus, StepStats, TokenizerSpec } from '../experiment/schema';
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
  onStep(stats: StepStats): void;
  onEval(point: EvalPoint): void;
  onStatus(status: RunStatus): void;
  onCheckpoint(checkpoint: RunCheckpoint): Promise<void>;
  onWarning(message: string): void;
}
