// The lab's compute worker: owns one WebGPU device and exposes a typed API over comlink.
import * as Comlink from 'comlink';
import { acquireGpu, createStorage, describeAdapter, describeError, GpuError, readF32, runDispatches, uploadF32 } from '../gpu';
import type { GpuContext } from '../gpu';
import { prepareMatmul } from '../kernels/matmul';
import { matmulStrides } from '../kernels/matmul.ref';
import type { MatmulRequest, ProbeResult } from './protocol';

let gpuPromise: Promise<GpuContext> | null = null;

function gpu(): Promise<GpuContext> {
  if (!gpuPromise) {
    gpuPromise = acquireGpu();
    // A failed or lost device is forgotten, so the next call tries again.
    gpuPromise.catch(() => (gpuPromise = null));
    void gpuPromise.then((ctx) => ctx.lost.then(() => (gpuPromise = null)));
  }
  return gpuPromise;
}

const api = {
  async probe(): Promise<ProbeResult> {
    try {
      const ctx = await gpu();
      return { ok: true, adapter: ctx.adapter, description: describeAdapter(ctx.adapter) };
    } catch (error) {
      return { ok: false, kind: error instanceof GpuError ? error.kind : 'unknown', message: describeError(error) };
    }
  },

  /** Runs one matmul on the worker's device and returns C: the page → worker → GPU round trip. */
  async matmul(request: MatmulRequest): Promise<Float32Array> {
    const ctx = await gpu();
    const { shape } = request;
    const { strideC } = matmulStrides(shape);
    const cCount = strideC * ((shape.batch ?? 1) - 1) + shape.M * shape.N;
    const a = uploadF32(ctx, request.a, 'A');
    const b = uploadF32(ctx, request.b, 'B');
    const c = request.c ? uploadF32(ctx, request.c, 'C') : createStorage(ctx, cCount, 'C');
    try {
      await runDispatches(ctx, [await prepareMatmul(ctx, { ...shape, a, b, c, accumulate: request.accumulate })]);
      const result = await readF32(ctx, c, cCount);
      return Comlink.transfer(result, [result.buffer]);
    } finally {
      a.destroy();
      b.destroy();
      c.destroy();
    }
  },
};

export type LabWorkerApi = typeof api;
Comlink.expose(api);
