// Buffer creation, upload, readback and uniform packing.
import { GpuError } from './errors';
import type { GpuContext } from './device';

/** Storage buffers can also be copied from and to. (A function: GPUBufferUsage may only exist once Node installs Dawn's globals.) */
export function storageUsage(): number {
  return GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
}

/** Fails with a clear reason before the driver does, naming what did not fit. */
export function assertFitsBinding(ctx: GpuContext, bytes: number, label: string): void {
  const limit = Math.min(ctx.adapter.limits.maxStorageBufferBindingSize, ctx.adapter.limits.maxBufferSize);
  if (bytes > limit) {
    throw new GpuError(
      'limits-exceeded',
      `${label} needs ${(bytes / 2 ** 20).toFixed(1)} MiB in one buffer, but this adapter binds at most ${(limit / 2 ** 20).toFixed(0)} MiB.`,
    );
  }
}

/** A storage buffer of `count` floats (at least 4 bytes, since zero-size bindings are invalid). */
export function createStorage(ctx: GpuContext, count: number, label: string): GPUBuffer {
  const bytes = Math.max(4, count * 4);
  assertFitsBinding(ctx, bytes, label);
  return ctx.device.createBuffer({ size: alignTo(bytes, 4), usage: storageUsage(), label });
}

/** Writes floats (or u32s) into an existing buffer, queue-ordered. */
export function writeArray(ctx: GpuContext, buffer: GPUBuffer, data: Float32Array | Uint32Array, offsetBytes = 0): void {
  ctx.device.queue.writeBuffer(buffer, offsetBytes, data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
}

export function uploadF32(ctx: GpuContext, data: Float32Array, label: string): GPUBuffer {
  const buffer = createStorage(ctx, data.length, label);
  ctx.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

export function uploadU32(ctx: GpuContext, data: Uint32Array, label: string): GPUBuffer {
  const buffer = createStorage(ctx, data.length, label);
  ctx.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

export interface ReadRequest {
  buffer: GPUBuffer;
  /** Bytes to read from the start of `buffer` (plus offset). */
  bytes: number;
  offset?: number;
}

/** Copies several buffers into one staging buffer and maps it once: one round trip. */
export async function readBuffers(ctx: GpuContext, requests: ReadRequest[]): Promise<ArrayBuffer[]> {
  const offsets: number[] = [];
  let total = 0;
  for (const r of requests) {
    offsets.push(total);
    total += alignTo(r.bytes, 4);
  }
  const staging = ctx.device.createBuffer({
    size: Math.max(4, total),
    usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    label: 'readback staging',
  });
  const encoder = ctx.device.createCommandEncoder({ label: 'readback' });
  requests.forEach((r, i) => encoder.copyBufferToBuffer(r.buffer, r.offset ?? 0, staging, offsets[i], alignTo(r.bytes, 4)));
  ctx.device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const mapped = staging.getMappedRange();
  const out = requests.map((r, i) => mapped.slice(offsets[i], offsets[i] + r.bytes));
  staging.unmap();
  staging.destroy();
  return out;
}

export async function readF32(ctx: GpuContext, buffer: GPUBuffer, count: number, offsetFloats = 0): Promise<Float32Array> {
  const [data] = await readBuffers(ctx, [{ buffer, bytes: count * 4, offset: offsetFloats * 4 }]);
  return new Float32Array(data);
}

export function alignTo(value: number, alignment: number): number {
  return Math.ceil(value / alignment) * alignment;
}

export type UniformField = { name: string; type: 'u32' | 'i32' | 'f32' };

/**
 * Packs scalar uniforms in declaration order (4 bytes each), padded to 16 bytes, matching a
 * WGSL struct of u32/i32/f32 members. Kernels list their fields once and both sides agree.
 */
export class UniformLayout {
  readonly fields: readonly UniformField[];
  readonly byteSize: number;
  constructor(fields: UniformField[]) {
    this.fields = fields;
    this.byteSize = alignTo(Math.max(16, fields.length * 4), 16);
  }

  pack(values: Record<string, number>): ArrayBuffer {
    const data = new ArrayBuffer(this.byteSize);
    const view = new DataView(data);
    this.fields.forEach((field, i) => {
      const value = values[field.name];
      if (value === undefined || !Number.isFinite(value)) {
        throw new Error(`uniform ${field.name} must be a finite number, got ${value}`);
      }
      if (field.type === 'f32') view.setFloat32(i * 4, value, true);
      else if (field.type === 'u32') view.setUint32(i * 4, value, true);
      else view.setInt32(i * 4, value, true);
    });
    return data;
  }

  create(ctx: GpuContext, values: Record<string, number>, label: string): GPUBuffer {
    const buffer = ctx.device.createBuffer({
      size: this.byteSize,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      label,
    });
    ctx.device.queue.writeBuffer(buffer, 0, this.pack(values));
    return buffer;
  }

  write(ctx: GpuContext, buffer: GPUBuffer, values: Record<string, number>): void {
    ctx.device.queue.writeBuffer(buffer, 0, this.pack(values));
  }
}
