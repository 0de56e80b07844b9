// "Why not TF.js?": the lab's engine and the TF.js peer (./tfjs-model.ts) train the same model
// from the same initial parameters on the same batches, on the same adapter, one after the
// other; each step is timed from upload to the loss read back. Used by the browser probe
// (e2e/checks/peer.check.ts) and the Node runner (./peer-node.ts). See docs/peer.md.
import type { GpuContext } from '../gpu';
import { prepareRunData } from '../train/setup';
import type { DatasetSpec } from '../data';
import { ByteTokenizer } from '../data';
import { initParameters } from '../model/init';
import type { RunSpec } from '../experiment/schema';
import type { ModelConfig } from '../model/config';
import type { MicroBatch, StepHyperparameters } from '../train/engine';
import { GpuTrainingEngine } from '../train/gpu-engine';
import { mulberry32 } from '../util/random';
import type { PeerResult, PeerSide } from './peer-format';
import { initTfjsTraining, steadyTokensPerSecond, TfjsModel } from './tfjs-model';

export type { PeerResult, PeerSide };
export { formatPeerTable } from './peer-format';

/** The optimizer settings of the comparison: constant lr (no warm-up), clipping at 1. */
export const PEER_HYPERPARAMETERS: StepHyperparameters = {
  step: 1,
  lr: 3e-3,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  weightDecay: 0,
  clipNorm: 1,
  ewaDecays: [0.99],
};

export interface PeerArgs {
  model: ModelConfig;
  /** Sequences per step (one micro-batch per step, on both sides). */
  microBatch: number;
  steps: number;
  initSeed?: number;
  hp?: Partial<StepHyperparameters>;
}

/**
 * A learnable synthetic stream when the bundled text is not at hand (e.g. the Node runner on a
 * GPU server): an order-1 Markov chain in which every token has 4 equally likely successors
 * (fixed per seed), so the loss can fall from ln V towards ln 4.
 */
export function syntheticBatches(model: ModelConfig, microBatch: number, count: number, seed = 1): MicroBatch[] {
  const rand = mulberry32(seed);
  const V = model.vocabSize;
  const T = model.context;
  const successors = Array.from({ length: V }, () => Array.from({ length: 4 }, () => Math.floor(rand() * V)));
  let token = Math.floor(rand() * V);
  return Array.from({ length: count }, () => {
    const n = microBatch * T;
    const stream = new Uint32Array(n + microBatch);
    const inputs = new Uint32Array(n);
    const targets = new Uint32Array(n);
    for (let s = 0; s < microBatch; s++) {
      for (let t = 0; t <= T; t++) {
        stream[s * (T + 1) + t] = token;
        token = successors[token][Math.floor(rand() * 4)];
      }
      inputs.set(stream.subarray(s * (T + 1), s * (T + 1) + T), s * T);
      targets.set(stream.subarray(s * (T + 1) + 1, s * (T + 1) + T + 1), s * T);
    }
    return { inputs, targets, sequences: microBatch };
  });
}

/**
 * `count` batches of the lab's data pipeline in its training order (byte tokenizer, data seed 2):
 * the same batches a run of this model would see first. The model's vocabulary must be 257.
 */
export async function textBatches(model: ModelConfig, microBatch: number, count: number, dataset: DatasetSpec): Promise<MicroBatch[]> {
  const spec: RunSpec = {
    id: 'peer',
    model,
    dataSize: count * microBatch * model.context,
    batchSize: microBatch,
    microBatch,
    peakLr: PEER_HYPERPARAMETERS.lr,
    beta1: PEER_HYPERPARAMETERS.beta1,
    beta2: PEER_HYPERPARAMETERS.beta2,
    eps: PEER_HYPERPARAMETERS.eps,
    weightDecay: 0,
    warmupSteps: 0,
    clipNorm: 1,
    ewaDecays: PEER_HYPERPARAMETERS.ewaDecays,
    maxSteps: count,
    targetLoss: null,
    stopAtTarget: false,
    evaluation: { spacing: 2, nearSpacing: 2, nearMargin: 0, validationTokens: model.context, probeTokens: 0 },
    role: 'sweep',
    replicate: 0,
    seeds: { init: 1, data: 2 },
    poolTokens: null,
  };
  const data = await prepareRunData(spec, dataset, new ByteTokenizer());
  return Array.from({ length: count }, () => data.source.next(microBatch));
}

/** Trains the lab's engine, then the TF.js model, on `batches` (one per step); see PeerResult. */
export async function comparePeer(gpu: GpuContext, args: PeerArgs, batches: MicroBatch[], data: string): Promise<PeerResult> {
  const { model, microBatch, steps } = args;
  const initSeed = args.initSeed ?? 1;
  const hp = { ...PEER_HYPERPARAMETERS, ...args.hp };
  if (batches.length < steps) throw new Error(`comparePeer: ${steps} steps need ${steps} batches, got ${batches.length}`);
  for (const b of batches) {
    if (b.sequences !== microBatch || b.inputs.length !== microBatch * model.context) {
      throw new Error(`comparePeer: every batch must hold ${microBatch} sequences of ${model.context} tokens`);
    }
  }
  const tokensPerStep = microBatch * model.context;

  const engine = await GpuTrainingEngine.create(gpu, { model, microBatch, initSeed, ewaCount: 1 });
  const lab: PeerSide = { losses: [], gradNorms: [], stepSeconds: [], tokensPerSecond: 0 };
  try {
    for (let s = 0; s < steps; s++) {
      const started = performance.now();
      const r = await engine.step([batches[s]], { ...hp, step: s + 1 });
      lab.stepSeconds.push((performance.now() - started) / 1000);
      lab.losses.push(r.loss);
      lab.gradNorms.push(r.gradNorm);
    }
  } finally {
    engine.destroy();
  }
  lab.tokensPerSecond = steadyTokensPerSecond(lab.stepSeconds, tokensPerStep);

  const tf = await initTfjsTraining();
  const peer = TfjsModel.create(tf, model, initParameters(model, initSeed));
  let tfjs: PeerSide;
  try {
    tfjs = await peer.trainSteps(batches.slice(0, steps), hp, steps);
  } finally {
    peer.dispose();
  }

  const diffs = lab.losses.map((l, i) => Math.abs(l - tfjs.losses[i]));
  return {
    model,
    microBatch,
    steps,
    tokensPerStep,
    data,
    lab,
    tfjs,
    ratio: lab.tokensPerSecond / tfjs.tokensPerSecond,
    firstLossDiff: diffs[0],
    maxLossDiff: Math.max(...diffs),
  };
}
