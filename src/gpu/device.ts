// Acquires a WebGPU adapter and device, on the page or inside a worker (or in Node with
// the `webgpu` package, which passes its own GPU object). No model knowledge lives here.
import { GpuError, NO_ADAPTER_MESSAGE, NO_WEBGPU_MESSAGE, deviceLostMessage } from './errors';
import { PipelineCache } from './pipelines';

/** The limits the lab's kernels depend on. We ask for the adapter's best value of each. */
export const LIMITS_WE_USE = [
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBuffersPerShaderStage',
] as const;
export type LimitName = (typeof LIMITS_WE_USE)[number];
export type GpuLimits = Record<LimitName, number>;

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
  limits: GpuLimits;
}

export interface GpuContext {
  device: GPUDevice;
  adapter: AdapterSummary;
  hasTimestamps: boolean;
  pipelines: PipelineCache;
  /** Resolves (never rejects) with a user-facing error when the device is lost. */
  lost: Promise<GpuError>;
}

export interface AcquireOptions {
  /** Defaults to navigator.gpu; Node passes the `webgpu` package's GPU object. */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
  /** Minimum limits the caller needs; acquiring fails with a reason when the adapter offers less. */
  minimumLimits?: Partial<GpuLimits>;
}

function findGpu(): GPU | undefined {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  return nav?.gpu ?? undefined;
}

export function summarizeAdapter(adapter: GPUAdapter): AdapterSummary {
  const info = adapter.info;
  const limits = {} as GpuLimits;
  for (const name of LIMITS_WE_USE) limits[name] = adapter.limits[name];
  return {
    vendor: info.vendor,
    architecture: info.architecture,
    device: info.device,
    description: info.description,
    isFallbackAdapter: Boolean((info as GPUAdapterInfo & { isFallbackAdapter?: boolean }).isFallbackAdapter),
    features: [...adapter.features].sort(),
    limits,
  };
}

export async function acquireGpu(options: AcquireOptions = {}): Promise<GpuContext> {
  const gpu = options.gpu ?? findGpu();
  if (!gpu) throw new GpuError('no-webgpu', NO_WEBGPU_MESSAGE);

  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new GpuError('no-adapter', NO_ADAPTER_MESSAGE);
  const summary = summarizeAdapter(adapter);

  for (const [name, needed] of Object.entries(options.minimumLimits ?? {}) as [LimitName, number][]) {
    if (summary.limits[name] < needed) {
      throw new GpuError(
        'limits-exceeded',
        `This adapter offers ${name} = ${summary.limits[name]}, but ${needed} is needed. Choose a smaller model or micro-batch.`,
      );
    }
  }

  const requiredLimits: Record<string, number> = {};
  for (const name of LIMITS_WE_USE) requiredLimits[name] = summary.limits[name];
  const hasTimestamps = adapter.features.has('timestamp-query');
  const requiredFeatures: GPUFeatureName[] = hasTimestamps ? ['timestamp-query'] : [];

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'cbs-lab' });
  } catch (error) {
    throw new GpuError(
      'device-request-failed',
      `The adapter refused to create a device: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const lost = device.lost.then((info) => new GpuError('device-lost', deviceLostMessage(info.reason, info.message)));
  return { device, adapter: summary, hasTimestamps, pipelines: new PipelineCache(device), lost };
}

/**
 * Whether kernels take their barrier-free variants (one thread per row, no workgroup memory) at
 * small shapes. On the CPU emulator, a fallback adapter, a workgroup barrier costs about a fixed
 * amount per thread launched, and those variants were 20–250× faster at the lab's test shapes.
 * On an H100 the same switch made nano and micro training 24–33% slower than the tiled and
 * segmented kernels (docs/benchmarks.md), so real GPUs keep those.
 */
export function prefersBarrierFreeKernels(adapter: AdapterSummary): boolean {
  return adapter.isFallbackAdapter;
}

/** One line a person can read: "google swiftshader (fallback), 1024 MiB max binding". */
export function describeAdapter(a: AdapterSummary): string {
  const name = [a.vendor, a.architecture, a.device, a.description].filter(Boolean).join(' ') || 'unknown adapter';
  const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
  return (
    `${name}${a.isFallbackAdapter ? ' (software fallback)' : ''}; ` +
    `max storage binding ${mib(a.limits.maxStorageBufferBindingSize)}, max buffer ${mib(a.limits.maxBufferSize)}, ` +
    `workgroup storage ${a.limits.maxComputeWorkgroupStorageSize / 1024} KiB, ` +
    `${a.limits.maxComputeInvocationsPerWorkgroup} invocations per workgroup`
  );
}
