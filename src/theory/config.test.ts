import { describe, expect, it } from 'vitest';
import { describeIssues, halfOctave, halfOctaveRates, parseTheoryConfig, validateTheoryConfig, type TheoryConfig } from './config';
import { THEORY_PRESETS, autoDim, defaultTheoryConfig, theoryPreset } from './presets';
import { makeProblem, stepSizeBound } from './problem';

const issuesOf = (patch: Record<string, unknown>) => validateTheoryConfig({ ...defaultTheoryConfig(), ...patch });
const pathsOf = (patch: Record<string, unknown>) => issuesOf(patch).map((i) => i.path);

describe('theory config validation', () => {
  it('the default and every preset are valid, on both branches of the min', () => {
    expect(validateTheoryConfig(defaultTheoryConfig())).toEqual([]);
    for (const name of THEORY_PRESETS) for (const [a, b] of [[2, 4], [2, 3], [1.5, 4.5], [1.25, 4]]) expect(validateTheoryConfig(theoryPreset(name, a, b))).toEqual([]);
    // JSON round trip: a config is plain data with a version, as the lab's codec needs.
    const config = defaultTheoryConfig();
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(config.version).toBe(2);
  });

  it('the presets\' learning rates stop at the last half octave within 1/(2 tr H)', () => {
    for (const name of THEORY_PRESETS) {
      for (const [a, b] of [[2, 4], [3, 5], [2, 8], [1.5, 6]]) {
        const config = theoryPreset(name, a, b);
        const bound = stepSizeBound(makeProblem(config));
        const top = config.learningRates.at(-1)!;
        expect(top).toBeLessThanOrEqual(bound);
        expect(top * Math.SQRT2).toBeGreaterThan(bound);
        expect(config.learningRates[0]).toBe(2 ** (name === 'quick' ? -9 : -12));
      }
    }
    // a = 2, M = 96: tr H = 1.635…, bound 0.306: up to 2^-2.
    expect(theoryPreset('full', 2, 4).learningRates.at(-1)).toBe(0.25);
  });

  it('a version-1 config (a link or file from before) opens as version 2 with its seeds analysed as replicates, as they were', () => {
    const current = defaultTheoryConfig();
    const { seeds: _dropped, ...v1Analysis } = current.analysis;
    const parsed = parseTheoryConfig({ ...current, version: 1, analysis: v1Analysis });
    expect(parsed).toEqual({ ok: true, config: { ...current, analysis: { ...current.analysis, seeds: 'replicates' } } });
    expect(current.analysis.seeds).toBe('mean-risk');
  });

  it('a ≤ 1: the spectrum is not summable', () => {
    for (const a of [1, 0.5, -2]) {
      const issues = issuesOf({ a });
      expect(issues).toHaveLength(1);
      expect(issues[0].path).toBe('a');
      expect(issues[0].message).toMatch(/a must be greater than 1 .*diverges/);
    }
    expect(issuesOf({ a: '2' })[0].message).toMatch(/a must be a number/);
  });

  it('b ≤ 0 and b ≤ 1: the target has no finite energy', () => {
    for (const b of [0, -1]) expect(issuesOf({ b })).toEqual([{ path: 'b', message: expect.stringMatching(/greater than 1 .*b ≤ 0/) }]);
    expect(issuesOf({ b: 1 })).toEqual([{ path: 'b', message: expect.stringMatching(/diverges for b ≤ 1/) }]);
    expect(issuesOf({ b: 1.5 })).toContainEqual({ path: 'b', message: expect.stringMatching(/b = 1.5 ≤ a = 2: the predicted exponent .* is not positive/) });
  });

  it('budgets too small to resolve the target', () => {
    const issues = issuesOf({ budgets: [32, 64] });
    expect(issues.map((i) => i.path)).toEqual(['budgets', 'budgets']);
    expect(issues[0].message).toMatch(/too small to resolve the target: 32 samples give the reference run \(batch 1\) only 32 steps; it needs at least 64/);
    expect(issues[1].message).toMatch(/too small to resolve the target: with 32 samples SGD resolves about 2\.4 directions/);
    // Enough steps but too few directions: more noise makes it worse, not better.
    expect(pathsOf({ budgets: [128, 4096], noiseVariance: 100 })).toContain('budgets');
  });

  it('M too small for the budget', () => {
    const issues = issuesOf({ dim: 32 });
    expect(issues).toEqual([{ path: 'dim', message: expect.stringMatching(/M = 32 is too small for the budget: the largest budget \(65536 samples\) resolves about 16\.0 directions, and M must be at least 4× that \(M ≥ 64\)/) }]);
    expect(autoDim(2, 4, 1, 2 ** 16)).toBe(64);
    expect(autoDim(2, 4, 1, 2 ** 18)).toBe(96); // 4 × 22.6 directions
  });

  it('names every other problem with its path', () => {
    const config = defaultTheoryConfig() as unknown as Record<string, unknown>;
    expect(validateTheoryConfig(null)).toEqual([{ path: '', message: 'a theory config must be an object (got null)' }]);
    expect(pathsOf({ version: 3 })).toEqual(['version']);
    expect(pathsOf({ analysis: { ...defaultTheoryConfig().analysis, seeds: 'mean' } })).toEqual(['analysis.seeds']);
    expect(pathsOf({ kind: 'lm' })).toEqual(['kind']);
    expect(pathsOf({ extra: 1 })).toEqual(['extra']);
    const { seeds: _seeds, ...withoutSeeds } = config;
    expect(validateTheoryConfig(withoutSeeds).map((i) => i.path)).toEqual(['seeds', 'seeds']);
    expect(pathsOf({ budgets: [4096] })).toEqual(['budgets']);
    expect(pathsOf({ budgets: [4096, 4096.5] })).toEqual(['budgets[1]']);
    expect(pathsOf({ batchSizes: [1, 4] })).toEqual(['batchSizes', 'referenceBatch']);
    expect(pathsOf({ batchSizes: [1, 4, 4] })).toEqual(['batchSizes', 'referenceBatch']);
    expect(pathsOf({ referenceBatch: 3 })).toEqual(['referenceBatch']);
    expect(pathsOf({ batchSizes: [1, 3, 16], referenceBatch: 3 })).toEqual(['budgets[0]', 'budgets[1]', 'budgets[2]', 'budgets[3]', 'budgets[4]']);
    expect(issuesOf({ referenceBatch: 4096 })).toEqual([{ path: 'budgets', message: expect.stringMatching(/only 1 steps; it needs at least 64, i.e. a budget of at least 262144/) }]);
    expect(pathsOf({ learningRates: [0.1, -1] })).toEqual(['learningRates[1]']);
    expect(pathsOf({ learningRates: Array.from({ length: 65 }, (_, i) => (i + 1) / 100) })).toEqual(['learningRates']);
    expect(pathsOf({ noiseVariance: 0 })).toEqual(['noiseVariance']);
    expect(pathsOf({ dim: 5000 })).toEqual(['dim']);
    expect(pathsOf({ averaging: { kind: 'ewa', decays: [0.9, 1] } })).toEqual(['averaging.decays[1]']);
    expect(pathsOf({ averaging: { kind: 'polyak' } })).toEqual(['averaging']);
    expect(pathsOf({ sampleCap: 0.5 })).toEqual(['sampleCap']);
    expect(pathsOf({ analysis: { ...defaultTheoryConfig().analysis, level: 1, baselineBatch: 2 } })).toEqual(['analysis.baselineBatch', 'analysis.level']);
    // src/cbs bootstraps every B* with at least 10 resamples: there is no 'no bootstrap'.
    expect(pathsOf({ analysis: { ...defaultTheoryConfig().analysis, bootstrapResamples: 0 } })).toEqual(['analysis.bootstrapResamples']);
    expect(pathsOf({ seeds: [1, 1] })).toEqual(['seeds']);
  });

  it('parse returns the config or the issues, which read as lines', () => {
    const ok = parseTheoryConfig(defaultTheoryConfig());
    expect(ok.ok).toBe(true);
    const bad = parseTheoryConfig({ ...defaultTheoryConfig(), a: 1, dim: 0 } satisfies Partial<TheoryConfig>);
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(describeIssues(bad.issues).split('\n')).toEqual([expect.stringMatching(/^a: a must be greater than 1/), expect.stringMatching(/^dim: the model dimension M/)]);
  });
});

describe('half-octave learning rates', () => {
  it('are 2^(k/2) correctly rounded, computed without pow for odd k', () => {
    // Correctly rounded values (Python's decimal module, 40 digits, rounded to double).
    expect(halfOctave(-9)).toBe(0.04419417382415922);
    expect(halfOctave(-17)).toBe(0.0027621358640099515);
    expect(halfOctave(1)).toBe(Math.SQRT2);
    expect(halfOctave(-18)).toBe(2 ** -9);
    expect(halfOctaveRates(-1, 1)).toEqual([0.5, Math.SQRT1_2, 1, Math.SQRT2, 2]);
  });
});
