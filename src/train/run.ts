// One training run of the paper's protocol: constant LR after warmup, AdamW with clipping,
// EWA weights, validation on the hybrid schedule, the first step at which the EWA loss reaches
// the target, divergence detection, pause/resume/cancel, and exact checkpoints.
import type { EvalPoint, RunRecord, RunSpec, StepStats } from '../experiment/schema';
import { learningRate } from '../optim/schedule';
import { divergenceReason } from './divergence';
import { evaluationPlan, needsFullAnchor, shouldEvaluate, type EvalContext } from './eval-schedule';
import type { EngineState, MicroBatch, TrainingEngine } from './engine';
import { explainError } from '../util/errors';

/** A validation set: its batches and how many tokens they hold (recorded with each evaluation). */
export interface EvalSet {
  batches: MicroBatch[];
  tokens: number;
}

/** Where training batches come from; its position is part of a checkpoint. */
export interface BatchSource {
  next(sequences: number): MicroBatch;
  position(): unknown;
  restore(position: unknown): void;
}

export interface RunCheckpoint {
  spec: RunSpec;
  step: number;
  initialLoss: number | null;
  record: RunRecord;
  engine: EngineState;
  data: unknown;
}

/** Pause, resume and cancel from outside the loop (the worker API calls these). */
export class RunControl {
  private pausedWaiter: { promise: Promise<void>; resolve: () => void } | null = null;
  private cancelled = false;

  pause(): void {
    if (this.pausedWaiter) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.pausedWaiter = { promise, resolve };
  }
  resume(): void {
    this.pausedWaiter?.resolve();
    this.pausedWaiter = null;
  }
  cancel(): void {
    this.cancelled = true;
    this.resume();
  }
  get isCancelled(): boolean {
    return this.cancelled;
  }
  get isPaused(): boolean {
    return this.pausedWaiter !== null;
  }
  /** Resolves at once when running; when paused, once resumed or cancelled. */
  async gate(): Promise<void> {
    if (this.pausedWaiter) await this.pausedWaiter.promise;
  }
}

export interface RunOptions {
  engine: TrainingEngine;
  data: BatchSource;
  /** The full validation set: it decides the crossing. */
  validation: EvalSet;
  /** An evenly spread subset that tracks progress far from the target (the full set when absent). */
  probe?: EvalSet;
  control?: RunControl;
  adapter: string;
  /** Take a checkpoint every this many steps (0: never). */
  checkpointEvery?: number;
  resumeFrom?: RunCheckpoint;
  /** Economical mode: the best steps-to-target at this batch size so far (runs that cannot beat it stop). */
  bestAtBatch?: () => number | null;
  /**
   * Economy: the step count past which this run is censored (stopped, R(B) > its steps), because
   * it is already far beyond linear scaling (see ExperimentConfig.censorFactor); null: never.
   */
  censorAfter?: () => number | null;
  onStep?: (stats: StepStats, record: RunRecord) => void;
  onEval?: (point: EvalPoint, record: RunRecord) => void;
  onCheckpoint?: (checkpoint: RunCheckpoint) => Promise<void> | void;
  onStatus?: (record: RunRecord) => void;
  /** Something people should know that does not end the run (a checkpoint that could not be saved). */
  onWarning?: (message: string) => void;
  now?: () => number;
}

export function emptyRecord(spec: RunSpec, adapter: string): RunRecord {
  return {
    spec,
    status: 'queued',
    evals: [],
    steps: [],
    stepsToTarget: null,
    stepsDone: 0,
    tokensDone: 0,
    failure: null,
    wallSeconds: 0,
    adapter,
  };
}

export async function trainRun(spec: RunSpec, options: RunOptions): Promise<RunRecord> {
  const { engine, data } = options;
  const full: EvalSet = options.validation;
  const probe: EvalSet = options.probe ?? full;
  const control = options.control ?? new RunControl();
  const now = options.now ?? (() => performance.now());
  const microSteps = spec.batchSize / spec.microBatch;
  if (!Number.isInteger(microSteps) || microSteps < 1) {
    throw new Error(`batch size ${spec.batchSize} is not a multiple of the micro-batch ${spec.microBatch}`);
  }
  const tokensPerStep = spec.batchSize * spec.model.context;

  let record: RunRecord;
  let step: number;
  let initialLoss: number | null;
  if (options.resumeFrom) {
    const c = options.resumeFrom;
    await engine.loadState(c.engine);
    data.restore(c.data);
    record = structuredClone(c.record);
    step = c.step;
    initialLoss = c.initialLoss;
  } else {
    record = emptyRecord(spec, options.adapter);
    step = 0;
    initialLoss = null;
  }
  record.status = 'running';
  options.onStatus?.(record);
  const started = now() - record.wallSeconds * 1000;
  let checkpointFailed = false;

  const finish = (status: RunRecord['status'], failure: RunRecord['failure'] = null): RunRecord => {
    record.status = status;
    record.failure = failure;
    record.wallSeconds = (now() - started) / 1000;
    options.onStatus?.(record);
    return record;
  };

  /** One evaluation on one set: the given EWA decays (the best taken), and the raw weights if asked. */
  const evaluateOn = async (set: EvalSet, decays: readonly number[], withRaw: boolean): Promise<EvalPoint> => {
    const ewaLosses: (number | null)[] = spec.ewaDecays.map(() => null);
    for (const index of decays) ewaLosses[index] = await engine.evaluate(set.batches, { kind: 'ewa', index, decay: spec.ewaDecays[index], step });
    const measured = ewaLosses.filter((l): l is number => l !== null);
    return {
      step,
      tokens: step * tokensPerStep,
      validationTokens: set.tokens,
      // The best decay at this evaluation, as the authors' code takes it (NaN if any is NaN).
      ewaLoss: measured.some((l) => Number.isNaN(l)) ? NaN : Math.min(...measured),
      ewaLosses,
      rawLoss: withRaw ? await engine.evaluate(set.batches, { kind: 'raw' }) : null,
    };
  };

  /** An evaluation as evaluationPlan says, with the full-set anchor when a probe shows the target is near. */
  const evaluateAt = async (context: EvalContext): Promise<EvalPoint> => {
    const plan = evaluationPlan(spec.evaluation, context, step);
    const decays = plan.decays === 'every' ? spec.ewaDecays.map((_, i) => i) : [bestDecayIndex(record.evals.at(-1))];
    const set = plan.set === 'probe' ? probe : full;
    let point = await evaluateOn(set, decays, plan.raw);
    if (set !== full && needsFullAnchor(spec.evaluation, context, step, point.ewaLoss)) point = await evaluateOn(full, [bestDecayIndex(point)], false);
    record.evals.push(point);
    options.onEval?.(point, record);
    return point;
  };

  try {
    while (step < spec.maxSteps) {
      await control.gate();
      if (control.isCancelled) return finish('stopped', { step, reason: 'cancelled by the user' });
      const best = options.bestAtBatch?.() ?? null;
      if (best !== null && spec.stopAtTarget && step >= best) {
        return finish('stopped', { step, reason: `another run at B = ${spec.batchSize} reached the target in ${best} steps: this one can no longer lower R(B)` });
      }
      const censor = options.censorAfter?.() ?? null;
      if (censor !== null && spec.role === 'sweep' && step >= censor) {
        return finish('censored', { step, reason: `not at the target after ${step} steps, past the economy bound of ${censor} steps: R(B) > ${step}, far beyond linear scaling` });
      }

      step += 1;
      const microBatches: MicroBatch[] = [];
      for (let i = 0; i < microSteps; i++) microBatches.push(data.next(spec.microBatch));
      const lr = learningRate(step, spec.peakLr, spec.warmupSteps);
      const t0 = now();
      const scalars = await engine.step(microBatches, {
        step,
        lr,
        beta1: spec.beta1,
        beta2: spec.beta2,
        eps: spec.eps,
        weightDecay: spec.weightDecay,
        clipNorm: spec.clipNorm,
        ewaDecays: spec.ewaDecays,
      });
      const seconds = Math.max((now() - t0) / 1000, 1e-9);
      initialLoss ??= scalars.loss;
      const stats: StepStats = {
        step,
        trainLoss: scalars.loss,
        lr,
        gradNorm: scalars.gradNorm,
        microGradSq: scalars.microGradSq,
        batchGradSq: scalars.batchGradSq,
        tokensPerSecond: tokensPerStep / seconds,
      };
      record.steps.push(stats);
      record.stepsDone = step;
      record.tokensDone = step * tokensPerStep;
      record.wallSeconds = (now() - started) / 1000;
      options.onStep?.(stats, record);

      const diverged = divergenceReason(step, scalars.loss, initialLoss, spec.warmupSteps);
      if (diverged) return finish('diverged', { step, reason: diverged });

      const last = record.evals.at(-1);
      const evalContext: EvalContext = { maxSteps: spec.maxSteps, targetLoss: spec.targetLoss, last: last ? { step: last.step, ewaLoss: last.ewaLoss } : null };
      if (shouldEvaluate(step, spec.evaluation, evalContext)) {
        const point = await evaluateAt(evalContext);
        if (!Number.isFinite(point.ewaLoss)) {
          return finish('diverged', { step, reason: `the EWA validation loss became ${point.ewaLoss}` });
        }
        // Only the full validation set decides the crossing (a probe evaluation never does).
        if (spec.targetLoss !== null && record.stepsToTarget === null && point.validationTokens === full.tokens && point.ewaLoss <= spec.targetLoss) {
          record.stepsToTarget = step;
          if (spec.stopAtTarget) return finish('reached-target');
        }
      }

      if (options.onCheckpoint && options.checkpointEvery && step % options.checkpointEvery === 0 && step < spec.maxSteps) {
        const checkpoint: RunCheckpoint = { spec, step, initialLoss, record: structuredClone(record), engine: await engine.saveState(), data: data.position() };
        try {
          await options.onCheckpoint(checkpoint);
        } catch (error) {
          // A checkpoint only shortens a resume: failing to save one (a full storage quota) must not end the run. Said once per run.
          if (!checkpointFailed) {
            options.onWarning?.(explainError(error, `the checkpoint at step ${step} of run ${spec.id} was not saved (training goes on, later checkpoints are tried, and a reload resumes from the last one saved)`));
          }
          checkpointFailed = true;
        }
      }
    }
    return finish(record.stepsToTarget !== null ? 'reached-target' : 'finished');
  } catch (error) {
    return finish('failed', { step, reason: explainError(error) });
  }
}

/** The decay that gave an evaluation's best loss (the first one before any evaluation). */
export function bestDecayIndex(point: EvalPoint | undefined): number {
  if (!point) return 0;
  let best = 0;
  point.ewaLosses.forEach((l, i) => {
    const current = point.ewaLosses[best];
    if (l !== null && (current === null || l < current)) best = i;
  });
  return best;
}
