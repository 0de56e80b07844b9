// TF.js's WebGPU matmul on the same shapes, the peer the lab's kernels are measured against.
// Imported lazily: the backend registers itself only if navigator.gpu exists at import time,
// which in Node is true only after acquireNodeGpu() has installed Dawn.
import type { MatmulShape } from '../kernels/matmul.plan';

type Tf = typeof import('@tensorflow/tfjs-core');
let tfPromise: Promise<Tf> | null = null;

export function initTfjsWebgpu(): Promise<Tf> {
  tfPromise ??= (async () => {
    const tf = await import('@tensorflow/tfjs-core');
    await import('@tensorflow/tfjs-backend-webgpu');
    const ok = await tf.setBackend('webgpu');
    if (!ok) throw new Error('TF.js could not start its WebGPU backend on this adapter');
    await tf.ready();
    return tf;
  })();
  return tfPromise;
}

/** Median milliseconds per matmul over `repetitions` queued back to back, read back once. */
export async function benchTfjsMatmul(shape: MatmulShape, repetitions: number, trials = 3): Promise<number> {
  const tf = await initTfjsWebgpu();
  const a = tf.randomUniform(shape.transA ? [shape.K, shape.M] : [shape.M, shape.K]);
  const b = tf.randomUniform(shape.transB ? [shape.N, shape.K] : [shape.K, shape.N]);
  const run = async (count: number) => {
    const outs = [];
    for (let i = 0; i < count; i++) outs.push(tf.matMul(a, b, shape.transA, shape.transB));
    await outs[outs.length - 1].data();
    outs.forEach((t) => t.dispose());
  };
  await run(1);
  const samples: number[] = [];
  for (let t = 0; t < trials; t++) {
    const start = performance.now();
    await run(repetitions);
    samples.push((performance.now() - start) / repetitions);
  }
  a.dispose();
  b.dispose();
  samples.sort((x, y) => x - y);
  return samples[Math.floor(samples.length / 2)];
}
