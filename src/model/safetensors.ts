// The safetensors format (https://github.com/huggingface/safetensors), F32 only:
//   8 bytes: N, the header length, unsigned 64-bit little-endian;
//   N bytes: a UTF-8 JSON object { name: { dtype: "F32", shape, data_offsets: [begin, end] }, …,
//            "__metadata__": { string: string } }, padded with spaces to a multiple of 8 bytes;
//   the data: each tensor's bytes, little-endian, row-major, at [begin, end) from the data start.
// Tensors are written contiguously in the order given, with no gaps (the reference reader checks).
import type { ModelConfig } from './config';
import type { ParameterLayout } from './layout';

export interface NamedTensor {
  name: string;
  shape: number[];
  /** Converted to f32 on write (a Float64Array is rounded). */
  data: ArrayLike<number>;
}

export interface SafetensorsFile {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  metadata: Record<string, string>;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Serializes F32 tensors and string metadata into one safetensors byte array. */
export function writeSafetensors(tensors: NamedTensor[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const t of tensors) {
    const size = t.shape.reduce((a, b) => a * b, 1);
    if (size !== t.data.length) throw new Error(`tensor ${t.name}: shape [${t.shape}] holds ${size} values, data has ${t.data.length}.`);
    if (t.name === '__metadata__' || t.name in header) throw new Error(`duplicate or reserved tensor name "${t.name}".`);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * size] };
    offset += 4 * size;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const t of tensors) {
    if (LITTLE_ENDIAN) {
      const f32 = t.data instanceof Float32Array ? t.data : Float32Array.from(t.data);
      out.set(new Uint8Array(f32.buffer, f32.byteOffset, f32.byteLength), pos);
      pos += f32.byteLength;
    } else {
      for (let i = 0; i < t.data.length; i++, pos += 4) view.setFloat32(pos, t.data[i], true);
    }
  }
  return out;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parses a safetensors byte array (F32 tensors only), validating offsets like the reference reader. */
export function readSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.length < 8) throw new Error('safetensors: file shorter than its 8-byte header length.');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (8 + n > bytes.length) throw new Error(`safetensors: header length ${n} runs past the end of the file.`);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  const dataStart = 8 + n;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const entries = Object.entries(header).filter(([k]) => k !== '__metadata__') as [string, HeaderEntry][];
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let expectedBegin = 0;
  for (const [name, e] of [...entries].sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0])) {
    if (e.dtype !== 'F32') throw new Error(`safetensors: tensor ${name} has dtype ${e.dtype}; only F32 is supported.`);
    const [begin, end] = e.data_offsets;
    const size = e.shape.reduce((a, b) => a * b, 1);
    if (begin !== expectedBegin || end - begin !== 4 * size || dataStart + end > bytes.length) {
      throw new Error(`safetensors: tensor ${name} has invalid data_offsets [${begin}, ${end}] for shape [${e.shape}].`);
    }
    expectedBegin = end;
    const data = new Float32Array(size);
    for (let i = 0; i < size; i++) data[i] = view.getFloat32(dataStart + begin + 4 * i, true);
    tensors.set(name, { shape: e.shape, data });
  }
  if (dataStart + expectedBegin !== bytes.length) throw new Error('safetensors: trailing bytes after the last tensor.');
  return { tensors, metadata };
}

/** The __metadata__ the lab writes: the model config as JSON, plus anything the caller adds. */
export function modelMetadata(cfg: ModelConfig, extra: Record<string, string> = {}): Record<string, string> {
  return { format: 'pt', model: 'cbs-lab-decoder', config: JSON.stringify(cfg), ...extra };
}

/**
 * A flat buffer in the model's layout (parameters, or gradients of the same shape) as safetensors,
 * with the conventional names of ./layout.ts and the config in __metadata__.config.
 */
export function exportModelSafetensors(
  layout: ParameterLayout,
  flat: Float32Array | Float64Array,
  extraMetadata: Record<string, string> = {},
): Uint8Array {
  if (flat.length !== layout.totalFloats) throw new Error(`export: buffer has ${flat.length} floats, layout needs ${layout.totalFloats}.`);
  const tensors = layout.tensors.map((t) => ({ name: t.name, shape: t.shape, data: flat.subarray(t.offset, t.offset + t.size) }));
  return writeSafetensors(tensors, modelMetadata(layout.config, extraMetadata));
}

/** Reads an exported model back into a flat Float32Array of `layout` (names and shapes must match). */
export function importModelSafetensors(layout: ParameterLayout, bytes: Uint8Array): Float32Array {
  const file = readSafetensors(bytes);
  const flat = new Float32Array(layout.totalFloats);
  for (const t of layout.tensors) {
    const found = file.tensors.get(t.name);
    if (!found) throw new Error(`import: tensor ${t.name} is missing.`);
    if (found.shape.join(',') !== t.shape.join(',')) throw new Error(`import: tensor ${t.name} has shape [${found.shape}], expected [${t.shape}].`);
    flat.set(found.data, t.offset);
  }
  if (file.tensors.size !== layout.tensors.length) throw new Error(`import: file has ${file.tensors.size} tensors, the model ${layout.tensors.length}.`);
  return flat;
}
