// A WebGPU device in Node, through the `webgpu` package (Dawn). It runs the same WGSL as the
// browser, on Vulkan: a real GPU on a server, or SwiftShader's ICD on a machine without one
// (VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json). Used by benchmarks and CLIs only.
import { acquireGpu, GpuError, type GpuContext } from './';

export async function acquireNodeGpu(dawnToggles: string[] = []): Promise<GpuContext> {
  // Loaded here, not at the top: a command that may never need Dawn (the headless runner in the
  // browser) must not fail to start where its native binary is missing.
  let dawn: typeof import('webgpu');
  try {
    dawn = await import('webgpu');
  } catch (e) {
    throw new GpuError('no-webgpu', `Dawn (the \`webgpu\` package) could not be loaded: ${e instanceof Error ? e.message : String(e)}`);
  }
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create(dawnToggles.length ? [`enable-dawn-features=${dawnToggles.join(',')}`] : []);
  // TF.js's WebGPU backend looks for navigator.gpu; give it the same instance.
  const nav = (globalThis as { navigator?: object }).navigator ?? {};
  Object.defineProperty(globalThis, 'navigator', { value: Object.assign(nav, { gpu }), configurable: true });
  return acquireGpu({ gpu });
}
