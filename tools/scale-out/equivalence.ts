// The equivalence bundle's pieces (../equivalence-bundle.ts writes them): the run that the Python
// tests of the PyTorch package (src/scale-out/test_*.py) train on both sides, the lab's float64
// reference record of it, and protocol vectors: the lab's random streams, init seeds, sampler
// orders, schedules and rules, evaluated by the lab's code, for train.py's re-implementations to
// match value for value.
import { TokenStream, epochPermutation, validationBatch } from '../../src/data/pack';
import type { DatasetSpec, TextTokenizer } from '../../src/data';
import { runId } from '../../src/experiment/plan';
import type { EvaluationConfig, RunRecord, RunSpec } from '../../src/experiment/schema';
import type { ModelConfig } from '../../src/model/config';
import { tensorSeed } from '../../src/model/init';
import { buildLayout } from '../../src/model/layout';
import { learningRate } from '../../src/optim/schedule';
import { divergenceReason, divergenceWindow } from '../../src/train/divergence';
import { evaluationPlan, needsFullAnchor, shouldEvaluate, type EvalContext, type EvalPlan } from '../../src/train/eval-schedule';
import { bestDecayIndex, trainRun } from '../../src/train/run';
import { targetFromReferences } from '../../src/experiment/results';
import { prepareRunData } from '../../src/train/setup';
import { mulberry32, normalSampler } from '../../src/util/random';
import { ReferenceEngine } from './reference-engine';

const STEPS = 20;

/**
 * The equivalence run: a 2-layer d 16 model, B = 8 in four micro-batches of 2, warmup over 5 steps,
 * weight decay, clipping that acts on some steps and not others, three EWA decays, an evaluation
 * at every step (every decay and the raw weights far from the target, the best decay near it), and a
 * target reached midway (null while it is being found).
 */
export function equivalenceSpec(vocabSize: number, targetLoss: number | null): RunSpec {
  const model: ModelConfig = { name: 'equivalence', layers: 2, dModel: 16, heads: 2, context: 8, vocabSize };
  const evaluation: EvaluationConfig = { spacing: 1, nearSpacing: 1, nearMargin: 0.02, validationTokens: 64, probeTokens: 0 };
  const spec: Omit<RunSpec, 'id'> = {
    role: 'sweep',
    model,
    dataSize: STEPS * 8 * model.context,
    batchSize: 8,
    microBatch: 2,
    peakLr: 3e-3,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    weightDecay: 0.1,
    warmupSteps: 5,
    // The gradient norm is 0.9 to 1.5 over these steps: clipping acts on some steps and not on others.
    clipNorm: 1.1,
    ewaDecays: [0.8, 0.9, 0.95],
    maxSteps: STEPS,
    targetLoss,
    stopAtTarget: false,
    evaluation,
    replicate: 0,
    seeds: { init: 7, data: 3 },
    // A pool larger than the run reads: the sampler permutes the pool and the run reads a prefix.
    poolTokens: 4096,
  };
  return { id: runId(spec), ...spec };
}

/** The lab's own loop (trainRun) on the float64 ReferenceEngine, on the lab's own data path (prepareRunData). */
export async function referenceRecord(spec: RunSpec, dataset: DatasetSpec, tokenizer: TextTokenizer, params: Float32Array): Promise<RunRecord> {
  const data = await prepareRunData(spec, dataset, tokenizer);
  const engine = new ReferenceEngine(buildLayout(spec.model), params, spec.ewaDecays.length);
  const record = await trainRun(spec, { engine, data: data.source, validation: data.validation, adapter: 'float64 reference (CPU)' });
  if (record.status === 'failed') throw new Error(`the reference run failed: ${record.failure?.reason}`);
  return record;
}

/** The spec with its target halfway between the EWA losses of steps 11 and 12 of the untargeted run. */
export function targetedSpec(untargeted: RunRecord): RunSpec {
  const at = (step: number) => untargeted.evals.find((e) => e.step === step)!.ewaLoss;
  return equivalenceSpec(untargeted.spec.model.vocabSize, (at(11) + at(12)) / 2);
}

// ---------------------------------------------------------------------------------------------
// Protocol vectors: the lab's functions on chosen inputs.
// ---------------------------------------------------------------------------------------------

/** A run's evaluations under a made-up EWA loss curve 3 + 2/√step: the steps and the decays each tries. */
interface ScheduleCase {
  evaluation: EvaluationConfig;
  maxSteps: number;
  targetLoss: number | null;
  decays: number;
  /** Each evaluation's plan, and whether a probe reading of the made-up curve calls for the full-set anchor. */
  evaluations: { step: number; plan: EvalPlan; anchor: boolean }[];
}

export interface ProtocolVectors {
  mulberry32: { seed: number; values: number[] }[];
  /** The lab's normal sampler, including streams where a uniform draw is exactly 0 and is drawn again. */
  normal: { seed: number; values: number[] }[];
  tensorSeed: { seed: number; name: string; value: number }[];
  epochPermutation: { count: number; dataSeed: number; epoch: number; order: number[] }[];
  /** A TokenStream's first draws over two epochs: the sequence indices in order. */
  tokenStream: { corpusTokens: number; context: number; dataSeed: number; indices: number[] };
  /** validationBatch over the tokens 0, 1, 2, …: the first token of each sequence it takes. */
  validationBatch: { tokens: number; context: number; maxSequences: number; starts: number[] }[];
  learningRate: { peakLr: number; warmup: number; rates: number[] }[];
  schedule: ScheduleCase[];
  bestDecayIndex: { ewaLosses: (number | string | null)[]; index: number }[];
  /** A non-finite loss is written as the string JavaScript prints for it (JSON has no NaN or Infinity). */
  divergence: { step: number; losses: (number | string)[]; initialLoss: number; warmupSteps: number; reason: string | null }[];
  divergenceWindow: { tokensPerStep: number; window: number }[];
  /** Reference records (only what the target reads) and the target the lab sets from them; null: none. */
  targetFromReferences: { records: { spec: { replicate: number; maxSteps: number }; status: string; evals: { step: number; ewaLoss: number | string }[] }[]; target: number | null }[];
}

/** JSON has no NaN or Infinity: such a number travels as the string JavaScript prints for it. */
const jsonNumber = (x: number): number | string => (Number.isFinite(x) ? x : String(x));

function schedule(evaluation: EvaluationConfig, maxSteps: number, targetLoss: number | null, decays: number): ScheduleCase {
  const evaluations: ScheduleCase['evaluations'] = [];
  let last: EvalContext['last'] = null;
  for (let step = 1; step <= maxSteps; step++) {
    const ctx: EvalContext = { maxSteps, targetLoss, last };
    if (!shouldEvaluate(step, evaluation, ctx)) continue;
    const loss = 3 + 2 / Math.sqrt(step);
    evaluations.push({ step, plan: evaluationPlan(evaluation, ctx, step), anchor: needsFullAnchor(evaluation, ctx, step, loss) });
    last = { step, ewaLoss: loss };
  }
  return { evaluation, maxSteps, targetLoss, decays, evaluations };
}

export function protocolVectors(): ProtocolVectors {
  const seeds = [0, 1, 42, 0xdeadbeef, 0xffffffff];
  const stream = new TokenStream(new Uint16Array(8 * 13 + 3), { context: 8, dataSeed: 11 });
  const divergence = [
    { step: 3, losses: [5, NaN], initialLoss: 5, warmupSteps: 10 },
    { step: 3, losses: [Infinity], initialLoss: 5, warmupSteps: 10 },
    { step: 9, losses: [7], initialLoss: 5, warmupSteps: 10 },
    // 6.0625 is exactly halfway between 6.062 and 6.063: JavaScript's toFixed rounds it up.
    { step: 11, losses: [6.0625], initialLoss: 5.0004, warmupSteps: 10 },
    { step: 11, losses: [5.9], initialLoss: 5, warmupSteps: 10 },
    // One outlying batch in a window does not stop a run; a window whose mean is over does.
    { step: 40, losses: [4.1, 7.2, 4.0, 3.9], initialLoss: 5.5, warmupSteps: 10 },
    { step: 40, losses: [6.6, 7.2, 6.8, 6.9], initialLoss: 5.5, warmupSteps: 10 },
  ];
  const arange = (n: number) => Uint16Array.from({ length: n }, (_, i) => i);
  return {
    mulberry32: seeds.map((seed) => {
      const next = mulberry32(seed);
      return { seed, values: Array.from({ length: 6 }, () => next()) };
    }),
    // mulberry32 returns exactly 0 for the state 0 only, reached at draw k from seed −k·0x6D2B79F5:
    // the first draw, and the fifth (the u of the third pair).
    normal: [7, -0x6d2b79f5 >>> 0, Math.imul(-5, 0x6d2b79f5) >>> 0].map((seed) => {
      const next = normalSampler(mulberry32(seed));
      return { seed, values: Array.from({ length: 9 }, () => next()) };
    }),
    tensorSeed: seeds.flatMap((seed) =>
      ['tok_embeddings.weight', 'layers.0.attn.wq.weight', 'layers.11.mlp.w2.weight', 'output.weight'].map((name) => ({ seed, name, value: tensorSeed(seed, name) })),
    ),
    epochPermutation: [
      { count: 1, dataSeed: 1, epoch: 0 },
      { count: 2, dataSeed: 1, epoch: 0 },
      { count: 37, dataSeed: 5, epoch: 0 },
      { count: 37, dataSeed: 5, epoch: 1 },
      { count: 1000, dataSeed: 0xffffffff, epoch: 3 },
    ].map((p) => ({ ...p, order: Array.from(epochPermutation(p.count, p.dataSeed, p.epoch)) })),
    tokenStream: { corpusTokens: 8 * 13 + 3, context: 8, dataSeed: 11, indices: stream.peekSequenceIndices(30) },
    validationBatch: [
      { tokens: 1000, context: 8, maxSequences: 7 },
      { tokens: 1000, context: 8, maxSequences: 500 },
      { tokens: 40, context: 8, maxSequences: 3 },
    ].map((v) => {
      const batch = validationBatch(arange(v.tokens), v.context, v.maxSequences);
      return { ...v, starts: Array.from({ length: batch.sequences }, (_, s) => batch.inputs[s * v.context]) };
    }),
    learningRate: [
      { peakLr: 0.01, warmup: 5 },
      { peakLr: 3e-4, warmup: 0 },
      { peakLr: 1e-3, warmup: 1 },
    ].map((p) => ({ ...p, rates: Array.from({ length: 12 }, (_, i) => learningRate(i + 1, p.peakLr, p.warmup)) })),
    schedule: [
      schedule({ spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 64, probeTokens: 0 }, 300, 3.15, 3),
      schedule({ spacing: 2, nearSpacing: 1, nearMargin: 0.02, validationTokens: 64, probeTokens: 0 }, 200, null, 2),
      schedule({ spacing: 1.5, nearSpacing: 1.1, nearMargin: 0.5, validationTokens: 64, probeTokens: 0 }, 137, 3.1, 4),
    ],
    bestDecayIndex: [[3.2, 3.1, 3.3], [null, 3.5, 3.4], [NaN, 3.0, 2.9], [3.0, 3.0], []].map((losses) => ({
      ewaLosses: losses.map((l) => (l === null ? null : jsonNumber(l))),
      index: bestDecayIndex({ step: 1, tokens: 0, validationTokens: 0, ewaLoss: 0, ewaLosses: losses, rawLoss: null }),
    })),
    divergence: divergence.map((d) => ({ ...d, losses: d.losses.map(jsonNumber), reason: divergenceReason(d.step, d.losses, d.initialLoss, d.warmupSteps) })),
    divergenceWindow: [1, 16, 17, 256, 1024, 4096].map((tokensPerStep) => ({ tokensPerStep, window: divergenceWindow(tokensPerStep) })),
    targetFromReferences: targetCases(),
  };
}

/**
 * Reference runs as the demo plans them (three learning rates per seed replicate) and their
 * failures: the target is each replicate's best final loss, averaged over the replicates.
 */
function targetCases(): ProtocolVectors['targetFromReferences'] {
  const ref = (replicate: number, loss: number, opts: { status?: RunRecord['status']; lastStep?: number } = {}) => ({ replicate, loss, status: opts.status ?? 'finished', lastStep: opts.lastStep ?? 100 });
  const cases = [
    // One replicate, a learning-rate grid: the best, not the mean of the three (2.3320, not 2.3476).
    [ref(0, 2.332), ref(0, 2.3335), ref(0, 2.3774)],
    // Two replicates: each one's best, then their mean.
    [ref(0, 2.1), ref(0, 2.0), ref(1, 2.4), ref(1, 2.2)],
    // A diverged run, one that stopped short of its budget and a NaN loss set nothing.
    [ref(0, 1.5, { status: 'diverged' }), ref(0, 1.6, { lastStep: 60 }), ref(0, NaN), ref(0, 2.5)],
    // None finished: no target.
    [ref(0, 2.0, { status: 'failed' })],
  ];
  return cases.map((refs) => {
    const records = refs.map((r, i) => {
      const spec = { ...equivalenceSpec(256, null), id: `ref-${i}`, role: 'reference' as const, replicate: r.replicate, maxSteps: 100 };
      return { spec, status: r.status, evals: [{ step: r.lastStep, tokens: 0, validationTokens: 0, ewaLoss: r.loss, ewaLosses: [r.loss], rawLoss: null }], stepsDone: r.lastStep } as unknown as RunRecord;
    });
    return {
      records: records.map((r) => ({ spec: { replicate: r.spec.replicate, maxSteps: r.spec.maxSteps }, status: r.status, evals: r.evals.map((e) => ({ step: e.step, ewaLoss: jsonNumber(e.ewaLoss) })) })),
      target: targetFromReferences(records)?.loss ?? null,
    };
  });
}
