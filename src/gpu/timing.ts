// Optional GPU timing with timestamp queries. Where the adapter lacks 'timestamp-query'
// the timer falls back to wall-clock around onSubmittedWorkDone, and says so.
import type { GpuContext } from './device';
import { encodeDispatches, type Dispatch } from './dispatch';

export interface TimingResult {
  /** Median milliseconds per repetition. */
  medianMs: number;
  samplesMs: number[];
  source: 'timestamp-query' | 'wall-clock';
}

export async function timeDispatches(
  ctx: GpuContext,
  dispatches: readonly Dispatch[],
  repetitions = 5,
  warmup = 1,
): Promise<TimingResult> {
  for (let i = 0; i < warmup; i++) await submitOnce(ctx, dispatches, null);
  const samples: number[] = [];
  const source = ctx.hasTimestamps ? 'timestamp-query' : 'wall-clock';
  const querySet = ctx.hasTimestamps ? ctx.device.createQuerySet({ type: 'timestamp', count: 2 }) : null;
  for (let i = 0; i < repetitions; i++) samples.push(await submitOnce(ctx, dispatches, querySet));
  querySet?.destroy();
  const sorted = [...samples].sort((a, b) => a - b);
  return { medianMs: sorted[Math.floor(sorted.length / 2)], samplesMs: samples, source };
}

async function submitOnce(ctx: GpuContext, dispatches: readonly Dispatch[], querySet: GPUQuerySet | null): Promise<number> {
  const device = ctx.device;
  const encoder = device.createCommandEncoder({ label: 'timed' });
  const pass = encoder.beginComputePass(
    querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {},
  );
  encodeDispatches(pass, dispatches);
  pass.end();
  let resolve: GPUBuffer | null = null;
  let staging: GPUBuffer | null = null;
  if (querySet) {
    resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    staging = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, staging, 0, 16);
  }
  const start = performance.now();
  device.queue.submit([encoder.finish()]);
  await device.queue.onSubmittedWorkDone();
  const wallMs = performance.now() - start;
  if (!staging || !resolve) return wallMs;
  await staging.mapAsync(GPUMapMode.READ);
  const [t0, t1] = new BigUint64Array(staging.getMappedRange());
  staging.unmap();
  staging.destroy();
  resolve.destroy();
  const ns = Number(t1 - t0);
  // Some adapters quantize or zero timestamps; fall back to wall time rather than report 0.
  return ns > 0 ? ns / 1e6 : wallMs;
}
