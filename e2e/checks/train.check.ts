// Probes of the training engine on the page's device: exact accumulation, bit-for-bit
// reproducibility, and learning on the bundled text. The spec (e2e/train.spec.ts) asserts.
import type { GpuContext } from '../../src/gpu';
import { ByteTokenizer, bundledDataset } from '../../src/data';
import type { RunSpec } from '../../src/experiment/schema';
import { compareArrays } from '../../src/kernels/compare';
import type { MicroBatch, StepHyperparameters } from '../../src/train/engine';
import { GpuTrainingEngine } from '../../src/train/gpu-engine';
import { trainRun } from '../../src/train/run';
import { createEngine, prepareRunData } from '../../src/train/setup';
import { randomInts } from '../../src/util/random';
import type { Check, Probe } from './types';

const TINY = { name: 'tiny', layers: 2, dModel: 32, heads: 2, context: 32, vocabSize: 257 };

function hp(step: number): StepHyperparameters {
  return { step, lr: 3e-3, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.01, clipNorm: 1, ewaDecays: [0.9] };
}

function randomBatch(sequences: number, seed: number): MicroBatch {
  const n = sequences * TINY.context;
  return { inputs: randomInts(n, TINY.vocabSize, seed), targets: randomInts(n, TINY.vocabSize, seed + 1), sequences };
}

function split(batch: MicroBatch, parts: number): MicroBatch[] {
  const per = batch.sequences / parts;
  const len = per * TINY.context;
  return Array.from({ length: parts }, (_, i) => ({
    inputs: batch.inputs.slice(i * len, (i + 1) * len),
    targets: batch.targets.slice(i * len, (i + 1) * len),
    sequences: per,
  }));
}

export const checks: Record<string, Check> = {
  /** One batch of 4 sequences as 1×4 or as 4×1 micro-batches: the same update. */
  async 'accumulation over micro-batches equals one big batch'(gpu: GpuContext) {
    const whole = await GpuTrainingEngine.create(gpu, { model: TINY, microBatch: 4, initSeed: 5, ewaCount: 1 });
    const parts = await GpuTrainingEngine.create(gpu, { model: TINY, microBatch: 1, initSeed: 5, ewaCount: 1 });
    const out = [];
    for (let step = 1; step <= 2; step++) {
      const batch = randomBatch(4, 100 * step);
      const a = await whole.step([batch], hp(step));
      const b = await parts.step(split(batch, 4), hp(step));
      out.push({
        label: `step ${step}: loss and gradient norm`,
        comparison: compareArrays([b.loss, b.gradNorm, b.batchGradSq], [a.loss, a.gradNorm, a.batchGradSq], { atol: 1e-5, rtol: 1e-4 }),
      });
      out.push({
        label: `step ${step}: parameters after AdamW`,
        // AdamW's first steps move each weight by about lr·sign(g): tiny gradient differences from
        // the summation order change the update by far less than 1e-5.
        comparison: compareArrays(await parts.exportWeights(), await whole.exportWeights(), { atol: 2e-5, rtol: 1e-4 }),
      });
    }
    whole.destroy();
    parts.destroy();
    return out;
  },
};

function runSpec(overrides: Partial<RunSpec>): RunSpec {
  return {
    id: 'probe',
    model: TINY,
    dataSize: 200_000,
    batchSize: 8,
    microBatch: 8,
    peakLr: 3e-3,
    beta1: 0.9,
    beta2: 0.99,
    eps: 1e-8,
    weightDecay: 0,
    warmupSteps: 10,
    clipNorm: 1,
    ewaDecays: [0.95],
    maxSteps: 200,
    targetLoss: null,
    stopAtTarget: false,
    evaluation: { spacing: 2, nearSpacing: 2, nearMargin: 0, validationTokens: 2048, probeTokens: 0 },
    role: 'sweep',
    replicate: 0,
    seeds: { init: 1, data: 2 },
    poolTokens: null,
    ...overrides,
  };
}

/**
 * Cross-entropy (nats) of `evaluated` under the unigram distribution of `counted`. With both the
 * validation tokens this is their unigram entropy: the best any model without context can do.
 */
function unigramEntropy(counted: Uint32Array, evaluated: Uint32Array, vocab: number): number {
  const counts = new Float64Array(vocab).fill(0.5); // add-half smoothing: no log(0)
  for (const t of counted) counts[t]++;
  const total = counts.reduce((s, c) => s + c, 0);
  let nats = 0;
  for (const t of evaluated) nats -= Math.log(counts[t] / total);
  return nats / evaluated.length;
}

export const probes: Record<string, Probe> = {
  /** Trains the tiny model on the bundled text; returns the curve and the unigram entropy. */
  async learns(gpu, args) {
    const { steps } = args as { steps: number };
    const spec = runSpec({ maxSteps: steps });
    const data = await prepareRunData(spec, bundledDataset(), new ByteTokenizer());
    const engine = await createEngine(gpu, spec);
    const validationTokens = data.validation.batches[0].targets;
    const entropy = unigramEntropy(validationTokens, validationTokens, TINY.vocabSize);
    const started = performance.now();
    const record = await trainRun(spec, { engine, data: data.source, validation: data.validation, adapter: 'test' });
    engine.destroy();
    return {
      unigramEntropy: entropy,
      status: record.status,
      firstTrainLoss: record.steps[0]?.trainLoss,
      evals: record.evals,
      seconds: (performance.now() - started) / 1000,
    };
  },
  /** The same config and seeds twice: the loss curves, to compare bit for bit. */
  async reproducible(gpu) {
    const spec = runSpec({
      maxSteps: 6,
      batchSize: 4,
      microBatch: 2,
      evaluation: { spacing: 2, nearSpacing: 2, nearMargin: 0, validationTokens: 128, probeTokens: 0 },
    });
    const curves: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const data = await prepareRunData(spec, bundledDataset(), new ByteTokenizer());
      const engine = await createEngine(gpu, spec);
      const record = await trainRun(spec, { engine, data: data.source, validation: data.validation, adapter: 'test' });
      engine.destroy();
      curves.push([...record.steps.map((s) => s.trainLoss), ...record.evals.map((e) => e.ewaLoss)]);
    }
    return curves;
  },
};
