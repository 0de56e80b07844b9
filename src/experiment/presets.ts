// The default experiment config and the experiment presets, each with a one-line explanation.
// Model shapes come from src/model/presets.ts (one ladder for the whole lab). Pure TypeScript.
import { CONFIG_VERSION, type ExperimentConfig, type ExperimentKind } from './schema';
import type { ModelConfig } from '../model/config';
import { presetConfig } from '../model/presets';
import { parameterCounts } from '../model/config';
import { warmupSteps } from '../optim/schedule';
import { commonBranchTokens, learningRatesFor } from './plan';

/** C4 on the Hugging Face hub: the one remote source the UI fetches without asking first. */
export const C4_HUB_PREFIX = 'https://huggingface.co/datasets/allenai/c4/';
export const C4_FIRST_SHARDS = {
  train: [`${C4_HUB_PREFIX}resolve/main/en/c4-train.00000-of-01024.json.gz`],
  validation: [`${C4_HUB_PREFIX}resolve/main/en/c4-validation.00000-of-00008.json.gz`],
};

/**
 * Rough size of the bundled training text in tokens (about 10 MB of English, so about 10M byte
 * tokens and fewer BPE tokens). Used only to warn that a preset will repeat data.
 */
export const BUNDLED_TRAIN_TOKENS_ESTIMATE = 10_000_000;

/**
 * The demo's model: one layer, d 32, 16-token sequences of bytes. A step takes tens of
 * milliseconds even on the CPU emulator. Its context is 16 rather than 32 because CBS is set in
 * tokens: halving the context doubles B* in sequences, lifting it clear of the 1.2·B_base floor
 * that the smallest batch size puts under every B* (docs/science.md).
 */
export const DEMO_MODEL: ModelConfig = { name: 'demo', layers: 1, dModel: 32, heads: 2, context: 16, vocabSize: 0 };

/** A model preset by name, vocabulary from the tokenizer. */
export function model(name: string): ModelConfig {
  return presetConfig(name, 0);
}

/** Non-embedding parameters, the paper's N (vocabulary does not enter). */
export function nonEmbeddingParams(m: ModelConfig): number {
  return parameterCounts({ ...m, vocabSize: 0 }).nonEmbedding;
}

export function defaultConfig(): ExperimentConfig {
  return {
    version: CONFIG_VERSION,
    name: 'Demo: CBS grows with data (one-layer model, 40k and 160k tokens)',
    preset: 'demo',
    models: [{ ...DEMO_MODEL }],
    data: { kind: 'bundled' },
    tokenizer: { kind: 'byte' },
    dataSizes: [40_000, 160_000],
    pairing: 'grid',
    batchSizes: [1, 2, 4, 8, 16, 32, 64],
    // One learning rate per batch size, from the rule lr ∝ B^0.3 measured on a full grid
    // (docs/science.md); the reference runs carry a grid around it and the best one sets the target.
    learningRates: { values: [0.004], exponent: 0.3, baseBatch: 8 },
    optimizer: { beta1: 0.95, beta2: { kind: 'fixed', value: 0.99 }, eps: 1e-8, weightDecay: 0, warmupRatio: 0.25, clipNorm: 1 },
    ewa: { horizons: [0.05, 0.1, 0.2] },
    target: { kind: 'reference', batchSize: 8, learningRates: [0.002, 0.004, 0.008] },
    cap: { kind: 'multiple-of-data', factor: 4 },
    stopAtTarget: true,
    censorFactor: 4,
    evaluation: { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 4096, probeTokens: 512 },
    analysis: { overhead: 0.2, baselineBatch: null, interpolate: true },
    measureNoiseScale: false,
    seeds: [{ init: 1, data: 1 }],
    workers: 1,
  };
}

/**
 * The demo with a grid of learning rates at every batch size: the demo's rule × ½, 1 and 2 (the
 * reference runs' grid, carried to each B by the rule's exponent). It checks, in the lab, that the
 * demo's one learning rate per batch size does not make its B*: every cell's best run counts, at
 * about three times the demo's training tokens (a cell's runs go centre first and stop at the
 * winner's steps, so each loser costs about the winner's tokens).
 */
export function demoLrGridConfig(): ExperimentConfig {
  const demo = defaultConfig();
  const [centre] = demo.learningRates.values;
  return {
    ...demo,
    name: 'Demo with a learning-rate grid at every batch size (40k and 160k tokens)',
    preset: 'demo-lr-grid',
    learningRates: { ...demo.learningRates, values: [centre / 2, centre, centre * 2] },
  };
}

/**
 * The demo at seeds 1, 2 and 3 in one experiment: seed replicates, so B*'s interval resamples the
 * seeds' runs at each batch size and carries seed-to-seed variation, which one seed's cannot.
 */
export function demoSeedsConfig(): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'Demo at three seeds (seed replicates, 40k and 160k tokens)',
    preset: 'demo-seeds',
    seeds: [1, 2, 3].map((seed) => ({ init: seed, data: seed })),
  };
}

/**
 * Local CBS of the demo model on the demo's data at D = 20k tokens: a base run
 * at B = 4 with the demo's learning rate there, checkpoints after warmup (78 steps, 4992 tokens),
 * mid-way and at the end, and branches at 4 to 32 sequences. β2 follows the horizon rule (a memory
 * of a quarter of D's steps at each batch) rather than the demo's fixed 0.99: a branch trains a few
 * dozen steps, and with a 100-step memory Adam's second moment would still be the base run's when
 * it ends. Δ = 6144 tokens gives the largest branch (32 sequences) 12 steps, more than its β2
 * memory (about 10 steps), and every branch is evaluated after 4608 and 6144 tokens.
 */
export function localCbsDemoConfig(): ExperimentConfig {
  const demo = defaultConfig();
  const baseBatch = 4;
  return {
    ...demo,
    name: 'Local CBS of the demo model (20k tokens, branches at 4–32 sequences)',
    preset: 'local-cbs-demo',
    kind: 'local-cbs',
    dataSizes: [20_000],
    optimizer: { ...demo.optimizer, beta2: { kind: 'horizon', fraction: 0.25 } },
    // The base run's noise scale is drawn beside the local CBS.
    measureNoiseScale: true,
    localCbs: {
      baseBatch,
      learningRate: learningRatesFor(demo, baseBatch)[0],
      checkpoints: [6400, 12_800, 19_968],
      multipliers: [1, 2, 3, 4, 6, 8],
      branchTokens: 6144,
      tolerance: 0.01,
      smoothing: 0.5,
      loss: 'validation',
      finalEvaluations: 2,
      compareSchedule: true,
    },
  };
}

/**
 * A config turned into a local-CBS experiment (the builder's switch of kind): its first model and
 * data size, a base run at its smallest batch size and the learning rate its grid gives there,
 * checkpoints just after warmup, mid-way and at D, branches at 1, 2, 4 and 8 times the batch for
 * about a quarter of D each, and the noise scale measured (it is drawn beside the local CBS). Back
 * to a sweep, the local-CBS settings go.
 */
export function withKind(config: ExperimentConfig, kind: ExperimentKind): ExperimentConfig {
  const { kind: _kind, localCbs: _local, ...sweep } = config;
  if (kind === 'sweep') return sweep;
  const model = config.models[0];
  const D = config.dataSizes[0];
  const B = Math.min(...config.batchSizes);
  const perStep = B * model.context;
  const afterWarmup = (warmupSteps(config.optimizer.warmupRatio, D, B, model.context) + 1) * perStep;
  const last = Math.max(perStep, Math.floor(D / perStep) * perStep);
  const middle = Math.round((afterWarmup + last) / 2 / perStep) * perStep;
  const checkpoints = [...new Set([afterWarmup, middle, last])].filter((t) => t <= last).sort((a, b) => a - b);
  const multipliers = [1, 2, 4, 8];
  const step = commonBranchTokens({ multipliers, baseBatch: B }, model.context);
  return {
    ...sweep,
    kind: 'local-cbs',
    models: [model],
    dataSizes: [D],
    measureNoiseScale: true,
    localCbs: {
      baseBatch: B,
      learningRate: learningRatesFor(config, B)[0],
      checkpoints: checkpoints.length > 0 ? checkpoints : [last],
      multipliers,
      branchTokens: step * Math.max(2, Math.round(D / 4 / step)),
      tolerance: 0.01,
      smoothing: 0.5,
      loss: 'validation',
      finalEvaluations: 2,
      compareSchedule: true,
    },
  };
}

export interface ExperimentPreset {
  id: string;
  label: string;
  /** One line: what the preset shows and what it costs. */
  explanation: string;
  config: () => ExperimentConfig;
}

function withDefaults(patch: Partial<ExperimentConfig>): ExperimentConfig {
  return { ...defaultConfig(), ...patch };
}

// The GPU presets evaluate 65k validation tokens near the target and track progress on 4k.
const SWEEP_EVALUATION = { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 65_536, probeTokens: 4096 };

/** The demo's protocol at a larger scale, for GPUs: a grid of three learning rates at every batch size. */
function gpuPreset(patch: Partial<ExperimentConfig>): ExperimentConfig {
  return withDefaults({
    tokenizer: { kind: 'bpe', vocabSize: 4096 },
    learningRates: { values: [1e-3, 3e-3, 1e-2], exponent: 0.5, baseBatch: 8 },
    target: { kind: 'reference', batchSize: 16, learningRates: null },
    evaluation: SWEEP_EVALUATION,
    measureNoiseScale: true,
    ...patch,
  });
}

export const EXPERIMENT_PRESETS: readonly ExperimentPreset[] = [
  {
    id: 'demo',
    label: 'Demo: CBS grows with data',
    explanation:
      'A one-layer model at two data budgets 4× apart (40k and 160k tokens), batch sizes 1–64: B* grew 1.5–2.2× at each of five seeds, with disjoint intervals. Measured on the CPU emulator in headless Chromium (2 cores): 12 min with the machine to itself, more when it is shared; not yet measured on a GPU. Figures in docs/science.md.',
    config: defaultConfig,
  },
  {
    id: 'demo-seeds',
    label: 'Demo at three seeds',
    explanation:
      "The demo at seeds 1, 2 and 3 in one experiment, so B*'s interval includes seed-to-seed variation: B* grew 1.9× from 40k to 160k tokens (3.63 to 6.95 sequences) with disjoint intervals. Measured on the CPU emulator in headless Chromium (2 cores): 34 min; not yet measured on a GPU. Figures in docs/science.md.",
    config: demoSeedsConfig,
  },
  {
    id: 'cbs-vs-model',
    label: 'CBS vs model size',
    explanation:
      "The demo's one-layer model and two-, four- and eight-layer ones (up to 8× the parameters) on the same 40k tokens: at three seeds B* moved 0.98–1.39× from one layer to eight, against 1.5–2.2× for 4× the data in the demo; each model's B* lay within 26% of the four models' mean, and with the seeds pooled B* ∝ N^0.08 (the paper: N^0.087 at fixed data). Measured on the CPU emulator in headless Chromium (2 cores): 23.5 min; not yet measured on a GPU. Figures in docs/science.md.",
    config: () =>
      withDefaults({
        name: 'CBS vs model size at fixed data (1, 2, 4 and 8 layers, 40k tokens)',
        preset: 'cbs-vs-model',
        models: [
          { ...DEMO_MODEL },
          { ...DEMO_MODEL, name: 'demo-2l', layers: 2 },
          { ...DEMO_MODEL, name: 'demo-4l', layers: 4 },
          { ...DEMO_MODEL, name: 'demo-8l', layers: 8 },
        ],
        dataSizes: [40_000],
      }),
  },
  {
    id: 'cbs-vs-data',
    label: 'CBS vs data size (GPU)',
    explanation:
      'micro on 0.5M, 1M, 2M and 4M tokens with a learning-rate grid at every batch size: sized for a GPU, not yet measured on one (docs/science.md); hours on the CPU emulator.',
    config: () =>
      gpuPreset({
        name: 'CBS vs data size at fixed model (micro, GPU)',
        preset: 'cbs-vs-data',
        models: [model('micro')],
        dataSizes: [500_000, 1_000_000, 2_000_000, 4_000_000],
        batchSizes: [8, 16, 32, 64, 128, 256, 512],
      }),
  },
  {
    id: 'chinchilla',
    label: 'Chinchilla-style scaling (GPU)',
    explanation:
      'nano, micro and mini each on 20 tokens per non-embedding parameter, on C4: sized for a GPU, not yet measured on one (docs/science.md); hours on the CPU emulator.',
    config: () => {
      const models = [model('nano'), model('micro'), model('mini')];
      return gpuPreset({
        name: 'Chinchilla-style scaling (D = 20 N, GPU)',
        preset: 'chinchilla',
        models,
        data: { kind: 'urls', train: [...C4_FIRST_SHARDS.train], validation: [...C4_FIRST_SHARDS.validation] },
        tokenizer: { kind: 'bpe', vocabSize: 8192 },
        dataSizes: models.map((m) => chinchillaTokens(m)),
        pairing: 'paired',
        batchSizes: [8, 16, 32, 64, 128, 256, 512, 1024],
      });
    },
  },
  {
    id: 'demo-lr-grid',
    label: 'Demo with a learning-rate grid',
    explanation:
      'The demo with three learning rates (½, 1 and 2 × its rule) at every batch size, as the paper tunes them: at three seeds B* grew 1.7–1.9× and moved −11% … +16% from the demo’s, at 3.6× its training tokens. Measured on the CPU emulator in headless Chromium (2 cores): 25 min with the machine to itself; not yet measured on a GPU. Figures in docs/science.md.',
    config: demoLrGridConfig,
  },
  {
    id: 'local-cbs-demo',
    label: 'Local CBS (branching)',
    explanation:
      'One demo-model run on 20k tokens and short branches at 1–8× its batch from three checkpoints: how CBS grows during a run (Merrill et al. 2025), then batch-size warmup against the constant batch.',
    config: localCbsDemoConfig,
  },
];

/** D = tokensPerParam · N (non-embedding), rounded to a thousand tokens. */
export function chinchillaTokens(m: ModelConfig, tokensPerParam = 20): number {
  return Math.round((tokensPerParam * nonEmbeddingParams(m)) / 1000) * 1000;
}

export function findExperimentPreset(id: string): ExperimentPreset | undefined {
  return EXPERIMENT_PRESETS.find((p) => p.id === id);
}

/** The presets' ids, comma-separated, for command lines' usage and errors. */
export function presetIdList(): string {
  return EXPERIMENT_PRESETS.map((p) => p.id).join(', ');
}
