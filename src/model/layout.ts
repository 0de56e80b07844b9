// The flat parameter layout: every tensor is a slice of ONE flat f32 buffer, at an offset that is
// a multiple of 64 floats (256 bytes, WebGPU's minStorageBufferOffsetAlignment), so that a kernel
// can bind it as a buffer slice. Gradients, AdamW moments and EWA weights use the same layout.
// Names follow a PyTorch-style model (see docs/model.md), so an export loads with load_state_dict.
import { MLP_RATIO, validateModelConfig, type ModelConfig } from './config';

/** Floats per alignment unit: 64 floats = 256 bytes. */
export const PARAM_ALIGN_FLOATS = 64;

/** What a tensor is, so that init and the reference treat it without parsing names. */
export type ParamKind = 'embedding' | 'norm' | 'matrix' | 'residual-out' | 'output';

export interface ParamTensor {
  name: string;
  /** PyTorch order: linear weights are (out, in). */
  shape: number[];
  /** In floats, a multiple of PARAM_ALIGN_FLOATS. */
  offset: number;
  /** Product of shape. */
  size: number;
  kind: ParamKind;
  /** Layer index, or -1 for the embeddings and the final norm. */
  layer: number;
}

export interface LayerTensors {
  attnNorm: ParamTensor;
  wq: ParamTensor;
  wk: ParamTensor;
  wv: ParamTensor;
  qNorm: ParamTensor;
  kNorm: ParamTensor;
  wo: ParamTensor;
  mlpNorm: ParamTensor;
  w1: ParamTensor;
  w2: ParamTensor;
}

export interface ParameterLayout {
  config: ModelConfig;
  /** In buffer order. */
  tensors: ParamTensor[];
  byName: Map<string, ParamTensor>;
  tokEmbeddings: ParamTensor;
  layers: LayerTensors[];
  norm: ParamTensor;
  output: ParamTensor;
  /** Floats in the flat buffer, including alignment padding (a multiple of 64). */
  totalFloats: number;
  totalBytes: number;
  /** Real parameters (no padding). */
  parameterCount: number;
}

function alignUp(n: number, a: number): number {
  return Math.ceil(n / a) * a;
}

/** The layout for a config (validated first). Order: embeddings, layers 0…L−1, final norm, output. */
export function buildLayout(cfg: ModelConfig): ParameterLayout {
  validateModelConfig(cfg);
  const { layers: L, dModel: C, vocabSize: V } = cfg;
  const F = MLP_RATIO * C;
  const tensors: ParamTensor[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], kind: ParamKind, layer: number): ParamTensor => {
    const size = shape.reduce((a, b) => a * b, 1);
    const t: ParamTensor = { name, shape, offset, size, kind, layer };
    tensors.push(t);
    offset = alignUp(offset + size, PARAM_ALIGN_FLOATS);
    return t;
  };
  const tokEmbeddings = add('tok_embeddings.weight', [V, C], 'embedding', -1);
  const layers: LayerTensors[] = [];
  for (let l = 0; l < L; l++) {
    const p = `layers.${l}.`;
    layers.push({
      attnNorm: add(`${p}attn_norm.weight`, [C], 'norm', l),
      wq: add(`${p}attn.wq.weight`, [C, C], 'matrix', l),
      wk: add(`${p}attn.wk.weight`, [C, C], 'matrix', l),
      wv: add(`${p}attn.wv.weight`, [C, C], 'matrix', l),
      qNorm: add(`${p}attn.q_norm.weight`, [C], 'norm', l),
      kNorm: add(`${p}attn.k_norm.weight`, [C], 'norm', l),
      wo: add(`${p}attn.wo.weight`, [C, C], 'residual-out', l),
      mlpNorm: add(`${p}mlp_norm.weight`, [C], 'norm', l),
      w1: add(`${p}mlp.w1.weight`, [F, C], 'matrix', l),
      w2: add(`${p}mlp.w2.weight`, [C, F], 'residual-out', l),
    });
  }
  const norm = add('norm.weight', [C], 'norm', -1);
  const output = add('output.weight', [V, C], 'output', -1);
  return {
    config: { ...cfg },
    tensors,
    byName: new Map(tensors.map((t) => [t.name, t])),
    tokEmbeddings,
    layers,
    norm,
    output,
    totalFloats: offset,
    totalBytes: offset * 4,
    parameterCount: tensors.reduce((a, t) => a + t.size, 0),
  };
}

/** The tensor's slice of a flat buffer (a view, not a copy). */
export function tensorView<A extends Float32Array | Float64Array>(flat: A, t: ParamTensor): A {
  return flat.subarray(t.offset, t.offset + t.size) as A;
}

/** The tensor's byte range in the flat f32 GPU buffer, for binding it as a slice. */
export function tensorByteRange(t: ParamTensor): { offset: number; size: number } {
  return { offset: t.offset * 4, size: t.size * 4 };
}
