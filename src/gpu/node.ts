// A WebGPU device in Node, through the `webgpu` package (Dawn). It runs the same WGSL as the
// browser, on Vulkan: a real GPU on a server, or SwiftShader's ICD on a machine without one
// (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json). Used by benchmarks and CLIs only.
import { create, globals } from 'webgpu';
import { acquireGpu, type GpuContext } from './';

export async function acquireNodeGpu(dawnToggles: string[] = []): Promise<GpuContext> {
  Object.assign(globalThis, globals);
  const gpu = create(dawnToggles.length ? [`enable-dawn-features=${dawnToggles.join(',')}`] : []);
  // TF.js's WebGPU backend looks for navigator.gpu; give it the same instance.
  const nav = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(nav, { gpu }), configurable: true });
  return acquireGpu({ gpu });
}
