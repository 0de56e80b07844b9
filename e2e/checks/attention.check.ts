import { alignTo, createStorage, readBuffers, runDispatches } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareAttentionBackward, prepareAttentionForward } from '../../src/kernels/attention';
import {
  attentionKernelFor,
  attentionRowCount,
  attentionTensorSize,
  type AttentionKernel,
  type AttentionShape,
} from '../../src/kernels/attention.plan';
import { attentionBackwardRef, attentionForwardRef } from '../../src/kernels/attention.ref';
import { randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';
import type { GpuContext } from '../../src/gpu';

// Inputs in [−1, 1] (q optionally scaled up to make the softmax peaked). o is a convex
// combination of v rows, so |o| ≤ 1; fp32 rounding over ≤ 128-term dot products and ≤ 70-key
// sums stays near 1e-6. A wrong index, a missed mask or a stray key from another sequence is
// off by O(0.1), far above these bounds.
const TOL_O: Tolerance = { atol: 1e-5, rtol: 1e-4 };
const TOL_LSE: Tolerance = { atol: 1e-5, rtol: 1e-5 };
// Gradients sum up to T products of p, dO and k or q; the rtol covers the scaled-q case where dk is ~10.
const TOL_GRAD: Tolerance = { atol: 5e-5, rtol: 5e-4 };
const SENTINEL = 1000;

interface Case extends AttentionShape {
  /** Multiplies q: 16 pushes scores to tens, which overflows exp without max subtraction. */
  qScale?: number;
  /** Bind q, k, v, o and the gradients as 256-byte-aligned slices of shared flat buffers, and
   *  check that the gaps between output slices stay untouched. */
  sliced?: boolean;
  /** Force the row kernels or the tiled ones (default: the wrapper's choice for the shape). */
  kernel?: AttentionKernel;
  /** Run forward and backward twice and require identical bits. */
  rerun?: boolean;
}

/** Flat buffers holding `count` tensors of `n` floats, each at a 64-float aligned offset. */
function slices(gpu: GpuContext, count: number, n: number, label: string): { buffer: GPUBuffer; parts: GPUBufferBinding[] } {
  const stride = alignTo(n, 64) + 64; // gaps between slices: a write past a slice lands in one
  const buffer = createStorage(gpu, stride * count, label);
  const parts = Array.from({ length: count }, (_, i) => ({ buffer, offset: (stride * i + 64) * 4, size: n * 4 }));
  return { buffer, parts };
}

async function runCase(gpu: GpuContext, c: Case, seed: number): Promise<CheckOutcome[]> {
  const shape: AttentionShape = { batch: c.batch, seqLen: c.seqLen, heads: c.heads, headDim: c.headDim };
  const n = attentionTensorSize(shape);
  const rows = attentionRowCount(shape);
  const qHost = randomUniform(n, seed).map((x) => x * (c.qScale ?? 1));
  const kHost = randomUniform(n, seed + 1);
  const vHost = randomUniform(n, seed + 2);
  const dOHost = randomUniform(n, seed + 3);

  // Every tensor is a binding {buffer, offset, size}: its own buffer, or a slice of a shared one.
  const owned: GPUBuffer[] = [];
  const outputBuffers: GPUBuffer[] = [];
  const place = (count: number, label: string): GPUBufferBinding[] => {
    if (c.sliced) {
      const { buffer, parts } = slices(gpu, count, n, label);
      owned.push(buffer);
      return parts;
    }
    return Array.from({ length: count }, (_, i) => {
      const buffer = createStorage(gpu, n, `${label} ${i}`);
      owned.push(buffer);
      return { buffer, offset: 0, size: n * 4 };
    });
  };
  const [q, k, v, dO] = place(4, 'attention inputs');
  const [o, dq, dk, dv] = place(4, 'attention outputs');
  const lse = createStorage(gpu, rows, 'lse');
  const delta = createStorage(gpu, rows, 'delta');
  owned.push(lse, delta);
  // Outputs start as a sentinel, so an element the kernels never write shows up as an error.
  for (const buffer of new Set([o.buffer, dq.buffer, dk.buffer, dv.buffer, lse])) {
    gpu.device.queue.writeBuffer(buffer, 0, new Float32Array(buffer.size / 4).fill(SENTINEL));
    if (buffer !== lse) outputBuffers.push(buffer);
  }
  [qHost, kHost, vHost, dOHost].forEach((host, i) => {
    const at = [q, k, v, dO][i];
    gpu.device.queue.writeBuffer(at.buffer, at.offset ?? 0, host.buffer, host.byteOffset, host.byteLength);
  });

  const kernel = c.kernel;
  const forward = await prepareAttentionForward(gpu, { ...shape, q, k, v, o, lse, kernel });
  const backward = await prepareAttentionBackward(gpu, { ...shape, q, k, v, o, lse, dO, dq, dk, dv, delta, kernel });
  const readAll = async () => {
    await runDispatches(gpu, [...forward, ...backward]);
    const data = await readBuffers(gpu, [
      ...[o, dq, dk, dv].map((t) => ({ buffer: t.buffer, offset: t.offset ?? 0, bytes: n * 4 })),
      { buffer: lse, bytes: rows * 4 },
      ...(c.sliced ? [{ buffer: outputBuffers[0], bytes: outputBuffers[0].size }] : []),
    ]);
    return data.map((d) => new Float32Array(d));
  };
  const first = await readAll();
  const second = c.rerun ? await readAll() : null;
  owned.forEach((b) => b.destroy());
  const [oOut, dqOut, dkOut, dvOut, lseOut, whole] = first;

  const ref = attentionForwardRef(qHost, kHost, vHost, shape);
  const grads = attentionBackwardRef(qHost, kHost, vHost, dOHost, shape);
  const used = c.kernel ?? attentionKernelFor(shape);
  const tag = `B${c.batch} T${c.seqLen} H${c.heads} hd${c.headDim}${c.qScale ? ` q×${c.qScale}` : ''}${c.sliced ? ' sliced' : ''} [${used}]`;
  const outcomes: CheckOutcome[] = [];
  if (second) {
    ['o', 'dq', 'dk', 'dv', 'lse'].forEach((name, i) => {
      outcomes.push({ label: `${tag} ${name} bitwise identical on a rerun`, comparison: compareArrays(second[i], first[i], { atol: 0, rtol: 0 }) });
    });
  }
  if (whole) {
    const inSlice = new Uint8Array(whole.length);
    for (const t of [o, dq, dk, dv]) inSlice.fill(1, (t.offset ?? 0) / 4, (t.offset ?? 0) / 4 + n);
    const gaps = whole.filter((_, i) => !inSlice[i]);
    outcomes.push({ label: `${tag} gaps between slices untouched`, comparison: compareArrays(gaps, new Float32Array(gaps.length).fill(SENTINEL), { atol: 0, rtol: 0 }) });
  }
  return [
    ...outcomes,
    { label: `${tag} o`, comparison: compareArrays(oOut, ref.o, TOL_O) },
    { label: `${tag} lse`, comparison: compareArrays(lseOut, ref.lse, TOL_LSE) },
    { label: `${tag} dq`, comparison: compareArrays(dqOut, grads.dq, TOL_GRAD) },
    { label: `${tag} dk`, comparison: compareArrays(dkOut, grads.dk, TOL_GRAD) },
    { label: `${tag} dv`, comparison: compareArrays(dvOut, grads.dv, TOL_GRAD) },
  ];
}

async function runAll(gpu: GpuContext, cases: Case[], seed: number): Promise<CheckOutcome[]> {
  const out: CheckOutcome[] = [];
  for (const [i, c] of cases.entries()) out.push(...(await runCase(gpu, c, seed + 10 * i)));
  return out;
}

export const checks: Record<string, Check> = {
  // T = 1 (one key), one head, ragged T below one tile, a head dim that is no multiple of 16.
  // These shapes run the row kernels by default (T ≤ 64, hd ≤ 64); each also runs tiled.
  async 'small and edge shapes'(gpu) {
    const cases: Case[] = [
      { batch: 2, seqLen: 1, heads: 2, headDim: 16 },
      { batch: 1, seqLen: 7, heads: 1, headDim: 16 },
      { batch: 1, seqLen: 5, heads: 3, headDim: 20 },
    ];
    return runAll(gpu, [...cases, ...cases.map((c): Case => ({ ...c, kernel: 'tiled' }))], 1000);
  },
  // Several sequences (no attention across them), ragged T past one tile, hd = 32 and 64,
  // T = 70 > the 32-row tile, and tensors bound as slices of flat buffers.
  async 'several sequences, ragged T across tiles'(gpu) {
    return runAll(gpu, [
      { batch: 3, seqLen: 33, heads: 2, headDim: 32 },
      { batch: 3, seqLen: 33, heads: 2, headDim: 32, kernel: 'tiled' },
      { batch: 2, seqLen: 70, heads: 2, headDim: 64, sliced: true },
    ], 2000);
  },
  // Peaked softmax (scores in the tens) tests the online max; hd = 128 is the largest supported.
  async 'large scores and hd = 128'(gpu) {
    return runAll(gpu, [
      { batch: 2, seqLen: 40, heads: 1, headDim: 16, qScale: 16 },
      { batch: 2, seqLen: 40, heads: 1, headDim: 16, qScale: 16, kernel: 'tiled' },
      { batch: 1, seqLen: 37, heads: 2, headDim: 128 },
    ], 3000);
  },
  // The row kernels at their limits (T = 64, hd = 64, sliced bindings, more rows than one
  // 64-thread workgroup), head dims that are no multiple of 4 (2, 6: the masked vec4 tail), a
  // peaked softmax, and bitwise-identical reruns of both kernel families.
  async 'row kernels: limits, hd not a multiple of 4, bitwise reruns'(gpu) {
    return runAll(gpu, [
      { batch: 2, seqLen: 64, heads: 2, headDim: 64, sliced: true, rerun: true },
      { batch: 3, seqLen: 9, heads: 2, headDim: 2 },
      { batch: 2, seqLen: 17, heads: 3, headDim: 6, qScale: 16 },
      { batch: 2, seqLen: 33, heads: 2, headDim: 16, kernel: 'tiled', rerun: true },
    ], 4000);
  },
};
