// What a theory trainer runs, and what it returns: the contract shared by the GPU trainer
// (trainer.ts, shaders/theory-sgd.wgsl) and its float64 reference (trainer.ref.ts).
//
// A lane is one SGD run: a batch size, a learning rate, a step cap. Lanes are gathered in groups
// that share a seed, hence one stream of samples (sample n is the same draw for every lane of the
// seed, whatever its batch size, as a fixed data order is in the language-model sweeps). The
// caller may stop whole groups between two advances (once R(B) is known, nothing a group does
// later can change it).
//
// One step of a lane with batch size B and learning rate γ, on samples n = tB … tB + B − 1
// (e = w − w* is the error of the model's M coordinates, e_0 = −w*):
//   r_n = ⟨x_n, e⟩ − ξ_n                 (prediction minus label; ξ_n ~ N(0, σ² + tail))
//   e ← e − (γ/B) Σ_n r_n x_n            (the gradient of ½ mean (⟨w, x⟩ − y)² on the batch)
// then each average ē ← ē + α (e − ē), with α = 1/t (uniform, t = steps so far) or 1 − τ (EWA),
// and the EWA is read through its debiasing weight W_t (W ← W + α(1 − W), W_t = 1 − τ^t).
import type { TheoryProblem } from './problem';

export type Averaging = { kind: 'uniform' } | { kind: 'ewa'; decays: number[] };

export interface LaneSpec {
  batchSize: number;
  lr: number;
  /** The lane stops ('capped') after this many steps. */
  maxSteps: number;
}

export interface LaneGroup {
  seed: number;
  lanes: LaneSpec[];
}

export interface TrainerOptions {
  problem: TheoryProblem;
  averaging: Averaging;
  /** Steps at which every lane evaluates its risks: sorted, distinct, ≥ 1. */
  evalSteps: readonly number[];
  /** Samples per block: groups advance by whole blocks. */
  blockSamples: number;
}

/**
 * - running: not finished yet;
 * - stopped: its group was stopped by the caller;
 * - capped: it ran maxSteps steps;
 * - diverged: its last iterate's risk became non-finite or exceeded DIVERGENCE_FACTOR × its initial excess risk.
 */
export type LaneStatus = 'running' | 'stopped' | 'capped' | 'diverged';

export interface LaneResult {
  status: LaneStatus;
  /** Steps taken. */
  steps: number;
  /** The schedule steps evaluated so far (a prefix of evalSteps). */
  evalSteps: number[];
  /** averageRisk[k][j]: excess risk of average k (one for uniform, one per EWA decay) at evalSteps[j]. */
  averageRisk: number[][];
  /** Excess risk of the last iterate at evalSteps[j]. */
  lastRisk: number[];
}

export interface TrainerSession {
  readonly groups: readonly LaneGroup[];
  /** Processes the next `samples` samples (a multiple of blockSamples) in every group still running. */
  advance(samples: number): Promise<void>;
  /** Per group: whether any of its lanes is still running. */
  running(): Promise<boolean[]>;
  /** Stops every running lane of these groups (status 'stopped'). */
  stop(groups: readonly number[]): Promise<void>;
  /** Per group, per lane: what each lane did so far. */
  results(): Promise<LaneResult[][]>;
  dispose(): void;
}

/** What every trainer's advance() asks of its argument: a positive multiple of the block. */
export function checkAdvance(samples: number, blockSamples: number): void {
  if (!(Number.isInteger(samples) && samples > 0 && samples % blockSamples === 0)) {
    throw new RangeError(`advance takes a positive multiple of the block (${blockSamples} samples), got ${samples}`);
  }
}

/** A CPU trainer's lane before its first step: no steps, no evaluations, k averages of weight 0. */
export function freshLaneProgress(k: number): { weights: Float64Array; steps: number; nextEval: number; status: LaneStatus; result: LaneResult } {
  return { weights: new Float64Array(k), steps: 0, nextEval: 0, status: 'running', result: { status: 'running', steps: 0, evalSteps: [], averageRisk: Array.from({ length: k }, () => []), lastRisk: [] } };
}

/** A CPU trainer's lane as results() returns it: copies, which later steps do not change. */
export function laneSnapshot(lane: { status: LaneStatus; steps: number; result: LaneResult }): LaneResult {
  return {
    status: lane.status,
    steps: lane.steps,
    evalSteps: lane.result.evalSteps.slice(),
    averageRisk: lane.result.averageRisk.map((r) => r.slice()),
    lastRisk: lane.result.lastRisk.slice(),
  };
}

/** A lane whose last-iterate risk passes this multiple of its starting excess risk has diverged. */
export const DIVERGENCE_FACTOR = 1e6;

/** How many averages a lane keeps. */
export function averageCount(averaging: Averaging): number {
  return averaging.kind === 'uniform' ? 1 : averaging.decays.length;
}

/**
 * The evaluation steps: every step up to `dense`, then `perOctave` steps per doubling
 * (round(2^(j/perOctave)), distinct), up to and including maxStep, with `extra` steps added
 * (the budget steps of the reference batch, where the targets are read). Dense enough that
 * steps to target, interpolated in log(step) between two evaluations, is within a fraction of a
 * percent of the step-exact crossing.
 */
export function evalSchedule(maxStep: number, perOctave: number, extra: readonly number[] = [], dense = 32): number[] {
  if (!(Number.isInteger(maxStep) && maxStep >= 1)) throw new RangeError(`evaluation schedule needs a positive last step (got ${maxStep})`);
  const steps = new Set<number>();
  for (let s = 1; s <= Math.min(dense, maxStep); s++) steps.add(s);
  for (let j = 0; ; j++) {
    const s = Math.round(2 ** (j / perOctave));
    if (s > maxStep) break;
    steps.add(s);
  }
  steps.add(maxStep);
  for (const s of extra) if (Number.isInteger(s) && s >= 1 && s <= maxStep) steps.add(s);
  return [...steps].sort((p, q) => p - q);
}

/** α of the average with decay τ (EWA), or −1 for the uniform average (α = 1/t, decided per step). */
export function averageRates(averaging: Averaging): number[] {
  return averaging.kind === 'uniform' ? [-1] : averaging.decays.map((tau) => 1 - tau);
}
