import { createStorage, readF32, runDispatches, uploadF32, uploadU32, type GpuContext } from '../../src/gpu';
import { compareArrays, type Tolerance } from '../../src/kernels/compare';
import { prepareEmbeddingBackward, prepareEmbeddingForward } from '../../src/kernels/embedding';
import { embeddingBackwardRef, embeddingForwardRef } from '../../src/kernels/embedding.ref';
import { randomInts, randomUniform } from '../../src/util/random';
import type { Check, CheckOutcome } from './types';

/** queue.writeBuffer of a whole typed array (any ArrayBufferLike). */
function put(gpu: GpuContext, buffer: GPUBuffer, data: Float32Array | Uint32Array): void {
  gpu.device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
}

// The forward is a copy: exact. The backward adds at most 64 values in [-1, 1] in float32
// (plus the initial value): rounding stays under 64·2^-24·64 ≈ 2.4e-4 in the worst case and
// near 1e-6 in practice; a lost or doubled position is off by O(1).
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const SUM_TOL: Tolerance = { atol: 2e-5, rtol: 1e-5 };

async function forwardCase(gpu: GpuContext, tokensHost: Uint32Array, vocab: number, cols: number, label: string, maxGroupsPerDim?: number): Promise<CheckOutcome> {
  const rows = tokensHost.length;
  const tableHost = randomUniform(vocab * cols, rows + vocab);
  const tokens = uploadU32(gpu, tokensHost, 'tokens');
  const table = uploadF32(gpu, tableHost, 'table');
  const out = createStorage(gpu, rows * cols, 'x');
  await runDispatches(gpu, [await prepareEmbeddingForward(gpu, { tokens, table, out, rows, cols, vocab, maxGroupsPerDim })]);
  const actual = await readF32(gpu, out, rows * cols);
  [tokens, table, out].forEach((b) => b.destroy());
  return { label, comparison: compareArrays(actual, embeddingForwardRef(tokensHost, tableHost, vocab, cols), EXACT) };
}

/**
 * Several micro-batches into one dTable that is a 256-byte-aligned slice of a larger flat buffer,
 * through one prepared backward (index re-uploaded, nothing reallocated). The whole flat buffer is
 * compared, so writes outside the slice would show.
 */
async function backwardCase(
  gpu: GpuContext,
  batches: Uint32Array[],
  capacity: number,
  vocab: number,
  cols: number,
  label: string,
  maxGroupsPerDim?: number,
): Promise<CheckOutcome[]> {
  const lead = 64; // floats before the slice: 256 bytes
  const flatHost = randomUniform(lead + vocab * cols + 5, 77);
  const flat = uploadF32(gpu, flatHost, 'flat grads');
  const dTable = { buffer: flat, offset: lead * 4, size: vocab * cols * 4 };
  const dOut = createStorage(gpu, capacity * cols, 'dOut');
  const backward = await prepareEmbeddingBackward(gpu, { dOut, dTable, rows: capacity, cols, vocab, maxGroupsPerDim });
  let expected: Float64Array = Float64Array.from(flatHost.subarray(lead, lead + vocab * cols));
  for (const [i, tokens] of batches.entries()) {
    const dOutHost = randomUniform(tokens.length * cols, 1000 + i);
    put(gpu, dOut, dOutHost);
    backward.setTokens(tokens);
    await runDispatches(gpu, [backward.dispatch]);
    expected = embeddingBackwardRef(tokens, dOutHost, vocab, cols, expected);
  }
  const actual = await readF32(gpu, flat, flatHost.length);
  // Determinism: replaying the same micro-batches from the same start gives identical bits.
  put(gpu, flat, flatHost);
  for (const [i, tokens] of batches.entries()) {
    put(gpu, dOut, randomUniform(tokens.length * cols, 1000 + i));
    backward.setTokens(tokens);
    await runDispatches(gpu, [backward.dispatch]);
  }
  const replay = await readF32(gpu, flat, flatHost.length);
  backward.destroy();
  flat.destroy();
  dOut.destroy();
  const whole = new Float64Array(flatHost);
  whole.set(expected, lead);
  return [
    { label, comparison: compareArrays(actual, whole, SUM_TOL) },
    { label: `${label}: replay is bitwise identical`, comparison: compareArrays(replay, actual, EXACT) },
  ];
}

export const checks: Record<string, Check> = {
  async 'forward: repeated ids, odd vocabulary, N = 1, folded grid'(gpu) {
    const repeated = randomInts(50, 37, 1);
    repeated.fill(5, 10, 30);
    return [
      await forwardCase(gpu, repeated, 37, 12, 'N=50 V=37 C=12, id 5 at 20 positions'),
      await forwardCase(gpu, Uint32Array.from([36]), 37, 12, 'N=1'),
      await forwardCase(gpu, randomInts(70, 101, 2), 101, 8, 'N=70 V=101 C=8, grid folded at 1 per dim', 1),
    ];
  },
  async 'backward: repeated ids, accumulation over micro-batches, N = 1'(gpu) {
    const many = new Uint32Array(64).fill(3); // one id everywhere but a few positions
    many.set([0, 36, 3, 17], 20);
    const out: CheckOutcome[] = [];
    out.push(
      ...(await backwardCase(gpu, [randomInts(64, 37, 3), many, randomInts(20, 37, 4)], 64, 37, 12, 'V=37 C=12, 3 micro-batches (64, 64 with id 3 ×61, 20)')),
    );
    out.push(...(await backwardCase(gpu, [Uint32Array.from([9])], 1, 37, 12, 'N=1')));
    out.push(...(await backwardCase(gpu, [randomInts(48, 11, 5), randomInts(48, 11, 6)], 48, 11, 7, 'V=11 C=7, grid folded', 2)));
    return out;
  },
};
