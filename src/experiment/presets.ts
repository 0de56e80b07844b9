// The default experiment config and the experiment presets, each with a one-line explanation.
// Model shapes come from src/model/presets.ts (one ladder for the whole lab). Pure TypeScript.
import { CONFIG_VERSION, type ExperimentConfig } from './schema';
import type { ModelConfig } from '../model/config';
import { presetConfig } from '../model/presets';
import { parameterCounts } from '../model/config';

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

/** The demo's model: one layer, d 32: a run takes seconds, even on the software adapter. */
export const DEMO_MODEL: ModelConfig = { name: 'demo', layers: 1, dModel: 32, heads: 2, context: 32, vocabSize: 0 };

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
    name: 'Demo: CBS of a one-layer model',
    preset: 'demo',
    models: [{ ...DEMO_MODEL }],
    data: { kind: 'bundled' },
    tokenizer: { kind: 'byte' },
    dataSizes: [20_000],
    pairing: 'grid',
    batchSizes: [4, 8, 16, 32],
    learningRates: { values: [1e-2], sqrtScaling: false, baseBatch: 4 },
    optimizer: { beta1: 0.95, beta2: { kind: 'horizon', fraction: 0.25 }, eps: 1e-8, weightDecay: 0, warmupRatio: 0.25, clipNorm: 1 },
    ewa: { horizons: [0.1, 0.2, 0.4] },
    target: { kind: 'reference', batchSize: 4, learningRate: null },
    cap: { kind: 'multiple-of-data', factor: 4 },
    stopAtTarget: true,
    censorFactor: 3,
    evaluation: { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 4096 },
    analysis: { overhead: 0.2, baselineBatch: null, interpolate: false },
    seeds: [{ init: 1, data: 1 }],
    workers: 1,
  };
}

/**
 * Local CBS of the demo model on the same data and budget as the demo sweep: a base run at its
 * smallest batch (B = 4) and learning rate, checkpoints after warmup, mid-way and at the end, and
 * branches at 4 to 16 sequences in steps of about √2 (the demo's CBS lies in that range). Δ = 6144
 * tokens gives the largest branch 12 steps, more than Adam's second-moment memory at its batch
 * (β2 by the horizon rule, about 10 steps), and every branch is evaluated after 4608 and 6144 tokens.
 */
export function localCbsDemoConfig(): ExperimentConfig {
  return {
    ...defaultConfig(),
    name: 'Local CBS of the demo model',
    preset: 'local-cbs-demo',
    kind: 'local-cbs',
    localCbs: {
      baseBatch: 4,
      learningRate: 1e-2,
      checkpoints: [6400, 12_800, 19_968],
      multipliers: [1, 1.5, 2, 3, 4],
      branchTokens: 6144,
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

const SWEEP_EVALUATION = { spacing: 1.25, nearSpacing: 1.05, nearMargin: 0.05, validationTokens: 65_536 };

export const EXPERIMENT_PRESETS: readonly ExperimentPreset[] = [
  {
    id: 'demo',
    label: 'Demo (one minute)',
    explanation:
      'A one-layer model on 20k bundled tokens at batch sizes 4–32: seconds to a minute on a GPU, about five minutes on the CPU emulator.',
    config: defaultConfig,
  },
  {
    id: 'cbs-vs-model',
    label: 'CBS vs model size',
    explanation: 'nano, micro and mini trained on the same 1M tokens: the paper finds CBS barely moves with model size.',
    config: () =>
      withDefaults({
        name: 'CBS vs model size at fixed data',
        preset: 'cbs-vs-model',
        models: [model('nano'), model('micro'), model('mini')],
        tokenizer: { kind: 'bpe', vocabSize: 4096 },
        dataSizes: [1_000_000],
        batchSizes: [8, 16, 32, 64, 128, 256],
        learningRates: { values: [1e-3, 3e-3, 1e-2], sqrtScaling: true, baseBatch: 8 },
        target: { kind: 'reference', batchSize: 16, learningRate: null },
        evaluation: SWEEP_EVALUATION,
      }),
  },
  {
    id: 'cbs-vs-data',
    label: 'CBS vs data size',
    explanation: 'micro trained on D, 2D, 4D and 8D tokens (D = 500k): the paper finds CBS grows with data size.',
    config: () =>
      withDefaults({
        name: 'CBS vs data size at fixed model',
        preset: 'cbs-vs-data',
        models: [model('micro')],
        tokenizer: { kind: 'bpe', vocabSize: 4096 },
        dataSizes: [500_000, 1_000_000, 2_000_000, 4_000_000],
        batchSizes: [8, 16, 32, 64, 128, 256, 512],
        learningRates: { values: [1e-3, 3e-3, 1e-2], sqrtScaling: true, baseBatch: 8 },
        target: { kind: 'reference', batchSize: 16, learningRate: null },
        evaluation: SWEEP_EVALUATION,
      }),
  },
  {
    id: 'chinchilla',
    label: 'Chinchilla-style scaling',
    explanation:
      'nano, micro and mini each trained on 20 tokens per non-embedding parameter (model and data grow together), on C4.',
    config: () => {
      const models = [model('nano'), model('micro'), model('mini')];
      return withDefaults({
        name: 'Chinchilla-style scaling (D = 20 N)',
        preset: 'chinchilla',
        models,
        data: { kind: 'urls', train: [...C4_FIRST_SHARDS.train], validation: [...C4_FIRST_SHARDS.validation] },
        tokenizer: { kind: 'bpe', vocabSize: 8192 },
        dataSizes: models.map((m) => chinchillaTokens(m)),
        pairing: 'paired',
        batchSizes: [8, 16, 32, 64, 128, 256, 512, 1024],
        learningRates: { values: [1e-3, 3e-3, 1e-2], sqrtScaling: true, baseBatch: 8 },
        target: { kind: 'reference', batchSize: 16, learningRate: null },
        evaluation: SWEEP_EVALUATION,
      });
    },
  },
  {
    id: 'local-cbs-demo',
    label: 'Local CBS (branching)',
    explanation:
      'One demo-model run and short branches at 1–4× its batch from three checkpoints: how CBS moves during a run (Merrill et al. 2025), then batch-size warmup against the constant batch.',
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
