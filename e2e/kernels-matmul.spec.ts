import { test, expect } from '@playwright/test';
import { expectAllClose, sharedHarnessPage, listChecks, runCheck } from './harness';
import { MATMUL_DIRECT_MAX_MACS, matmulKernelFor, planSplitK, type MatmulShape } from '../src/kernels/matmul.plan';

const harness = sharedHarnessPage();

const names = [
  'A·B on ragged shapes',
  'A·Bᵀ and Aᵀ·B',
  'batched, broadcast, accumulate and alpha',
  'direct kernel: every variant with accumulate and alpha, batched and broadcast',
  'split-K on ragged shapes: every variant, accumulate and alpha',
  'split-K batched and broadcast; scratch as a slice or from an allocator',
  'split-K is deterministic: two runs agree bit for bit',
];
for (const name of names) {
  test(`matmul: ${name}`, async () => {
    const outcomes = await runCheck(harness.page, 'matmul', name);
    for (const o of outcomes) console.log(`  matmul | ${o.label}: max |err| ${o.comparison.maxAbsError.toExponential(2)}`);
    expectAllClose(outcomes);
  });
}

test('matmul: the spec runs every check in e2e/checks/matmul.check.ts', async () => {
  expect([...(await listChecks(harness.page, 'matmul'))].sort()).toEqual([...names].sort());
});

// The split-K plan is pure (shape and adapter limits only); these are the model presets' shapes
// on an adapter with the spec-default limits. Rows N = micro-batch × context.
test('split-K plan: few output tiles and a long K split; many tiles or a short K do not', () => {
  const limits = { maxStorageBufferBindingSize: 2 ** 27, maxBufferSize: 2 ** 28, maxComputeWorkgroupsPerDimension: 65535 };
  const plan = (s: MatmulShape) => planSplitK(s, limits);
  // nano dW mlp up, 256×64 output (4 tiles), K = 2048: 16 slices of 128.
  expect(plan({ M: 256, N: 64, K: 2048, transA: true })).toEqual({ splits: 16, kPerSplit: 128, scratchFloats: 16 * 256 * 64 });
  // micro dW mlp up, 512×128 (16 tiles), K = 2048: 16 slices.
  expect(plan({ M: 512, N: 128, K: 2048, transA: true }).splits).toBe(16);
  // mini dW mlp up, 1024×256 (64 tiles), K = 4096: 4 slices of 1024.
  expect(plan({ M: 1024, N: 256, K: 4096, transA: true })).toEqual({ splits: 4, kPerSplit: 1024, scratchFloats: 4 * 1024 * 256 });
  // small dW mlp up, 2048×512: 256 tiles, but K = 4096 is long: 4 slices of 1024.
  expect(plan({ M: 2048, N: 512, K: 4096, transA: true })).toEqual({ splits: 4, kPerSplit: 1024, scratchFloats: 4 * 2048 * 512 });
  // small dW logits, 4096×512 (512 tiles), K = 4096: 2 slices.
  expect(plan({ M: 4096, N: 512, K: 4096, transA: true }).splits).toBe(2);
  // Many tiles and K ≤ 1024 (mini's h·W2ᵀ, small's x·Wᵀ), or 1024 tiles and more: one pass.
  expect(plan({ M: 4096, N: 256, K: 1024, transB: true }).splits).toBe(1);
  expect(plan({ M: 4096, N: 512, K: 512, transB: true }).splits).toBe(1);
  expect(plan({ M: 4096, N: 1024, K: 4096 }).splits).toBe(1);
  // The shared scratch (16 MiB = 4M floats) caps the slices: 4096×960 (960 tiles) at K = 8192
  // would want 2, but 2 × 3.9M floats do not fit.
  expect(plan({ M: 4096, N: 960, K: 8192 }).splits).toBe(1);
  expect(plan({ M: 2048, N: 960, K: 8192 }).splits).toBe(2);
  // nano's mlp down h·W2ᵀ, 2048×64 output (32 tiles), K = 256: 2 slices (1.5× faster on an H100).
  expect(plan({ M: 2048, N: 64, K: 256, transB: true })).toEqual({ splits: 2, kPerSplit: 128, scratchFloats: 2 * 2048 * 64 });
  // A short K never splits.
  expect(plan({ M: 2048, N: 64, K: 64, transB: true }).splits).toBe(1);
  expect(plan({ M: 64, N: 64, K: 200 }).splits).toBe(1);
  // The binding limit caps the scratch: 1 MiB allows 4 slices of a 256×256 output.
  expect(plan({ M: 256, N: 256, K: 8192 }).splits).toBe(16);
  expect(planSplitK({ M: 256, N: 256, K: 8192 }, { ...limits, maxStorageBufferBindingSize: 2 ** 20 }).splits).toBe(4);
  // Batched: the slices multiply the z grid, capped by maxComputeWorkgroupsPerDimension.
  expect(planSplitK({ M: 8, N: 8, K: 4096, batch: 100 }, { ...limits, maxComputeWorkgroupsPerDimension: 250 }).splits).toBe(2);
});

// The kernel choice is pure (shape only): the barrier-free direct kernel up to 2^24 multiply-adds.
test('kernel choice: small problems take the direct kernel, the rest the tiled one', () => {
  expect(MATMUL_DIRECT_MAX_MACS).toBe(2 ** 24);
  // The 1-layer d32 ctx32 vocab-257 test model at 32 sequences (1024 rows): every matmul is direct.
  for (const s of [
    { M: 1024, N: 32, K: 32, transB: true }, { M: 1024, N: 128, K: 32, transB: true }, { M: 1024, N: 32, K: 128, transB: true },
    { M: 1024, N: 257, K: 32, transB: true }, { M: 1024, N: 32, K: 257 }, { M: 257, N: 32, K: 1024, transA: true },
  ]) expect(matmulKernelFor(s)).toBe('direct');
  expect(matmulKernelFor({ M: 1, N: 1, K: 1 })).toBe('direct');
  expect(matmulKernelFor({ M: 1, N: 1, K: 0 })).toBe('direct');
  // nano's qkv/o matmuls (2^23 multiply-adds) are direct; its mlp and logits, and every micro shape, tiled.
  expect(matmulKernelFor({ M: 2048, N: 64, K: 64, transB: true })).toBe('direct');
  expect(matmulKernelFor({ M: 2048, N: 64, K: 64 })).toBe('direct');
  expect(matmulKernelFor({ M: 64, N: 64, K: 2048, transA: true })).toBe('direct');
  expect(matmulKernelFor({ M: 2048, N: 256, K: 64, transB: true })).toBe('tiled');
  expect(matmulKernelFor({ M: 256, N: 64, K: 2048, transA: true })).toBe('tiled');
  expect(matmulKernelFor({ M: 2048, N: 128, K: 128, transB: true })).toBe('tiled');
  // The batch counts: 2^24 exactly is direct, one more batch entry tiled.
  expect(matmulKernelFor({ M: 256, N: 256, K: 64, batch: 4 })).toBe('direct');
  expect(matmulKernelFor({ M: 256, N: 256, K: 64, batch: 5 })).toBe('tiled');
});
