// The one experiment config and results schema. The UI, share links, saved experiments, the
// command line and the headless runner all read and write these types, through the codec in
// ./codec.ts. Pure TypeScript: the core (worker) imports it too, so no React or zustand here.
//
// Versioning: CONFIG_VERSION / RESULTS_VERSION bump on any incompatible change, and
// ./migrate.ts turns every older version into the current one.

import type { ModelConfig } from '../model/config';

export const CONFIG_VERSION = 1;
export const RESULTS_VERSION = 1;

export type TokenizerSpec =
  | { kind: 'byte' }
  /** Trained by the lab on the training shard; `hash` pins the exact tokenizer.json. */
  | { kind: 'bpe'; vocabSize: number; hash?: string }
  | { kind: 'gpt2' };

export type DataSourceSpec =
  | { kind: 'bundled' }
  /** Shard URLs: C4 on the hub (prefilled) or any other host, which the UI confirms first. */
  | { kind: 'urls'; train: string[]; validation: string[] }
  /** Files the user picked; names only, so a share link says what to pick again. */
  | { kind: 'local'; train: string[]; validation: string[] };

/** The paper's per-batch-size table, or a fixed value for every batch size. */
export type PerBatchRule = { kind: 'paper-table' } | { kind: 'fixed'; value: number };

export interface OptimizerConfig {
  beta1: number;
  beta2: PerBatchRule;
  eps: number;
  weightDecay: number;
  /** Warmup = warmupRatio × (D / tokens per step) steps, linear from 0.1× peak. */
  warmupRatio: number;
  clipNorm: number;
}

export interface EwaConfig {
  decay: PerBatchRule;
  /**
   * The lab's runs are far shorter than the paper's, so the EWA horizon 1/(1−τ) is capped at
   * this fraction of the run's step budget (0 disables the cap).
   */
  horizonFraction: number;
}

export interface LearningRateGrid {
  /** Peak learning rates tried at the base batch size. */
  values: number[];
  /** When true, the grid at batch size B is scaled by sqrt(B / baseBatch) to centre it. */
  sqrtScaling: boolean;
  baseBatch: number;
}

export type TargetSpec =
  | { kind: 'fixed'; loss: number }
  /** The paper's way: final EWA loss of a reference run at `batchSize` trained for exactly D tokens. */
  | { kind: 'reference'; batchSize: number };

export type RunCap =
  | { kind: 'multiple-of-data'; factor: number }
  | { kind: 'steps'; steps: number };

export interface EvaluationConfig {
  /** Evaluate at multiples of this many steps (plus powers of two and ten). */
  interval: number;
  /** Evaluate every `denseEvery` steps once the EWA loss is within `denseMargin` (relative) of the target… */
  denseEvery: number;
  denseMargin: number;
  /** …and over the last `denseTailFraction` of the step budget. */
  denseTailFraction: number;
  /** Validation tokens per evaluation (a fixed held-out set). */
  validationTokens: number;
}

export interface AnalysisConfig {
  /** Extra steps over linear scaling that define CBS: 0.2 is the paper's 20%. */
  overhead: number;
  /** Linear-scaling baseline; null means the smallest measured batch size. */
  baselineBatch: number | null;
  /** Interpolate the crossing step in log-steps between the evaluations around it. */
  interpolate: boolean;
}

export interface ExperimentConfig {
  version: typeof CONFIG_VERSION;
  name: string;
  /** The preset this came from, if any (informational). */
  preset: string | null;
  models: ModelConfig[];
  data: DataSourceSpec;
  tokenizer: TokenizerSpec;
  /** Data sizes D in tokens; each (model, D) pair is one CBS measurement. */
  dataSizes: number[];
  /**
   * How models and data sizes combine into (model, D) pairs: 'grid' (the default when absent)
   * takes every pair; 'paired' takes models[i] with dataSizes[i] (same lengths), e.g. Chinchilla
   * scaling with D = 20 tokens per parameter. See measurementPairs() in ./defaults.ts.
   */
  pairing?: 'grid' | 'paired';
  /** Batch sizes in sequences. */
  batchSizes: number[];
  learningRates: LearningRateGrid;
  optimizer: OptimizerConfig;
  ewa: EwaConfig;
  target: TargetSpec;
  cap: RunCap;
  /** Stop each run at the target (economical), or run to its cap so the target can change later. */
  stopAtTarget: boolean;
  evaluation: EvaluationConfig;
  analysis: AnalysisConfig;
  seeds: { init: number; data: number };
  /** Runs trained at once, each in its own worker. */
  workers: number;
}

/** One training run, fully resolved from an experiment (what a worker is given). */
export interface RunSpec {
  /** Stable id: derived from the fields below, so a resumed sweep recognises finished runs. */
  id: string;
  model: ModelConfig;
  dataSize: number;
  batchSize: number;
  /** Sequences per micro-batch; batchSize / microBatch micro-batches are accumulated per step. */
  microBatch: number;
  peakLr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  warmupSteps: number;
  clipNorm: number;
  ewaDecay: number;
  maxSteps: number;
  /** null while the target is not yet known (it comes from the reference run). */
  targetLoss: number | null;
  stopAtTarget: boolean;
  evaluation: EvaluationConfig;
  seeds: { init: number; data: number };
  /** True for the run whose final EWA loss sets the target. */
  isReference: boolean;
}

export interface EvalPoint {
  step: number;
  tokens: number;
  /** Validation loss of the debiased EWA weights. */
  ewaLoss: number;
  /** Validation loss of the raw weights. */
  rawLoss: number;
}

export interface StepStats {
  step: number;
  trainLoss: number;
  lr: number;
  /** Global gradient norm of the accumulated gradient, before clipping. */
  gradNorm: number;
  /** Squared norm of one micro-batch's gradient (batch microBatch), before clipping. */
  microGradSq: number;
  /** Squared norm of the accumulated gradient (batch batchSize), before clipping. */
  batchGradSq: number;
  tokensPerSecond: number;
}

export type RunStatus = 'queued' | 'running' | 'paused' | 'reached-target' | 'finished' | 'diverged' | 'stopped' | 'failed';

export interface RunRecord {
  spec: RunSpec;
  status: RunStatus;
  /** Every evaluation, so that a different target can be chosen afterwards. */
  evals: EvalPoint[];
  /** Per-step statistics (possibly thinned for long runs). */
  steps: StepStats[];
  /** First evaluation step whose EWA loss is at or below the target; null if never. */
  stepsToTarget: number | null;
  stepsDone: number;
  tokensDone: number;
  /** Why a run ended early: divergence (NaN, explosion) or an error. */
  failure: { step: number; reason: string } | null;
  wallSeconds: number;
  adapter: string;
}

export interface ExperimentResults {
  version: typeof RESULTS_VERSION;
  config: ExperimentConfig;
  /** Target actually used (given, or from the reference run). */
  targetLoss: number | null;
  runs: RunRecord[];
  startedAt: string;
  finishedAt: string | null;
  /** Adapter description, e.g. "google swiftshader (software fallback); …". */
  adapter: string;
}
