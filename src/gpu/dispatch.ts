// A Dispatch is one kernel launch with its buffers already bound. Kernels build them once
// (at model setup); a training step only encodes them, so nothing is allocated per step.
import type { GpuContext } from './device';

export interface Dispatch {
  label: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: readonly [number, number, number];
}

/**
 * A whole buffer, or a slice of one: parameters live in one flat buffer and each tensor is a
 * slice at an offset aligned to 256 bytes (minStorageBufferOffsetAlignment).
 */
export type GpuTensor = GPUBuffer | GPUBufferBinding;

function isWholeBuffer(t: GpuTensor): t is GPUBuffer {
  return !('buffer' in t);
}

/** Bytes a tensor spans: the whole buffer, or the slice (to the buffer's end when it has no size). */
export function tensorBytes(t: GpuTensor): number {
  return isWholeBuffer(t) ? t.size : (t.size ?? t.buffer.size - (t.offset ?? 0));
}

/** Binds `resources` to @group(0) @binding(i), in order. */
export function bindAll(ctx: GpuContext, pipeline: GPUComputePipeline, resources: GpuTensor[], label: string): GPUBindGroup {
  return bindAt(ctx, pipeline, resources.map((t, binding) => [binding, t] as const), label);
}

/**
 * Binds tensors at explicit @binding numbers. A shader file with several entry points uses a
 * different subset of its bindings in each, and a pipeline built with layout 'auto' accepts
 * only the bindings its entry point uses.
 */
export function bindAt(
  ctx: GpuContext,
  pipeline: GPUComputePipeline,
  entries: ReadonlyArray<readonly [number, GpuTensor]>,
  label: string,
): GPUBindGroup {
  return ctx.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: entries.map(([binding, t]) => ({ binding, resource: isWholeBuffer(t) ? { buffer: t } : t })),
  });
}

/** Records dispatches into one compute pass. WebGPU orders storage writes between dispatches. */
export function encodeDispatches(
  pass: GPUComputePassEncoder,
  dispatches: readonly Dispatch[],
): void {
  for (const d of dispatches) {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(d.workgroups[0], d.workgroups[1], d.workgroups[2]);
  }
}

/** Encodes, submits and waits for completion. */
export async function runDispatches(ctx: GpuContext, dispatches: readonly Dispatch[], label = 'run'): Promise<void> {
  const encoder = ctx.device.createCommandEncoder({ label });
  const pass = encoder.beginComputePass({ label });
  encodeDispatches(pass, dispatches);
  pass.end();
  ctx.device.queue.submit([encoder.finish()]);
  await ctx.device.queue.onSubmittedWorkDone();
}

/**
 * Workgroup counts for `count` independent items at `perGroup` items per workgroup. Past the
 * 65535-per-dimension limit the grid folds into y; shaders rebuild the flat index with
 * `wid.x + wid.y * nwg.x`.
 */
export function flatGrid(count: number, perGroup: number, maxPerDim = 65535): [number, number, number] {
  const groups = Math.max(1, Math.ceil(count / perGroup));
  if (groups <= maxPerDim) return [groups, 1, 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y, 1];
}
