// The exact expected risk of the theory trainer's runs: what the GPU and reference trainers
// estimate, seed by seed, computed without sampling. Same contract (lanes.ts), so a whole
// experiment can run on it: the noise-free limit of infinitely many seeds, against which finite-D
// bias and seed noise can be told apart. Seeds change nothing here.
//
// For Gaussian x ~ N(0, H) with H diagonal, E[x xᵀ A x xᵀ] = 2HAH + tr(HA)H, so the diagonal of
// the error's second moment S = diag E[e eᵀ] evolves on its own:
//   S_i ← (1 − γλ_i)² S_i + (γ²/B) λ_i (λ_i S_i + Σ_j λ_j S_j + σ_eff²),   S_i(0) = (w*_i)²
// and since E[e_t | past] = (I − γH) e_{t−1}, an average ē ← ρ ē + α e (ρ = 1 − α) has
//   P_i = E[ē_i e_i] ← ρ (1 − γλ_i) P_i + α S_i,
//   Q_i = E[ē_i²]    ← ρ² Q_i + 2ρα (1 − γλ_i) P_i_before + α² S_i,
// (P_i_before: P before this step's update; S_i: after). The expected excess risks are
// tail + Σ λ_i S_i (last iterate) and tail + Σ λ_i Q_i / W² (average, W its debiasing weight).
import {
  DIVERGENCE_FACTOR, averageCount, averageRates, checkAdvance, freshLaneProgress, laneSnapshot,
  type LaneGroup, type LaneResult, type LaneStatus, type TrainerOptions, type TrainerSession,
} from './lanes';
import { excessRiskOfError } from './problem';
import { checkSession } from './trainer.ref';

interface LaneState {
  second: Float64Array;
  cross: Float64Array[];
  averageSecond: Float64Array[];
  weights: Float64Array;
  steps: number;
  nextEval: number;
  status: LaneStatus;
  result: LaneResult;
}

export class ExpectedRiskTrainer implements TrainerSession {
  readonly groups: readonly LaneGroup[];
  private readonly options: TrainerOptions;
  private readonly lanes: LaneState[][];
  private readonly samples: number[];
  private readonly rates: number[];
  private readonly divergenceLimit: number;

  constructor(options: TrainerOptions, groups: readonly LaneGroup[]) {
    checkSession(options, groups);
    this.options = options;
    this.groups = groups;
    const { problem } = options;
    const dim = problem.lambda.length;
    const k = averageCount(options.averaging);
    this.rates = averageRates(options.averaging);
    this.divergenceLimit = DIVERGENCE_FACTOR * excessRiskOfError(problem, problem.target);
    this.samples = groups.map(() => 0);
    this.lanes = groups.map((group) =>
      group.lanes.map(() => ({
        second: problem.target.map((w) => w * w),
        cross: Array.from({ length: k }, () => new Float64Array(dim)),
        averageSecond: Array.from({ length: k }, () => new Float64Array(dim)),
        ...freshLaneProgress(k),
      })),
    );
  }

  async advance(samples: number): Promise<void> {
    const block = this.options.blockSamples;
    checkAdvance(samples, block);
    this.groups.forEach((group, g) => {
      // Blocks as the sampling trainers walk them: a group with no running lane does not move.
      for (let b = 0; b < samples / block && this.lanes[g].some((l) => l.status === 'running'); b++) {
        const start = this.samples[g];
        this.samples[g] += block;
        group.lanes.forEach((spec, l) => {
          const lane = this.lanes[g][l];
          const steps = Math.floor(this.samples[g] / spec.batchSize) - Math.floor(start / spec.batchSize);
          for (let s = 0; s < steps && lane.status === 'running'; s++) this.step(lane, spec.batchSize, spec.lr, spec.maxSteps);
        });
      }
    });
  }

  async running(): Promise<boolean[]> {
    return this.lanes.map((lanes) => lanes.some((l) => l.status === 'running'));
  }

  async stop(groups: readonly number[]): Promise<void> {
    for (const g of groups) for (const lane of this.lanes[g]) if (lane.status === 'running') lane.status = 'stopped';
  }

  async results(): Promise<LaneResult[][]> {
    return this.lanes.map((lanes) => lanes.map(laneSnapshot));
  }

  dispose(): void {}

  private step(lane: LaneState, batch: number, lr: number, maxSteps: number): void {
    const { problem } = this.options;
    const { lambda } = problem;
    const dim = lambda.length;
    const noise = problem.effectiveNoiseVariance;
    let trace = 0;
    for (let i = 0; i < dim; i++) trace += lambda[i] * lane.second[i];
    for (let i = 0; i < dim; i++) {
      const d = 1 - lr * lambda[i];
      lane.second[i] = d * d * lane.second[i] + ((lr * lr) / batch) * lambda[i] * (lambda[i] * lane.second[i] + trace + noise);
    }
    lane.steps++;
    this.rates.forEach((rate, k) => {
      const alpha = rate < 0 ? 1 / lane.steps : rate;
      const rho = 1 - alpha;
      const p = lane.cross[k];
      const q = lane.averageSecond[k];
      for (let i = 0; i < dim; i++) {
        const carried = rho * (1 - lr * lambda[i]) * p[i];
        q[i] = rho * rho * q[i] + 2 * alpha * carried + alpha * alpha * lane.second[i];
        p[i] = carried + alpha * lane.second[i];
      }
      lane.weights[k] += alpha * (1 - lane.weights[k]);
    });
    if (lane.steps === this.options.evalSteps[lane.nextEval]) {
      let last = problem.tailEnergy;
      for (let i = 0; i < dim; i++) last += lambda[i] * lane.second[i];
      lane.result.evalSteps.push(lane.steps);
      lane.result.lastRisk.push(last);
      lane.averageSecond.forEach((q, k) => {
        let sum = 0;
        for (let i = 0; i < dim; i++) sum += lambda[i] * q[i];
        lane.result.averageRisk[k].push(problem.tailEnergy + sum / (lane.weights[k] * lane.weights[k]));
      });
      lane.nextEval++;
      if (!(last <= this.divergenceLimit)) lane.status = 'diverged';
    }
    if (lane.status === 'running' && lane.steps >= maxSteps) lane.status = 'capped';
  }
}
