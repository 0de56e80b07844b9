// Binds tensors at explicit @binding numbers. bindAll (src/gpu/dispatch.ts) binds 0, 1, 2, … in
// order; a shader file with several entry points uses a different subset of its bindings in
// each, and a pipeline built with layout 'auto' only accepts the bindings its entry point uses.
import type { GpuContext, GpuTensor } from '../gpu';

export function bindAt(
  gpu: GpuContext,
  pipeline: GPUComputePipeline,
  entries: ReadonlyArray<readonly [number, GpuTensor]>,
  label: string,
): GPUBindGroup {
  return gpu.device.createBindGroup({
    label,
    layout: pipeline.getBindGroupLayout(0),
    entries: entries.map(([binding, t]) => ({ binding, resource: 'buffer' in t ? t : { buffer: t } })),
  });
}
