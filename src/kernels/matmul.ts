// Wrapper for shaders/matmul.wgsl: binds buffers and shape uniforms once, returns a Dispatch.
import matmulCode from '../../shaders/matmul.wgsl?raw';
import { UniformLayout, bindAll, type Dispatch, type GpuContext, type GpuTensor } from '../gpu';
import { matmulStrides, type MatmulShape } from './matmul.ref';

export const MATMUL_SHADER = { name: 'matmul', code: matmulCode };
const TILE = 64;

const layout = new UniformLayout([
  { name: 'M', type: 'u32' },
  { name: 'N', type: 'u32' },
  { name: 'K', type: 'u32' },
  { name: 'strideA', type: 'u32' },
  { name: 'strideB', type: 'u32' },
  { name: 'strideC', type: 'u32' },
  { name: 'alpha', type: 'f32' },
  { name: 'pad', type: 'u32' },
]);

export interface MatmulArgs extends MatmulShape {
  a: GpuTensor;
  b: GpuTensor;
  c: GpuTensor;
  /** C += alpha·op(A)·op(B) instead of C = … (gradient accumulation across micro-batches). */
  accumulate?: boolean;
  label?: string;
}

export async function prepareMatmul(gpu: GpuContext, args: MatmulArgs): Promise<Dispatch> {
  const batch = args.batch ?? 1;
  const label = args.label ?? `matmul ${args.M}x${args.K}x${args.N}`;
  const pipeline = await gpu.pipelines.get(MATMUL_SHADER, 'main', {
    TRANS_A: Boolean(args.transA),
    TRANS_B: Boolean(args.transB),
    ACCUMULATE: Boolean(args.accumulate),
  });
  const values = { M: args.M, N: args.N, K: args.K, ...matmulStrides(args), alpha: args.alpha ?? 1, pad: 0 };
  const uniforms = layout.create(gpu, values, label);
  return {
    label,
    pipeline,
    bindGroup: bindAll(gpu, pipeline, [uniforms, args.a, args.b, args.c], label),
    workgroups: [Math.ceil(args.N / TILE), Math.ceil(args.M / TILE), batch],
  };
}

export function matmulFlops(shape: MatmulShape): number {
  return 2 * shape.M * shape.N * shape.K * (shape.batch ?? 1);
}
