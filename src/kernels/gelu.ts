// Wrapper for shaders/gelu.wgsl: exact-erf GELU and its backward, over flat arrays.
import geluCode from '../../shaders/gelu.wgsl?raw';
import { UniformLayout, flatGrid, type Dispatch, type GpuContext, type GpuTensor, bindAt } from '../gpu';

export const GELU_SHADER = { name: 'gelu', code: geluCode };
const WG = 256;

const layout = new UniformLayout([
  { name: 'count', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
  { name: 'pad2', type: 'u32' },
]);

function uniformsFor(gpu: GpuContext, count: number, label: string): GPUBuffer {
  if (!Number.isInteger(count) || count < 1) throw new Error(`${label}: count must be a positive integer, got ${count}`);
  return layout.create(gpu, { count, pad0: 0, pad1: 0, pad2: 0 }, label);
}

export interface GeluForwardArgs {
  x: GpuTensor;
  /** Must not alias x (the backward needs x). */
  y: GpuTensor;
  count: number;
  label?: string;
}

/** y = x·Φ(x). */
export async function prepareGeluForward(gpu: GpuContext, args: GeluForwardArgs): Promise<Dispatch> {
  const label = args.label ?? `gelu forward ${args.count}`;
  const pipeline = await gpu.pipelines.get(GELU_SHADER, 'forward');
  const uniforms = uniformsFor(gpu, args.count, label);
  return {
    label,
    pipeline,
    bindGroup: bindAt(gpu, pipeline, [[0, uniforms], [1, args.x], [2, args.y]], label),
    workgroups: flatGrid(args.count, WG),
  };
}

export interface GeluBackwardArgs {
  /** The forward's input. */
  x: GpuTensor;
  dy: GpuTensor;
  /** May be dy itself (dy is then overwritten by dx); must not otherwise overlap dy. */
  dx: GpuTensor;
  count: number;
  label?: string;
}

/** dx = dy·(Φ(x) + x·φ(x)). */
export async function prepareGeluBackward(gpu: GpuContext, args: GeluBackwardArgs): Promise<Dispatch> {
  const inPlace = args.dx === args.dy;
  const label = args.label ?? `gelu backward${inPlace ? ' in place' : ''} ${args.count}`;
  const pipeline = await gpu.pipelines.get(GELU_SHADER, inPlace ? 'backward_in_place' : 'backward');
  const uniforms = uniformsFor(gpu, args.count, label);
  const entries: [number, GpuTensor][] = inPlace
    ? [[0, uniforms], [1, args.x], [4, args.dx]]
    : [[0, uniforms], [1, args.x], [3, args.dy], [4, args.dx]];
  return { label, pipeline, bindGroup: bindAt(gpu, pipeline, entries, label), workgroups: flatGrid(args.count, WG) };
}
