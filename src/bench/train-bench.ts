// Training throughput per model preset: tokens per second of whole steps, the time of each
// phase (forward, backward, optimizer, evaluation), and model FLOPs utilisation against the
// lab's own best matmul on the same adapter. Figures only; nothing here asserts on speed.
import { createStorage, timeDispatches, type GpuContext } from '../gpu';
import { prepareMatmul } from '../kernels/matmul';
import { matmulFlops } from '../kernels/matmul.plan';
import { chooseMicroBatch, flopsPerToken } from '../model/config';
import { presetConfig } from '../model/presets';
import type { ModelConfig } from '../model/config';
import { GpuTrainingEngine, StepProfile } from '../train/gpu-engine';
import type { MicroBatch, StepHyperparameters } from '../train/engine';
import { randomInts } from '../util/random';

export interface TrainBenchRow {
  preset: string;
  params: string;
  batch: number;
  microBatch: number;
  tokensPerSecond: number;
  stepMs: number;
  forwardMs: number;
  backwardMs: number;
  optimizerMs: number;
  evalMs: number;
  modelTflops: number;
  mfu: number;
}

/** The lab's best matmul throughput here: a large square product, the ceiling for MFU. */
export async function bestMatmulFlops(gpu: GpuContext, n: number): Promise<number> {
  const shape = { M: n, N: n, K: n, transB: true };
  const a = createStorage(gpu, n * n, 'A');
  const b = createStorage(gpu, n * n, 'B');
  const c = createStorage(gpu, n * n, 'C');
  const d = await prepareMatmul(gpu, { ...shape, a, b, c });
  const reps = gpu.adapter.isFallbackAdapter ? 1 : 20;
  const t = await timeDispatches(gpu, Array.from({ length: reps }, () => d).flat(), 3, 1);
  a.destroy();
  b.destroy();
  c.destroy();
  return matmulFlops(shape) / ((t.medianMs / reps) / 1000);
}

function randomBatch(model: ModelConfig, sequences: number, seed: number): MicroBatch {
  const n = sequences * model.context;
  return { inputs: randomInts(n, model.vocabSize, seed), targets: randomInts(n, model.vocabSize, seed + 1), sequences };
}

export async function benchTraining(
  gpu: GpuContext,
  preset: string,
  options: { vocab: number; batch: number; steps: number; peakFlops: number },
): Promise<TrainBenchRow> {
  const model = presetConfig(preset, options.vocab);
  const microBatch = chooseMicroBatch(model, options.batch, gpu.adapter.limits);
  const engine = await GpuTrainingEngine.create(gpu, { model, microBatch, initSeed: 1, ewaCount: 1 });
  try {
    const micro = Array.from({ length: options.batch / microBatch }, (_, i) => randomBatch(model, microBatch, 10 * i));
    const hp = (step: number): StepHyperparameters => ({ step, lr: 1e-3, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0, clipNorm: 1, ewaDecays: [0.99] });
    await engine.step(micro, hp(1)); // warm-up: pipelines compile on first use
    const start = performance.now();
    for (let s = 0; s < options.steps; s++) await engine.step(micro, hp(s + 2));
    const stepMs = (performance.now() - start) / options.steps;
    // One more step, profiled: the same step with each phase awaited and timed.
    const profile = new StepProfile();
    await engine.step(micro, hp(options.steps + 2), profile);
    const phases = { forwardMs: profile.ms.forward, backwardMs: profile.ms.backward, optimizerMs: profile.ms.optimizer };
    const validation = [randomBatch(model, microBatch, 999)];
    await engine.evaluate(validation, { kind: 'raw' });
    const t = performance.now();
    await engine.evaluate(validation, { kind: 'raw' });
    const evalMs = performance.now() - t;
    const tokens = options.batch * model.context;
    const tokensPerSecond = tokens / (stepMs / 1000);
    const modelFlops = flopsPerToken(model).total * tokensPerSecond;
    const p = engine.layout.parameterCount;
    return {
      preset,
      params: p >= 1e6 ? `${(p / 1e6).toFixed(1)}M` : `${(p / 1e3).toFixed(0)}k`,
      batch: options.batch,
      microBatch,
      tokensPerSecond,
      stepMs,
      ...phases,
      evalMs,
      modelTflops: modelFlops / 1e12,
      mfu: modelFlops / options.peakFlops,
    };
  } finally {
    engine.destroy();
  }
}

export function formatTrainTable(rows: TrainBenchRow[], peakFlops: number): string {
  const lines = [
    `MFU is against the lab's best matmul here: ${(peakFlops / 1e9).toFixed(1)} GFLOP/s.`,
    '',
    '| preset | params | batch (micro) | tokens/s | step ms | forward ms | backward ms | optimizer ms | eval ms (1 micro-batch) | model TFLOP/s | MFU |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.preset} | ${r.params} | ${r.batch} (${r.microBatch}) | ${r.tokensPerSecond.toFixed(0)} | ${r.stepMs.toFixed(2)} | ` +
        `${r.forwardMs.toFixed(2)} | ${r.backwardMs.toFixed(2)} | ${r.optimizerMs.toFixed(2)} | ${r.evalMs.toFixed(2)} | ` +
        `${r.modelTflops.toFixed(3)} | ${(100 * r.mfu).toFixed(1)}% |`,
    );
  }
  return lines.join('\n');
}
