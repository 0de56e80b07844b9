// The ladder of model presets that benchmarks and experiments refer to by name.
import { flopsPerToken, parameterCounts, validateModelConfig, type ModelConfig } from './config';

export interface ModelPreset {
  name: string;
  layers: number;
  dModel: number;
  heads: number;
  context: number;
  description: string;
}

export const MODEL_PRESETS: readonly ModelPreset[] = [
  { name: 'tiny-test', layers: 1, dModel: 16, heads: 2, context: 8, description: 'For unit and browser tests only: one layer, runs in milliseconds on the software adapter.' },
  { name: 'nano', layers: 2, dModel: 64, heads: 4, context: 64, description: 'About 0.1M non-embedding parameters: trains in minutes even on the software adapter.' },
  { name: 'micro', layers: 4, dModel: 128, heads: 4, context: 128, description: 'About 0.8M non-embedding parameters: quick CBS sweeps on a laptop GPU.' },
  { name: 'mini', layers: 6, dModel: 256, heads: 8, context: 256, description: 'About 4.7M non-embedding parameters: a sweep takes an evening on a laptop GPU.' },
  { name: 'small', layers: 8, dModel: 512, heads: 8, context: 512, description: 'About 25M non-embedding parameters at the paper\'s context length: for a desktop GPU.' },
];

export const PRESET_NAMES: readonly string[] = MODEL_PRESETS.map((p) => p.name);

export function findPreset(name: string): ModelPreset | undefined {
  return MODEL_PRESETS.find((p) => p.name === name);
}

/** The ModelConfig of a preset, for a vocabulary size (0 keeps "from the tokenizer"). */
export function presetConfig(name: string, vocabSize: number): ModelConfig {
  const preset = findPreset(name);
  if (!preset) throw new Error(`Unknown model preset "${name}"; known: ${PRESET_NAMES.join(', ')}.`);
  const { layers, dModel, heads, context } = preset;
  return { name, layers, dModel, heads, context, vocabSize };
}

export interface PresetSummary {
  name: string;
  description: string;
  config: ModelConfig;
  nonEmbeddingParams: number;
  embeddingParams: number;
  totalParams: number;
  /** Training FLOPs (forward + backward) per token; see flopsPerToken. */
  flopsPerToken: number;
}

/** Every preset with its parameter count and FLOPs per token for a given vocabulary size. */
export function describePresets(vocabSize: number): PresetSummary[] {
  return MODEL_PRESETS.map((p) => {
    const config = presetConfig(p.name, vocabSize);
    validateModelConfig(config);
    const counts = parameterCounts(config);
    return {
      name: p.name,
      description: p.description,
      config,
      nonEmbeddingParams: counts.nonEmbedding,
      embeddingParams: counts.embedding,
      totalParams: counts.total,
      flopsPerToken: flopsPerToken(config).total,
    };
  });
}
