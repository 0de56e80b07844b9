// Small cases on which the GPU trainer must match its float64 reference: the same samples, the
// same lanes, the same evaluations and stops. Shared by the command that runs them on the GPU
// (trainer.check.cli.ts) and the test that holds its output against the reference
// (trainer.gpu.test.ts). Every case exercises something: a dimension that is not a multiple of 4,
// batch sizes that do not divide the block, several seeds, a group stop, a cap, a divergence,
// the uniform average and several EWA decays.
import { evalSchedule, type LaneGroup, type TrainerOptions } from './lanes';
import { makeProblem, type ProblemSpec } from './problem';
import { ReferenceTrainer } from './trainer.ref';
import { blockSamplesFor } from './trainer.plan';

export interface CheckCase {
  name: string;
  options: TrainerOptions;
  groups: LaneGroup[];
  /** Samples to process (a multiple of the block). */
  samples: number;
  /** The samples drawn for the sample check: seed, first index, count. */
  draw: { seed: number; first: number; count: number };
}

interface CaseSpec {
  name: string;
  problem: ProblemSpec;
  averaging: TrainerOptions['averaging'];
  groups: LaneGroup[];
  maxStep: number;
  /** Group whose stopBelow is placed between two of its evaluations, so that it stops for sure. */
  stopGroup: number;
  draw: CheckCase['draw'];
}

const SPECS: CaseSpec[] = [
  {
    name: 'uniform average, M = 13',
    problem: { a: 2, b: 4, dim: 13, noiseVariance: 0.5 },
    averaging: { kind: 'uniform' },
    groups: [
      { seed: 7, stopBelow: -1, lanes: [{ batchSize: 1, lr: 0.05, maxSteps: 400 }, { batchSize: 1, lr: 0.2, maxSteps: 250 }, { batchSize: 3, lr: 0.3, maxSteps: 150 }] },
      // More lanes than one SIMD group of the CPU emulator (4): the stop must reach all of them.
      {
        seed: 9,
        stopBelow: -1,
        lanes: [0.4, 0.1, 0.05, 0.2, 0.3, 0.6, 0.02].map((lr) => ({ batchSize: 5, lr, maxSteps: 200 })),
      },
      { seed: 4000000000, stopBelow: -1, lanes: [{ batchSize: 8, lr: 3, maxSteps: 100 }, { batchSize: 2, lr: 0.5, maxSteps: 300 }] },
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
      { seed: 1, stopBelow: -1, lanes: [{ batchSize: 2, lr: 0.1, maxSteps: 300 }, { batchSize: 7, lr: 0.5, maxSteps: 120 }, { batchSize: 7, lr: 1, maxSteps: 120 }] },
      { seed: 2, stopBelow: -1, lanes: [{ batchSize: 16, lr: 1.5, maxSteps: 60 }] },
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

/** The check cases, every group's stopBelow still −1 (never stop). */
export function checkCases(): CheckCase[] {
  return SPECS.map((spec) => {
    const options: TrainerOptions = {
      problem: makeProblem(spec.problem),
      averaging: spec.averaging,
      evalSteps: evalSchedule(spec.maxStep, 8, [], 16),
      blockSamples: blockSamplesFor(spec.problem.dim),
    };
    const groups = spec.groups.map((g) => ({ ...g, lanes: g.lanes.map((l) => ({ ...l })) }));
    return { name: spec.name, options, groups, samples: samplesFor(groups, options.blockSamples), draw: spec.draw };
  });
}

/**
 * The check cases with one group's stopBelow placed from a float64 run without stops: the
 * geometric mean of its best averaged risk so far at two consecutive evaluations a third of the
 * way in, where they differ by more than 5%, so that float32 rounding cannot move the stop.
 */
export async function checkCasesWithStops(): Promise<CheckCase[]> {
  const cases = checkCases();
  for (const [ci, c] of cases.entries()) {
    const spec = SPECS[ci];
    const free = new ReferenceTrainer(c.options, c.groups);
    await free.advance(c.samples);
    const lanes = (await free.results())[spec.stopGroup];
    const best = c.options.evalSteps.map((_, j) => Math.min(...lanes.flatMap((l) => (j < l.evalSteps.length ? l.averageRisk.map((r) => r[j]) : [Infinity]))));
    const running = best.map((_, j) => Math.min(...best.slice(0, j + 1)));
    const third = Math.floor(running.filter(Number.isFinite).length / 3);
    let j = third;
    while (j + 1 < running.length && !(running[j] > 1.05 * running[j + 1])) j++;
    if (j + 1 >= running.length) throw new Error(`check case "${c.name}": no evaluation step to place the stop at`);
    c.groups[spec.stopGroup].stopBelow = Math.sqrt(running[j] * running[j + 1]);
  }
  return cases;
}
