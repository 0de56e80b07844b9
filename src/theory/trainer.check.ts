// Small cases on which the GPU trainer must match its float64 reference: the same samples, the
// same lanes, the same evaluations and stops. Shared by the command that runs them on the GPU
// (trainer.check.cli.ts) and the test that holds its output against the reference
// (trainer.gpu.test.ts). Every case exercises something: a dimension that is not a multiple of 4,
// batch sizes that do not divide the block, several seeds, more lanes than one SIMD group, a stop
// between advances, a cap, a divergence, the uniform average and several EWA decays.
import { evalSchedule, type LaneGroup, type LaneResult, type TrainerOptions, type TrainerSession } from './lanes';
import { makeProblem, type ProblemSpec } from './problem';
import { blockSamplesFor } from './trainer.plan';

export interface CheckCase {
  name: string;
  options: TrainerOptions;
  groups: LaneGroup[];
  /** Samples to process (a multiple of the block). */
  samples: number;
  /** The group stopped after the first half of the samples. */
  stopGroup: number;
  /** The samples drawn for the sample check: seed, first index, count. */
  draw: { seed: number; first: number; count: number };
}

interface CaseSpec {
  name: string;
  problem: ProblemSpec;
  averaging: TrainerOptions['averaging'];
  groups: LaneGroup[];
  maxStep: number;
  /** The group stopped after the first half of the samples. */
  stopGroup: number;
  draw: CheckCase['draw'];
}

const SPECS: CaseSpec[] = [
  {
    name: 'uniform average, M = 13',
    problem: { a: 2, b: 4, dim: 13, noiseVariance: 0.5 },
    averaging: { kind: 'uniform' },
    groups: [
      { seed: 7, lanes: [{ batchSize: 1, lr: 0.05, maxSteps: 400 }, { batchSize: 1, lr: 0.2, maxSteps: 250 }, { batchSize: 3, lr: 0.3, maxSteps: 150 }] },
      // More lanes than one SIMD group of the CPU emulator (4): the stop must reach all of them.
      {
        seed: 9,
        lanes: [0.4, 0.1, 0.05, 0.2, 0.3, 0.6, 0.02].map((lr) => ({ batchSize: 5, lr, maxSteps: 200 })),
      },
      { seed: 4000000000, lanes: [{ batchSize: 8, lr: 3, maxSteps: 100 }, { batchSize: 2, lr: 0.5, maxSteps: 300 }] },
    ],
    maxStep: 400,
    stopGroup: 1,
    draw: { seed: 7, first: 123, count: 50 },
  },
  {
    name: 'EWA with two decays, M = 37',
    problem: { a: 1.5, b: 3, dim: 37, noiseVariance: 1 },
    averaging: { kind: 'ewa', decays: [0.9, 0.99] },
    groups: [
      { seed: 1, lanes: [{ batchSize: 2, lr: 0.1, maxSteps: 300 }, { batchSize: 7, lr: 0.5, maxSteps: 120 }, { batchSize: 7, lr: 1, maxSteps: 120 }] },
      { seed: 2, lanes: [{ batchSize: 16, lr: 1.5, maxSteps: 60 }] },
    ],
    maxStep: 300,
    stopGroup: 0,
    draw: { seed: 2, first: 0, count: 20 },
  },
];

function samplesFor(groups: LaneGroup[], block: number): number {
  const most = Math.max(...groups.flatMap((g) => g.lanes.map((l) => l.maxSteps * l.batchSize)));
  return Math.ceil(most / block) * block;
}

/** The check cases. */
export function checkCases(): CheckCase[] {
  return SPECS.map((spec) => {
    const options: TrainerOptions = {
      problem: makeProblem(spec.problem),
      averaging: spec.averaging,
      evalSteps: evalSchedule(spec.maxStep, 8, [], 16),
      blockSamples: blockSamplesFor(spec.problem.dim),
    };
    const groups = spec.groups.map((g) => ({ ...g, lanes: g.lanes.map((l) => ({ ...l })) }));
    return { name: spec.name, options, groups, samples: samplesFor(groups, options.blockSamples), stopGroup: spec.stopGroup, draw: spec.draw };
  });
}

/** How a case runs on either trainer: half the samples, the stop, the rest (state must carry over between advances). */
export async function runCheckCase(c: CheckCase, session: TrainerSession): Promise<LaneResult[][]> {
  const half = Math.ceil(c.samples / 2 / c.options.blockSamples) * c.options.blockSamples;
  await session.advance(half);
  await session.stop([c.stopGroup]);
  await session.advance(Math.max(c.samples - half, c.options.blockSamples));
  return session.results();
}
