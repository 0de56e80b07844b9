// The one experiment config and results schema. The UI, share links, saved experiments, the
// command line and the headless runner all read and write these types, through the codec in
// ./codec.ts. Pure TypeScript: the core (worker) imports it too, so no React or zustand here.
//
// Versioning: CONFIG_VERSION / RESULTS_VERSION bump on any incompatible change, and
// ./migrate.ts turns every older version into the current one.

import type { ModelConfig } from '../model/config';
import type { ShardLoad } from '../data/types';

export const CONFIG_VERSION = 2;
export const RESULTS_VERSION = 2;

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

/**
 * Adam's β2 per batch size: the paper's table, a fixed value, or a memory 1/(1 − β2) of
 * `fraction` × the budget's step count at that batch size (D / (B·T)), which suits the run's
 * length where the paper's table (tuned for runs of 10⁴ steps) does not.
 */
export type Beta2Rule = PerBatchRule | { kind: 'horizon'; fraction: number };

export interface OptimizerConfig {
  beta1: number;
  beta2: Beta2Rule;
  eps: number;
  weightDecay: number;
  /** Warmup = warmupRatio × (D / tokens per step) steps, linear from 0.1× peak. */
  warmupRatio: number;
  clipNorm: number;
}

export interface EwaConfig {
  /**
   * The EWA decays every evaluation tries, as horizons 1/(1 − decay) given as fractions of the
   * budget's step count at each batch size (D / (B·T)). Each is evaluated and the best taken, as
   * the authors' code does with its fixed list of decays.
   */
  horizons: number[];
}

export interface LearningRateGrid {
  /** Peak learning rates tried at the base batch size. */
  values: number[];
  /**
   * The grid at batch size B is the base grid times (B / baseBatch)^exponent: 0.5 is Adam's
   * square-root rule, 0 one grid for every batch size; the lab's demo uses a measured exponent.
   */
  exponent: number;
  baseBatch: number;
}

export type TargetSpec =
  | { kind: 'fixed'; loss: number }
  /**
   * The paper's way: the final EWA loss of reference runs at `batchSize` trained for exactly D
   * tokens, one per learning rate of `learningRates` and seed replicate, each with seeds of its
   * own (referenceSeeds), so that no sweep run reaches the target at D tokens by construction.
   * A replicate's reference loss is the best over its learning rates; the target is the mean over
   * replicates. `learningRates` null: the sweep's grid at that batch size.
   */
  | { kind: 'reference'; batchSize: number; learningRates: number[] | null };

export type RunCap =
  | { kind: 'multiple-of-data'; factor: number }
  | { kind: 'steps'; steps: number };

/** When a run evaluates (see src/train/eval-schedule.ts): geometric steps, denser near the target. */
export interface EvaluationConfig {
  /** Far from the target, evaluate once the step count has grown by this factor (2: powers of two). */
  spacing: number;
  /** Near the target, by this smaller factor (at least one step): it sets how finely R(B) is resolved. */
  nearSpacing: number;
  /** "Near": the last EWA loss is within this fraction of the target (0.03: 3% above it). */
  nearMargin: number;
  /** Validation tokens per evaluation near the target (a fixed held-out set, spread over the validation text). */
  validationTokens: number;
  /**
   * Far from the target, an evenly spread subset of this many of those tokens is enough to track
   * progress (0: always the full set); the crossing is always decided on the full set.
   */
  probeTokens: number;
}

export interface AnalysisConfig {
  /** Extra steps over linear scaling that define CBS: 0.2 is the paper's 20%. */
  overhead: number;
  /** Linear-scaling baseline; null means the smallest measured batch size. */
  baselineBatch: number | null;
  /** Interpolate the crossing step in log-steps between the evaluations around it. */
  interpolate: boolean;
}

/** The seeds of one replicate: the model's initialisation and the data order. */
export interface SeedPair {
  init: number;
  data: number;
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
   * scaling with D = 20 tokens per parameter. See measurementPairs() in ./plan.ts.
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
  /**
   * Economy: a sweep run stops, censored (R(B) > its steps), once it has taken this many times the
   * steps that linear scaling from the smallest batch size predicts at its batch size. Such a
   * run is far beyond CBS whatever it would have needed; null runs every run to its cap.
   */
  censorFactor: number | null;
  evaluation: EvaluationConfig;
  analysis: AnalysisConfig;
  /** Seed replicates: every run of the sweep is trained once per pair. */
  seeds: SeedPair[];
  /**
   * Measure the gradient noise scale: every step accumulates at least two micro-batches, the
   * first one's gradient being the small batch of the estimate. It costs a pass per step on
   * adapters where steps are overhead-bound (the CPU emulator), so the demo leaves it off.
   */
  measureNoiseScale: boolean;
  /** Runs trained at once, each in its own worker. */
  workers: number;
}

/** What a run is for: a reference sets its group's target; a sweep run measures steps to target. */
export type RunRole = 'reference' | 'sweep';

/** One training run, fully resolved from an experiment (what a worker is given). */
export interface RunSpec {
  /** Stable id: derived from the fields below, so a resumed sweep recognises finished runs. */
  id: string;
  role: RunRole;
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
  /** EWA decays evaluated at every evaluation (the best is taken). */
  ewaDecays: number[];
  maxSteps: number;
  /** null while the target is not yet known (it comes from the reference runs). */
  targetLoss: number | null;
  stopAtTarget: boolean;
  evaluation: EvaluationConfig;
  /** Index into the config's seed replicates, and this run's own seeds. */
  replicate: number;
  seeds: SeedPair;
  /**
   * Training tokens of the shuffled pool every run of the experiment draws from (null: the whole
   * dataset). The same for every run, so each run reads a prefix of one shared token order.
   */
  poolTokens: number | null;
}

export interface EvalPoint {
  step: number;
  tokens: number;
  /** Tokens of the validation set this evaluation used: the full set, or the probe subset far from the target. */
  validationTokens: number;
  /** Validation loss of the debiased EWA weights: the best over the decays evaluated. */
  ewaLoss: number;
  /** Each decay's loss, in the order of the spec's ewaDecays; null where this evaluation did not try it. */
  ewaLosses: (number | null)[];
  /** Validation loss of the raw weights; null where this evaluation did not measure it (near the target). */
  rawLoss: number | null;
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

/**
 * 'finished': ran to its cap without reaching the target; 'censored': stopped by the economy rule
 * (censorFactor) before reaching it; both say R(B) > stepsDone. 'stopped': another run at its batch
 * size already reached the target in fewer steps, or the user cancelled.
 */
export type RunStatus = 'queued' | 'running' | 'paused' | 'reached-target' | 'finished' | 'censored' | 'diverged' | 'stopped' | 'failed';

/** An earlier attempt of a run that failed (a lost device, say) and was tried again. */
export interface RunRetry {
  step: number;
  reason: string;
}

/**
 * What a run read from one data shard: its URL (or picked file), the split, where the tokens came
 * from ('download'; 'cache', checked against the server first; 'redownload', when the server's
 * file had changed) and the line counters of the part that was read (null when the cache kept none).
 */
export interface ShardNote extends ShardLoad {
  split: 'train' | 'validation';
}

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
  /** Why a run ended before reaching its target or cap: divergence, an error, economy, the user. */
  failure: { step: number; reason: string } | null;
  wallSeconds: number;
  adapter: string;
  /** Earlier failed attempts, when the run was retried (absent when the first attempt is this one). */
  retries?: RunRetry[];
  /** The shards this run trained and evaluated on (absent in results from before it was recorded). */
  shards?: ShardNote[];
}

/** The target loss of one measurement (a model and a data size: see measurementKey in ./plan.ts). */
export interface GroupTarget {
  group: string;
  loss: number;
  /** Ids of the reference runs whose mean final EWA loss it is; empty for a fixed target. */
  from: string[];
}

/**
 * A hub revision the data URLs named (a branch, a tag or a commit) and the commit the shards were
 * read from; commit null when the hub could not be reached to pin it.
 */
export interface DataRevision {
  /** e.g. "datasets/allenai/c4" */
  repo: string;
  requested: string;
  commit: string | null;
}

export interface ExperimentResults {
  version: typeof RESULTS_VERSION;
  config: ExperimentConfig;
  /** The target of each measurement whose target is known (given, or from its reference runs). */
  targets: GroupTarget[];
  runs: RunRecord[];
  startedAt: string;
  finishedAt: string | null;
  /** Adapter description, e.g. "google swiftshader (software fallback); …". */
  adapter: string;
  /** The hub revisions the data came from, when the data URLs are on the Hugging Face hub. */
  dataRevisions?: DataRevision[];
}
