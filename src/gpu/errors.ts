// User-facing GPU errors. Each kind carries a message that tells a person what to do,
// because "requestAdapter returned null" means nothing to a student.

export type GpuErrorKind =
  | 'no-webgpu'
  | 'no-adapter'
  | 'device-request-failed'
  | 'device-lost'
  | 'limits-exceeded'
  | 'shader-compile';

export class GpuError extends Error {
  readonly kind: GpuErrorKind;
  constructor(kind: GpuErrorKind, message: string) {
    super(message);
    this.name = 'GpuError';
    this.kind = kind;
  }
}

export const NO_WEBGPU_MESSAGE =
  'This browser has no WebGPU (navigator.gpu is missing). Use Chrome or Edge 113 or newer on Windows, macOS or ChromeOS. ' +
  'On Linux, start Chrome or Chromium with the flag --enable-unsafe-webgpu (or enable chrome://flags/#enable-unsafe-webgpu). ' +
  'Firefox 141+ on Windows and Safari 26+ also ship WebGPU.';

export const NO_ADAPTER_MESSAGE =
  'WebGPU is present but the browser offered no adapter. Your GPU may be blocklisted or disabled (see chrome://gpu). ' +
  'Software adapters such as SwiftShader are refused unless Chrome or Chromium is started with --enable-unsafe-webgpu.';

export function deviceLostMessage(reason: string, detail: string): string {
  const why = reason === 'destroyed' ? 'it was released by the lab' : detail || 'the driver reset or the GPU was removed';
  return `The WebGPU device was lost (${why}). Work since the last checkpoint is gone; reload the page to get a new device.`;
}

/** Turns anything thrown into a message fit for the page. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
