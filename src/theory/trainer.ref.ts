// The float64 reference of the theory trainer: the same lanes, groups, samples (rng.ts), steps,
// averages, evaluations, caps and divergences as shaders/theory-sgd.wgsl, one sample at a time.
// The GPU trainer is checked against it; it also runs whole (small) experiments without a GPU.
import {
  DIVERGENCE_FACTOR, averageCount, averageRates, checkAdvance, freshLaneProgress, laneSnapshot,
  type LaneGroup, type LaneResult, type LaneStatus, type TrainerOptions, type TrainerSession,
} from './lanes';
import { excessRiskOfError } from './problem';
import { featureNormals, noiseNormal } from './rng';

interface LaneState {
  error: Float64Array;
  gradient: Float64Array;
  /** averages[k]: average k of the error (not yet debiased). */
  averages: Float64Array[];
  /** Debiasing weight of each average. */
  weights: Float64Array;
  steps: number;
  nextEval: number;
  status: LaneStatus;
  result: LaneResult;
}

interface GroupState {
  /** Samples processed so far (the index of the next sample). */
  sample: number;
  lanes: LaneState[];
}

export class ReferenceTrainer implements TrainerSession {
  readonly groups: readonly LaneGroup[];
  private readonly options: TrainerOptions;
  private readonly state: GroupState[];
  private readonly sqrtLambda: Float64Array;
  private readonly noiseStd: number;
  private readonly rates: number[];
  private readonly divergenceLimit: number;
  /** One sample's features, reused from block to block. */
  private readonly features: Float64Array;

  constructor(options: TrainerOptions, groups: readonly LaneGroup[]) {
    checkSession(options, groups);
    this.options = options;
    this.groups = groups;
    const { problem } = options;
    const dim = problem.lambda.length;
    this.sqrtLambda = problem.lambda.map(Math.sqrt);
    this.noiseStd = Math.sqrt(problem.effectiveNoiseVariance);
    this.features = new Float64Array(problem.lambda.length);
    this.rates = averageRates(options.averaging);
    this.divergenceLimit = DIVERGENCE_FACTOR * excessRiskOfError(problem, problem.target);
    const k = averageCount(options.averaging);
    this.state = groups.map((group) => ({
      sample: 0,
      lanes: group.lanes.map(() => ({
        error: problem.target.map((w) => -w),
        gradient: new Float64Array(dim),
        averages: Array.from({ length: k }, () => new Float64Array(dim)),
        ...freshLaneProgress(k),
      })),
    }));
  }

  async advance(samples: number): Promise<void> {
    const block = this.options.blockSamples;
    checkAdvance(samples, block);
    this.state.forEach((group, g) => {
      for (let b = 0; b < samples / block && group.lanes.some((l) => l.status === 'running'); b++) this.block(g);
    });
  }

  async running(): Promise<boolean[]> {
    return this.state.map((group) => group.lanes.some((l) => l.status === 'running'));
  }

  async stop(groups: readonly number[]): Promise<void> {
    for (const g of groups) for (const lane of this.state[g].lanes) if (lane.status === 'running') lane.status = 'stopped';
  }

  async results(): Promise<LaneResult[][]> {
    return this.state.map((group) => group.lanes.map(laneSnapshot));
  }

  dispose(): void {}

  /** One block of samples for group g. */
  private block(g: number): void {
    const { problem } = this.options;
    const dim = problem.lambda.length;
    const group = this.groups[g];
    const state = this.state[g];
    const x = this.features;
    for (let c = 0; c < this.options.blockSamples; c++, state.sample++) {
      const n = state.sample;
      featureNormals(group.seed, n, dim, x);
      for (let i = 0; i < dim; i++) x[i] *= this.sqrtLambda[i];
      const noise = this.noiseStd * noiseNormal(group.seed, n);
      state.lanes.forEach((lane, l) => {
        if (lane.status !== 'running') return;
        const spec = group.lanes[l];
        let residual = -noise;
        for (let i = 0; i < dim; i++) residual += x[i] * lane.error[i];
        for (let i = 0; i < dim; i++) lane.gradient[i] += residual * x[i];
        if ((n + 1) % spec.batchSize !== 0) return;
        this.step(lane, spec.lr / spec.batchSize);
        let status: LaneStatus = 'running';
        if (lane.steps === this.options.evalSteps[lane.nextEval]) status = this.evaluate(lane);
        if (status === 'running' && lane.steps >= spec.maxSteps) status = 'capped';
        lane.status = status;
      });
    }
  }

  private step(lane: LaneState, scale: number): void {
    const dim = lane.error.length;
    lane.steps++;
    for (let i = 0; i < dim; i++) {
      lane.error[i] -= scale * lane.gradient[i];
      lane.gradient[i] = 0;
    }
    this.rates.forEach((rate, k) => {
      const alpha = rate < 0 ? 1 / lane.steps : rate;
      const avg = lane.averages[k];
      for (let i = 0; i < dim; i++) avg[i] += alpha * (lane.error[i] - avg[i]);
      lane.weights[k] += alpha * (1 - lane.weights[k]);
    });
  }

  /** Records the lane's risks at this step; returns its status after them. */
  private evaluate(lane: LaneState): LaneStatus {
    const { problem } = this.options;
    const last = excessRiskOfError(problem, lane.error);
    lane.result.evalSteps.push(lane.steps);
    lane.result.lastRisk.push(last);
    lane.averages.forEach((avg, k) => {
      const debiased = avg.map((v) => v / lane.weights[k]);
      lane.result.averageRisk[k].push(excessRiskOfError(problem, debiased));
    });
    lane.nextEval++;
    return last <= this.divergenceLimit ? 'running' : 'diverged';
  }
}

/** Checks what both trainers assume about a session; throws a RangeError that says what is wrong. */
export function checkSession(options: TrainerOptions, groups: readonly LaneGroup[]): void {
  const { evalSteps, blockSamples } = options;
  if (!(Number.isInteger(blockSamples) && blockSamples >= 1)) throw new RangeError(`blockSamples must be a positive integer (got ${blockSamples})`);
  evalSteps.forEach((s, j) => {
    if (!(Number.isInteger(s) && s >= 1) || (j > 0 && s <= evalSteps[j - 1])) throw new RangeError(`evaluation steps must be increasing positive integers (entry ${j} is ${s})`);
  });
  groups.forEach((group, g) => {
    if (!(Number.isInteger(group.seed) && group.seed >= 0 && group.seed < 2 ** 32)) throw new RangeError(`group ${g}: the seed must be a 32-bit unsigned integer (got ${group.seed})`);
    if (group.lanes.length === 0) throw new RangeError(`group ${g} has no lanes`);
    group.lanes.forEach((lane, l) => {
      if (!(Number.isInteger(lane.batchSize) && lane.batchSize >= 1)) throw new RangeError(`group ${g} lane ${l}: batch size must be a positive integer (got ${lane.batchSize})`);
      if (!(lane.lr > 0 && Number.isFinite(lane.lr))) throw new RangeError(`group ${g} lane ${l}: learning rate must be positive (got ${lane.lr})`);
      if (!(Number.isInteger(lane.maxSteps) && lane.maxSteps >= 1)) throw new RangeError(`group ${g} lane ${l}: maxSteps must be a positive integer (got ${lane.maxSteps})`);
      if (lane.maxSteps * lane.batchSize >= 2 ** 32) throw new RangeError(`group ${g} lane ${l}: ${lane.maxSteps} steps of ${lane.batchSize} samples pass 2^32 samples, beyond the sample counter`);
    });
  });
}
