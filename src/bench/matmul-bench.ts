// Matmul throughput at the shapes the lab's model presets train with, against TF.js's WebGPU
// backend on the same device. Prints figures; asserts nothing about speed.
import { createStorage, timeDispatches, type GpuContext } from '../gpu';
import { matmulFlops, prepareMatmul } from '../kernels/matmul';
import type { MatmulShape } from '../kernels/matmul.ref';

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

export interface BenchRow {
  name: string;
  shape: string;
  ms: number;
  gflops: number;
  tfjsMs?: number;
  tfjsGflops?: number;
}

export async function benchMatmul(gpu: GpuContext, shape: MatmulBenchShape, repetitions: number): Promise<BenchRow> {
  const aCount = shape.M * shape.K;
  const bCount = shape.K * shape.N;
  const a = createStorage(gpu, aCount, 'A');
  const b = createStorage(gpu, bCount, 'B');
  const c = createStorage(gpu, shape.M * shape.N, 'C');
  const d = await prepareMatmul(gpu, { ...shape, a, b, c });
  // Many dispatches in one pass: per-dispatch overhead is amortised as in a training step.
  const timing = await timeDispatches(gpu, Array<typeof d>(repetitions).fill(d), 3, 1);
  a.destroy();
  b.destroy();
  c.destroy();
  const ms = timing.medianMs / repetitions;
  return {
    name: shape.name,
    shape: `${shape.M}×${shape.K}·${shape.K}×${shape.N}${shape.transA ? ' Aᵀ' : ''}${shape.transB ? ' Bᵀ' : ''}`,
    ms,
    gflops: matmulFlops(shape) / (ms * 1e6),
  };
}

export function formatTable(rows: BenchRow[]): string {
  const lines = ['| kernel | shape | ms | GFLOP/s | TF.js ms | TF.js GFLOP/s | ratio |', '|---|---|---|---|---|---|---|'];
  for (const r of rows) {
    const ratio = r.tfjsMs ? (r.tfjsMs / r.ms).toFixed(2) : '–';
    lines.push(
      `| ${r.name} | ${r.shape} | ${r.ms.toFixed(3)} | ${r.gflops.toFixed(1)} | ${r.tfjsMs?.toFixed(3) ?? '–'} | ${r.tfjsGflops?.toFixed(1) ?? '–'} | ${ratio} |`,
    );
  }
  return lines.join('\n');
}
