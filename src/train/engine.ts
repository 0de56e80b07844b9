// What the run loop needs from a model on a device. The GPU implementation composes the WGSL
// kernels; tests drive the loop with small CPU engines. Keeping the loop apart from the engine
// keeps each readable: the loop is the paper's protocol, the engine is the arithmetic.

/** One micro-batch: `sequences` rows of `context` input ids and the next-token targets. */
export interface MicroBatch {
  inputs: Uint32Array;
  targets: Uint32Array;
  sequences: number;
}

export interface StepHyperparameters {
  /** 1-based optimizer step. */
  step: number;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  clipNorm: number;
  /** One decay per EWA copy of the weights the engine keeps (updated after every step). */
  ewaDecays: number[];
}

/** The few scalars a step reads back, in one batched readback. */
export interface StepScalars {
  /** Mean training loss over the whole batch (all micro-batches). */
  loss: number;
  /** Norm of the accumulated gradient before clipping. */
  gradNorm: number;
  /** Squared norm of the first micro-batch's gradient (scaled as a mean over that micro-batch). */
  microGradSq: number;
  /** Squared norm of the accumulated (batch-mean) gradient. */
  batchGradSq: number;
}

/** Everything needed to continue a run exactly: the engine's part of a checkpoint. */
export interface EngineState {
  params: Float32Array;
  adamM: Float32Array;
  adamV: Float32Array;
  /** One EWA copy per decay. */
  ewas: Float32Array[];
}

/**
 * Which weights an evaluation uses: the raw weights, or EWA copy `index` debiased for its decay
 * after `step` optimizer steps (factor 1 / (1 − decay^step)).
 */
export type EvalWeights = { kind: 'raw' } | { kind: 'ewa'; index: number; decay: number; step: number };

export interface TrainingEngine {
  /** One optimizer step over the micro-batches: forward, backward, accumulate, clip, AdamW, EWA. */
  step(microBatches: MicroBatch[], hp: StepHyperparameters): Promise<StepScalars>;
  /** Mean validation loss over `batches` with the given weights. */
  evaluate(batches: MicroBatch[], weights: EvalWeights): Promise<number>;
  saveState(): Promise<EngineState>;
  loadState(state: EngineState): Promise<void>;
  /** Raw weights in the model's flat layout. */
  exportWeights(): Promise<Float32Array>;
  destroy(): void;
}
