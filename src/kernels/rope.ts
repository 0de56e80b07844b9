// Wrapper for shaders/rope.wgsl: rotary position embeddings (GPT-NeoX rotate-half) on q or k.
// Out of place when y is a different tensor; in place when y is omitted or is x itself.
// inverse = true is the backward (rotation by −θ of the gradient), also in or out of place.
import ropeCode from '../../shaders/rope.wgsl?raw';
import { UniformLayout, flatGrid, uploadF32, type Dispatch, type GpuContext, type GpuTensor, bindAt } from '../gpu';
import { ROPE_BASE, assertRopeShape, ropeTable, type RopeShape } from './rope.plan';

export const ROPE_SHADER = { name: 'rope', code: ropeCode };
const WG = 256;

const layout = new UniformLayout([
  { name: 'rows', type: 'u32' },
  { name: 'seqLen', type: 'u32' },
  { name: 'heads', type: 'u32' },
  { name: 'headDim', type: 'u32' },
]);

// cos/sin tables are shared by every RoPE dispatch with the same (T, hd, base) on a device
// (q and k, forward and backward, every layer): T·hd floats, built once.
const tables = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();

function cosSinTable(gpu: GpuContext, seqLen: number, headDim: number, base: number): GPUBuffer {
  let perDevice = tables.get(gpu.device);
  if (!perDevice) {
    perDevice = new Map();
    tables.set(gpu.device, perDevice);
  }
  const key = `${seqLen}|${headDim}|${base}`;
  let table = perDevice.get(key);
  if (!table) {
    table = uploadF32(gpu, Float32Array.from(ropeTable(seqLen, headDim, base)), `rope cos/sin T=${seqLen} hd=${headDim}`);
    perDevice.set(key, table);
  }
  return table;
}

export interface RopeArgs extends RopeShape {
  /** (rows, heads·headDim), row r at position r mod seqLen. */
  x: GpuTensor;
  /** Output; omit (or pass x) to rotate in place. Must not otherwise overlap x. */
  y?: GpuTensor;
  /** Rotate by −θ: the backward, applied to the gradient. */
  inverse?: boolean;
  label?: string;
}

export async function prepareRope(gpu: GpuContext, args: RopeArgs): Promise<Dispatch> {
  assertRopeShape(args);
  const inPlace = args.y === undefined || args.y === args.x;
  const label = args.label ?? `rope${args.inverse ? ' inverse' : ''}${inPlace ? ' in place' : ''} ${args.rows}x${args.heads}x${args.headDim}`;
  const pipeline = await gpu.pipelines.get(ROPE_SHADER, inPlace ? 'in_place' : 'main', { INVERSE: Boolean(args.inverse) });
  const table = cosSinTable(gpu, args.seqLen, args.headDim, args.base ?? ROPE_BASE);
  const uniforms = layout.create(gpu, { rows: args.rows, seqLen: args.seqLen, heads: args.heads, headDim: args.headDim }, label);
  const entries: [number, GpuTensor][] = inPlace
    ? [[0, uniforms], [1, table], [3, args.x]]
    : [[0, uniforms], [1, table], [2, args.x], [3, args.y as GpuTensor]];
  const pairs = args.rows * args.heads * (args.headDim / 2);
  return { label, pipeline, bindGroup: bindAt(gpu, pipeline, entries, label), workgroups: flatGrid(pairs, WG) };
}
