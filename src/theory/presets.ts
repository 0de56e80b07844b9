// Ready-made theory experiments for a given (a, b): the budgets, batch sizes, learning rates and
// seeds, with M chosen from the budgets so that B* does not depend on it.
import { DEFAULT_THEORY_ANALYSIS, DIM_HEADROOM, THEORY_CONFIG_VERSION, halfOctaveRates, powersOfTwo, type TheoryConfig } from './config';
import { makeProblem, resolvedDirections, stepSizeBound } from './problem';
import { MAX_THEORY_DIM } from './trainer.plan';

export const THEORY_PRESETS = ['quick', 'full', 'large'] as const;
export type TheoryPresetName = (typeof THEORY_PRESETS)[number];

export const PRESET_DESCRIPTIONS: Record<TheoryPresetName, string> = {
  quick: '5 budgets from 2^12 to 2^16 samples (16×), batch sizes 1…4096 by 4×, learning rates from 2^-9 by half octaves up to 1/(2 tr H), 2 seeds: the default, under a minute on the CPU emulator',
  full: '7 budgets from 2^12 to 2^18 samples (64×), batch sizes 1…16384 by 2×, learning rates from 2^-12 by half octaves up to 1/(2 tr H), 6 seeds',
  large: 'as full, with budgets from 2^14 to 2^20 samples (4× the samples of full)',
};

const BUDGETS: Record<TheoryPresetName, number[]> = { quick: powersOfTwo(12, 16), full: powersOfTwo(12, 18), large: powersOfTwo(14, 20) };

/**
 * The smallest multiple of 16 for M that holds DIM_HEADROOM × the directions the largest budget
 * resolves, computed with the tail of that M (the tail counts as noise).
 */
export function autoDim(a: number, b: number, noiseVariance: number, largestBudget: number): number {
  for (let dim = 16; dim <= MAX_THEORY_DIM; dim += 16) {
    const problem = makeProblem({ a, b, dim, noiseVariance });
    if (dim >= DIM_HEADROOM * resolvedDirections(problem, largestBudget)) return dim;
  }
  return MAX_THEORY_DIM;
}

/** A preset for (a, b); `budgets` replaces the preset's (M is then sized from them). */
export function theoryPreset(name: TheoryPresetName, a: number, b: number, noiseVariance = 1, budgets = BUDGETS[name]): TheoryConfig {
  const quick = name === 'quick';
  // a ≤ 1 or b ≤ 1 have no problem to size M for: validation says why.
  const valid = a > 1 && b > 1;
  const dim = valid ? autoDim(a, b, noiseVariance, Math.max(...budgets)) : 64;
  // Half octaves up to the theory's step-size range (stepSizeBound), at most 2 = 2/λ_1.
  const bound = valid ? stepSizeBound(makeProblem({ a, b, dim, noiseVariance })) : 2;
  return {
    version: THEORY_CONFIG_VERSION,
    kind: 'theory',
    a,
    b,
    dim,
    noiseVariance,
    budgets,
    batchSizes: quick ? powersOfTwo(0, 12, 2) : powersOfTwo(0, 14),
    learningRates: halfOctaveRates(quick ? -9 : -12, 1).filter((rate) => rate <= bound),
    learningRateSearch: 'monotone',
    averaging: { kind: 'uniform' },
    seeds: quick ? [1, 2] : [1, 2, 3, 4, 5, 6],
    referenceBatch: 1,
    sampleCap: 16,
    evalsPerOctave: 16,
    analysis: { ...DEFAULT_THEORY_ANALYSIS },
  };
}

/** The lab's default theory experiment: the quick preset at a = 2, b = 4 (predicted exponent 1/2). */
export function defaultTheoryConfig(): TheoryConfig {
  return theoryPreset('quick', 2, 4);
}

/**
 * A theory experiment small enough for the float64 reference to run in about a second: what the
 * tests, and anyone trying the lab's machinery on a CPU, start from.
 */
export function tinyTheoryConfig(): TheoryConfig {
  return {
    ...defaultTheoryConfig(),
    dim: 32,
    budgets: [512, 1024, 2048],
    batchSizes: [1, 4, 16, 64],
    learningRates: halfOctaveRates(-6, 1),
    seeds: [1, 2],
    analysis: { ...DEFAULT_THEORY_ANALYSIS, bootstrapResamples: 20 },
  };
}
