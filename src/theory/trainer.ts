// Wrapper for shaders/theory-sgd.wgsl (the theory trainer) and shaders/theory-sample.wgsl (the
// samples it draws, for tests): buffers laid out by trainer.plan.ts, one dispatch per advance.
// Works in a page, a Web Worker and Node on Dawn: nothing here touches the DOM or Node.
import rngCode from '../../shaders/theory-rng.wgsl?raw';
import sampleCode from '../../shaders/theory-sample.wgsl?raw';
import sgdCode from '../../shaders/theory-sgd.wgsl?raw';
import {
  UniformLayout, assertFitsBinding, bindAll, createStorage, readBuffers, runDispatches, uploadF32, uploadU32, writeArray,
  type GpuContext,
} from '../gpu';
import { DIVERGENCE_FACTOR, averageRates, checkAdvance, type LaneGroup, type LaneResult, type LaneStatus, type TrainerOptions, type TrainerSession } from './lanes';
import { excessRiskOfError, type TheoryProblem } from './problem';
import { checkSession } from './trainer.ref';
import { STATE_STRIDE, planTrainer, type TrainerLayout } from './trainer.plan';

export const THEORY_SGD_SHADER = { name: 'theory-sgd', code: `${rngCode}\n${sgdCode}` };
export const THEORY_SAMPLE_SHADER = { name: 'theory-sample', code: `${rngCode}\n${sampleCode}` };

/** Status codes of theory-sgd.wgsl, by value. */
const STATUS: readonly LaneStatus[] = ['running', 'stopped', 'capped', 'diverged'];
const STOPPED = STATUS.indexOf('stopped');

const params = new UniformLayout([
  { name: 'dim', type: 'u32' },
  { name: 'quads', type: 'u32' },
  { name: 'slots', type: 'u32' },
  { name: 'evalCount', type: 'u32' },
  { name: 'averages', type: 'u32' },
  { name: 'blockSamples', type: 'u32' },
  { name: 'blocks', type: 'u32' },
  { name: 'laneSpecOffset', type: 'u32' },
  { name: 'evalOffset', type: 'u32' },
  { name: 'groupStateOffset', type: 'u32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
  { name: 'noiseStd', type: 'f32' },
  { name: 'tail', type: 'f32' },
  { name: 'divergenceLimit', type: 'f32' },
  { name: 'pad2', type: 'u32' },
]);

function f32Bits(value: number): number {
  return new Uint32Array(new Float32Array([value]).buffer)[0];
}

/** √λ then λ, each zero-padded to whole quads (padded coordinates never move). */
function constantsOf(layout: TrainerLayout, problem: TheoryProblem): Float32Array {
  const out = new Float32Array(layout.constantsFloats);
  problem.lambda.forEach((l, i) => {
    out[i] = Math.sqrt(l);
    out[4 * layout.quads + i] = l;
  });
  return out;
}

function specOf(layout: TrainerLayout, groups: readonly LaneGroup[], evalSteps: readonly number[]): Uint32Array {
  const spec = new Uint32Array(layout.specWords);
  groups.forEach((group, g) => {
    spec[g] = group.seed >>> 0;
    group.lanes.forEach((lane, l) => {
      const at = layout.laneSpecOffset + 4 * (g * layout.slotsPerGroup + l);
      spec[at] = lane.batchSize;
      spec[at + 1] = lane.maxSteps;
      spec[at + 2] = f32Bits(lane.lr);
      spec[at + 3] = 1;
    });
  });
  evalSteps.forEach((s, j) => (spec[layout.evalOffset + j] = s));
  return spec;
}

/** Error vectors start at −w* (w_0 = 0); gradients and averages at 0 (coordinate i is component i % 4 of quad i / 4). */
function initialVectors(layout: TrainerLayout, groups: readonly LaneGroup[], target: Float64Array): Float32Array {
  const vectors = new Float32Array(layout.vectorsFloats);
  groups.forEach((group, g) =>
    group.lanes.forEach((_, l) => {
      const slot = g * layout.slotsPerGroup + l;
      for (let i = 0; i < layout.dim; i++) vectors[4 * (Math.floor(i / 4) * layout.slots + slot) + (i % 4)] = -target[i];
    }),
  );
  return vectors;
}

export async function createGpuTrainer(gpu: GpuContext, options: TrainerOptions, groups: readonly LaneGroup[]): Promise<TrainerSession> {
  checkSession(options, groups);
  const layout = planTrainer(options, groups);
  const { problem } = options;
  for (const [floats, what] of [
    [layout.vectorsFloats, 'the theory lanes’ vectors'],
    [layout.evalsFloats, 'the theory lanes’ evaluations'],
  ] as const) {
    assertFitsBinding(gpu, floats * 4, what);
  }
  const pipeline = await gpu.pipelines.get(THEORY_SGD_SHADER, 'train', { WG: layout.slotsPerGroup });
  const constants = uploadF32(gpu, constantsOf(layout, problem), 'theory constants');
  const rates = uploadF32(gpu, new Float32Array(averageRates(options.averaging)), 'theory average rates');
  const spec = uploadU32(gpu, specOf(layout, groups, options.evalSteps), 'theory spec');
  const state = createStorage(gpu, layout.stateWords, 'theory state');
  const vectors = uploadF32(gpu, initialVectors(layout, groups, problem.target), 'theory vectors');
  const evals = createStorage(gpu, layout.evalsFloats, 'theory evaluations');
  const baseParams = {
    dim: layout.dim,
    quads: layout.quads,
    slots: layout.slots,
    evalCount: layout.evalCount,
    averages: layout.averages,
    blockSamples: layout.blockSamples,
    blocks: 1,
    laneSpecOffset: layout.laneSpecOffset,
    evalOffset: layout.evalOffset,
    groupStateOffset: layout.groupStateOffset,
    pad0: 0,
    pad1: 0,
    noiseStd: Math.sqrt(problem.effectiveNoiseVariance),
    tail: problem.tailEnergy,
    divergenceLimit: Math.min(3e38, DIVERGENCE_FACTOR * excessRiskOfError(problem, problem.target)),
    pad2: 0,
  };
  const uniforms = params.create(gpu, baseParams, 'theory params');
  const buffers = [uniforms, constants, rates, spec, state, vectors, evals];
  const bindGroup = bindAll(gpu, pipeline, buffers, 'theory-sgd');

  const readState = async () => new Uint32Array((await readBuffers(gpu, [{ buffer: state, bytes: layout.stateWords * 4 }]))[0]);
  const laneStatus = (words: Uint32Array, g: number, l: number) => STATUS[words[STATE_STRIDE * (g * layout.slotsPerGroup + l) + 2]] ?? 'running';

  return {
    groups,
    async advance(samples: number): Promise<void> {
      checkAdvance(samples, layout.blockSamples);
      params.write(gpu, uniforms, { ...baseParams, blocks: samples / layout.blockSamples });
      await runDispatches(gpu, [{ label: 'theory-sgd', pipeline, bindGroup, workgroups: [layout.groups, 1, 1] }], 'theory-sgd');
    },
    async running(): Promise<boolean[]> {
      const words = await readState();
      return groups.map((group, g) => group.lanes.some((_, l) => laneStatus(words, g, l) === 'running'));
    },
    async stop(stopped: readonly number[]): Promise<void> {
      if (stopped.length === 0) return;
      const words = await readState();
      for (const g of stopped) {
        groups[g].lanes.forEach((_, l) => {
          const at = STATE_STRIDE * (g * layout.slotsPerGroup + l) + 2;
          if (words[at] === 0) writeArray(gpu, state, new Uint32Array([STOPPED]), at * 4);
        });
      }
    },
    async results(): Promise<LaneResult[][]> {
      const [stateBytes, evalBytes] = await readBuffers(gpu, [
        { buffer: state, bytes: layout.stateWords * 4 },
        { buffer: evals, bytes: layout.evalsFloats * 4 },
      ]);
      const words = new Uint32Array(stateBytes);
      const risks = new Float32Array(evalBytes);
      const K = layout.averages;
      return groups.map((group, g) =>
        group.lanes.map((_, l) => {
          const slot = g * layout.slotsPerGroup + l;
          const evaluated = words[STATE_STRIDE * slot + 1];
          const at = (j: number, k: number) => risks[(slot * layout.evalCount + j) * (K + 1) + k];
          const js = Array.from({ length: evaluated }, (__, j) => j);
          return {
            status: laneStatus(words, g, l),
            steps: words[STATE_STRIDE * slot],
            evalSteps: options.evalSteps.slice(0, evaluated),
            averageRisk: Array.from({ length: K }, (__, k) => js.map((j) => at(j, k))),
            lastRisk: js.map((j) => at(j, K)),
          };
        }),
      );
    },
    dispose(): void {
      for (const b of buffers) b.destroy();
    },
  };
}

const sampleParams = new UniformLayout([
  { name: 'seed', type: 'u32' },
  { name: 'first', type: 'u32' },
  { name: 'count', type: 'u32' },
  { name: 'dim', type: 'u32' },
  { name: 'quads', type: 'u32' },
  { name: 'noiseStd', type: 'f32' },
  { name: 'pad0', type: 'u32' },
  { name: 'pad1', type: 'u32' },
]);

/**
 * The features and label noise of samples first … first + count − 1 of a seed as the GPU draws
 * them: row s is x_1 … x_M, then ξ (the noise with variance σ² + tail), as the trainer sees them.
 */
export async function drawSamplesGpu(gpu: GpuContext, problem: TheoryProblem, seed: number, first: number, count: number): Promise<Float32Array> {
  const dim = problem.lambda.length;
  const quads = Math.ceil(dim / 4);
  const workgroups = Math.ceil((count * quads) / 64);
  if (workgroups > 65535) throw new RangeError(`draw at most ${65535 * 64} (sample, quad) pairs at once (asked for ${count * quads})`);
  const pipeline = await gpu.pipelines.get(THEORY_SAMPLE_SHADER, 'sample');
  const sqrtLambda = uploadF32(gpu, Float32Array.from(problem.lambda, Math.sqrt), 'theory √λ');
  const out = createStorage(gpu, count * (dim + 1), 'theory samples');
  const uniforms = sampleParams.create(gpu, { seed, first, count, dim, quads, noiseStd: Math.sqrt(problem.effectiveNoiseVariance), pad0: 0, pad1: 0 }, 'theory sample params');
  await runDispatches(gpu, [{ label: 'theory-sample', pipeline, bindGroup: bindAll(gpu, pipeline, [uniforms, sqrtLambda, out], 'theory-sample'), workgroups: [workgroups, 1, 1] }]);
  const [bytes] = await readBuffers(gpu, [{ buffer: out, bytes: count * (dim + 1) * 4 }]);
  for (const b of [sqrtLambda, out, uniforms]) b.destroy();
  return new Float32Array(bytes);
}
