// The training matmul shapes of the lab's model presets, for the kernel benchmark
// (./kernel-bench.ts), which times them against TF.js's WebGPU backend on the same device.
import type { MatmulShape } from '../kernels/matmul.plan';

export interface MatmulBenchShape extends MatmulShape {
  name: string;
}

/** The training matmuls of a model of width d, micro-batch rows n = micro·T, vocabulary v. */
export function presetMatmulShapes(preset: string, d: number, n: number, v: number): MatmulBenchShape[] {
  return [
    { name: `${preset} qkv/o fwd  x·Wᵀ`, M: n, N: d, K: d, transB: true },
    { name: `${preset} mlp up fwd x·W1ᵀ`, M: n, N: 4 * d, K: d, transB: true },
    { name: `${preset} mlp down   h·W2ᵀ`, M: n, N: d, K: 4 * d, transB: true },
    { name: `${preset} logits     x·Woutᵀ`, M: n, N: v, K: d, transB: true },
    { name: `${preset} dW mlp up  dYᵀ·X`, M: 4 * d, N: d, K: n, transA: true },
    { name: `${preset} dX mlp up  dY·W`, M: n, N: d, K: 4 * d },
  ];
}
