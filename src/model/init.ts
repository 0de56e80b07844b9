// Seeded, deterministic initialization of the flat parameter buffer (scheme: docs/model.md).
// GPT-2 / OLMo "normal" init: every matrix and both embeddings N(0, 0.02²); the two projections
// that write into the residual stream (attn.wo, mlp.w2) N(0, (0.02/√(2L))²); LayerNorm scales 1.
// Each tensor draws from its own generator, seeded from (seed, tensor name), so a tensor's values
// depend only on the seed and its name, never on the order or number of other tensors.
import { mulberry32, normalSampler } from '../util/random';
import type { ModelConfig } from './config';
import { buildLayout, type ParamTensor, type ParameterLayout } from './layout';

export const INIT_STD = 0.02;

/** The standard deviation a tensor is drawn with (0 for LayerNorm scales, which are set to 1). */
export function initStd(t: ParamTensor, layers: number): number {
  switch (t.kind) {
    case 'norm':
      return 0;
    case 'residual-out':
      return INIT_STD / Math.sqrt(2 * layers);
    default:
      return INIT_STD;
  }
}

/** A 32-bit seed for one tensor: FNV-1a over the name, mixed with the run's seed. */
export function tensorSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  // A final avalanche (murmur3 fmix32), so that nearby seeds give unrelated streams.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/** Fills `out` (the flat layout) with the initial parameters; padding is zero. */
export function initParametersInto(layout: ParameterLayout, seed: number, out: Float32Array | Float64Array): void {
  if (out.length !== layout.totalFloats) {
    throw new Error(`initParametersInto: buffer has ${out.length} floats, layout needs ${layout.totalFloats}.`);
  }
  out.fill(0);
  for (const t of layout.tensors) {
    const std = initStd(t, layout.config.layers);
    if (t.kind === 'norm') {
      out.fill(1, t.offset, t.offset + t.size);
      continue;
    }
    const next = normalSampler(mulberry32(tensorSeed(seed, t.name)));
    for (let i = 0; i < t.size; i++) out[t.offset + i] = std * next();
  }
}

/** The initial parameters of a config, as one flat Float32Array in the layout of buildLayout(cfg). */
export function initParameters(cfg: ModelConfig, seed: number, layout: ParameterLayout = buildLayout(cfg)): Float32Array {
  const out = new Float32Array(layout.totalFloats);
  initParametersInto(layout, seed, out);
  return out;
}
