// Wrapper for shaders/elementwise.wgsl: residual add, in-place add, scale, copy and fill over
// flat f32 arrays of any length (the grid folds past 65535·256 elements).
//
// Zeroing gradient buffers between steps: prefer clearTensor (encoder.clearBuffer) when the
// clear sits between passes, e.g. at the start of a step's command encoder: it needs no
// pipeline, no bind group and no uniform, and the driver does it as a fill. prepareFill exists
// for a clear that must sit inside a compute pass among other dispatches (clearBuffer cannot
// be recorded inside a pass), or for a non-zero value.
import elementwiseCode from '../../shaders/elementwise.wgsl?raw';
import { UniformLayout, flatGrid, type Dispatch, type GpuContext, type GpuTensor, bindAt } from '../gpu';

export const ELEMENTWISE_SHADER = { name: 'elementwise', code: elementwiseCode };
const WG = 256;

const layout = new UniformLayout([
  { name: 'count', type: 'u32' },
  { name: 'scale', type: 'f32' },
  { name: 'value', type: 'f32' },
  { name: 'pad', type: 'u32' },
]);

type Op = 'add' | 'add_in_place' | 'scale' | 'copy' | 'fill';

async function prepareOp(
  gpu: GpuContext,
  op: Op,
  count: number,
  tensors: [number, GpuTensor][],
  label: string,
  scalars: { scale?: number; value?: number } = {},
): Promise<Dispatch & { uniforms: GPUBuffer }> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`${label}: count must be a positive integer, got ${count}`);
  const pipeline = await gpu.pipelines.get(ELEMENTWISE_SHADER, op);
  const uniforms = layout.create(gpu, { count, scale: scalars.scale ?? 1, value: scalars.value ?? 0, pad: 0 }, label);
  return {
    label,
    pipeline,
    bindGroup: bindAt(gpu, pipeline, [[0, uniforms], ...tensors], label),
    workgroups: flatGrid(count, WG),
    uniforms,
  };
}

function strip(d: Dispatch & { uniforms: GPUBuffer }): Dispatch {
  return { label: d.label, pipeline: d.pipeline, bindGroup: d.bindGroup, workgroups: d.workgroups };
}

/** out = a + b. out must not alias a or b (use prepareAddInPlace for that). */
export async function prepareAdd(
  gpu: GpuContext,
  args: { a: GpuTensor; b: GpuTensor; out: GpuTensor; count: number; label?: string },
): Promise<Dispatch> {
  const label = args.label ?? `add ${args.count}`;
  return strip(await prepareOp(gpu, 'add', args.count, [[1, args.a], [2, args.b], [3, args.out]], label));
}

/** x += y (the residual add). y must not overlap x. */
export async function prepareAddInPlace(
  gpu: GpuContext,
  args: { x: GpuTensor; y: GpuTensor; count: number; label?: string },
): Promise<Dispatch> {
  const label = args.label ?? `add in place ${args.count}`;
  return strip(await prepareOp(gpu, 'add_in_place', args.count, [[2, args.y], [3, args.x]], label));
}

export interface ScaleDispatch extends Dispatch {
  /** Sets the factor for the next submissions (written to the uniform with queue.writeBuffer). */
  update(scale: number): void;
}

/** x *= scale (scale carried as f32). */
export async function prepareScale(
  gpu: GpuContext,
  args: { x: GpuTensor; count: number; scale: number; label?: string },
): Promise<ScaleDispatch> {
  const label = args.label ?? `scale ${args.count}`;
  const d = await prepareOp(gpu, 'scale', args.count, [[3, args.x]], label, { scale: args.scale });
  const count = args.count;
  return {
    ...strip(d),
    update(scale: number) {
      layout.write(gpu, d.uniforms, { count, scale, value: 0, pad: 0 });
    },
  };
}

/** dst = src. Outside a compute pass, encoder.copyBufferToBuffer does the same without a pipeline. */
export async function prepareCopy(
  gpu: GpuContext,
  args: { src: GpuTensor; dst: GpuTensor; count: number; label?: string },
): Promise<Dispatch> {
  const label = args.label ?? `copy ${args.count}`;
  return strip(await prepareOp(gpu, 'copy', args.count, [[1, args.src], [3, args.dst]], label));
}

/** x = value (default 0) as a dispatch, for use inside a compute pass; see clearTensor. */
export async function prepareFill(
  gpu: GpuContext,
  args: { x: GpuTensor; count: number; value?: number; label?: string },
): Promise<Dispatch> {
  const label = args.label ?? `fill ${args.count}`;
  return strip(await prepareOp(gpu, 'fill', args.count, [[3, args.x]], label, { value: args.value ?? 0 }));
}

/**
 * Zeroes `count` floats of a tensor (all of it when count is omitted) with encoder.clearBuffer.
 * Record it outside any pass. Offsets and sizes are multiples of 4 bytes, as clearBuffer needs.
 */
export function clearTensor(encoder: GPUCommandEncoder, tensor: GpuTensor, count?: number): void {
  if (!('buffer' in tensor)) {
    encoder.clearBuffer(tensor, 0, count === undefined ? undefined : count * 4);
    return;
  }
  const offset = tensor.offset ?? 0;
  const size = count !== undefined ? count * 4 : (tensor.size ?? tensor.buffer.size - offset);
  encoder.clearBuffer(tensor.buffer, offset, size);
}
