// What a sweep costs on a cluster, before running it: the tokens each run of the plan trains, under
// a model of the steps to target, and the GPU time at a given throughput. Pure; docs/scale-out.md
// uses it for the paper's 151M model (../scale-out-estimate.ts prints it).
//
// The steps model is the paper's: R(B) = a + b/B at each data size D, pinned by the reference run
// (R(B_ref) = D / (B_ref·T): the target is the reference's own loss after D tokens) and by the
// ratio b/a = B_crit(D) (McCandlish's critical batch, in sequences). A learning rate that is not the
// best at its B needs `offBestSteps`× the steps; a run whose steps exceed its cap stops at the cap.
import type { RunSpec } from '../../src/experiment/schema';
import { flopsPerToken } from '../../src/model/config';
import { shouldEvaluate, type EvalContext } from '../../src/train/eval-schedule';

export interface SweepCostModel {
  /** b/a of R(B) = a + b/B, in sequences, as a function of the data size D in tokens. */
  criticalBatch: (dataSize: number) => number;
  /** Steps of a learning rate that is not the best at its batch size, relative to the best one's. */
  offBestSteps: number;
  /** The best learning rate at each batch size: the middle of the grid (the reference's choice). */
  bestLr: (spec: RunSpec, grid: number[]) => boolean;
  /** Training tokens per second per GPU, and GPUs per run (data-parallel). */
  tokensPerSecondPerGpu: number;
  gpus: number;
  /** Seconds per optimizer step that do not shrink with B: all-reduce, AdamW and EWA passes over the weights. */
  stepOverheadSeconds: number;
}

export interface RunCost {
  spec: RunSpec;
  steps: number;
  reachesTarget: boolean;
  trainTokens: number;
  /** Far from the target (one EWA decay and the raw weights) and near it (every decay). */
  evaluations: { far: number; near: number };
  /** Evaluation forward passes, in training-token equivalents (a forward pass is a third of a step). */
  evalTokens: number;
  gpuSeconds: number;
}

export interface SweepCost {
  runs: RunCost[];
  /** Every run to its cap (the reference to D): what the data must hold and a bound on the cost. */
  capTokens: number;
  trainTokens: number;
  evalTokens: number;
  gpuHours: number;
  /** Runs one after another, each on all the GPUs. */
  wallHours: number;
  flopsPerToken: number;
}

/** Whether the run has its grid's middle learning rate (by value: the plan runs a cell's rates centre first, not in order). */
export function middleLr(spec: RunSpec, grid: number[]): boolean {
  const sorted = [...grid].sort((p, q) => p - q);
  return spec.peakLr === sorted[Math.floor(sorted.length / 2)];
}

export function estimateSweep(plan: RunSpec[], model: SweepCostModel): SweepCost {
  const runs = plan.map((spec): RunCost => {
    const T = spec.model.context;
    let steps = spec.maxSteps;
    let reachesTarget = spec.role === 'reference';
    if (spec.role === 'sweep') {
      const reference = plan.find((r) => r.role === 'reference' && r.dataSize === spec.dataSize && r.model.name === spec.model.name);
      if (!reference) throw new Error(`no reference run for ${spec.id}`);
      // a + b/B_ref = D / (B_ref·T) with b = B_crit·a.
      const bCrit = model.criticalBatch(spec.dataSize);
      const a = spec.dataSize / (reference.batchSize * T) / (1 + bCrit / reference.batchSize);
      const grid = [...new Set(plan.filter((r) => r.role === 'sweep' && r.batchSize === spec.batchSize && r.dataSize === spec.dataSize).map((r) => r.peakLr))];
      const needed = Math.ceil((a + (bCrit * a) / spec.batchSize) * (model.bestLr(spec, grid) ? 1 : model.offBestSteps));
      reachesTarget = needed <= spec.maxSteps;
      steps = Math.min(needed, spec.maxSteps);
    }
    // The lab's geometric schedule far from the target, and its denser one over the last 10% of the
    // steps of a run that reaches the target (about where the EWA loss is within nearMargin of it).
    let far = 0;
    let last: EvalContext['last'] = null;
    for (let step = 1; step <= steps; step++) {
      if (!shouldEvaluate(step, spec.evaluation, { maxSteps: steps, targetLoss: null, last })) continue;
      far++;
      last = { step, ewaLoss: 0 };
    }
    const near = reachesTarget && spec.role === 'sweep' ? Math.min(Math.ceil(0.1 * steps), Math.ceil(Math.log(1 / 0.9) / Math.log(Math.max(spec.evaluation.nearSpacing, 1 + 1e-9)))) : 0;
    const evaluations = { far, near };
    const evalTokens = ((2 * far + spec.ewaDecays.length * near) * spec.evaluation.validationTokens) / 3;
    const trainTokens = steps * spec.batchSize * T;
    const gpuSeconds = ((trainTokens + evalTokens) / (model.tokensPerSecondPerGpu * model.gpus) + steps * model.stepOverheadSeconds) * model.gpus;
    return { spec, steps, reachesTarget, trainTokens, evaluations, evalTokens, gpuSeconds };
  });
  const sum = (f: (r: RunCost) => number) => runs.reduce((s, r) => s + f(r), 0);
  const gpuHours = sum((r) => r.gpuSeconds) / 3600;
  return {
    runs,
    capTokens: plan.reduce((s, r) => s + r.maxSteps * r.batchSize * r.model.context, 0),
    trainTokens: sum((r) => r.trainTokens),
    evalTokens: sum((r) => r.evalTokens),
    gpuHours,
    wallHours: gpuHours / model.gpus,
    flopsPerToken: flopsPerToken(plan[0].model).total,
  };
}
