import { beforeAll, describe, expect, it } from 'vitest';
import type { TheoryConfig } from './config';
import { analyzeTheoryRuns, runTheoryExperiment, type TheoryResults } from './experiment';
import type { TrainerSession } from './lanes';
import { tinyTheoryConfig } from './presets';
import { resampleSeeds, seedBootstrap } from './seed-bootstrap';
import { ReferenceTrainer } from './trainer.ref';

const onCpu = async (...args: ConstructorParameters<typeof ReferenceTrainer>): Promise<TrainerSession> => new ReferenceTrainer(...args);

describe('seed bootstrap of the exponent (float64 reference, 4 seeds)', () => {
  // Seeds that are not 1…4, so that the relabelling of resampled seeds shows.
  const config: TheoryConfig = { ...tinyTheoryConfig(), seeds: [3, 5, 7, 9] };
  let results: TheoryResults;
  beforeAll(async () => {
    results = await runTheoryExperiment(config, onCpu);
  });

  it('drawing every seed once, in order, analyses to the same numbers as the experiment', () => {
    const same = resampleSeeds(config, results.runs, [3, 5, 7, 9]);
    expect(same.config.seeds).toEqual([1, 2, 3, 4]);
    expect(same.runs).toHaveLength(results.runs.length);
    const again = analyzeTheoryRuns(same.config, same.runs);
    expect(again.measured).toBe(results.measured);
    expect(again.crossing.measured).toBe(results.crossing.measured);
    expect(again.outcomes.map((o) => [o.target, o.bStar, o.crossing])).toEqual(results.outcomes.map((o) => [o.target, o.bStar, o.crossing]));
  });

  it('a seed drawn four times is that seed alone: its runs, relabelled, in the experiment\'s order', () => {
    const four = resampleSeeds(config, results.runs, [7, 7, 7, 7]);
    const alone = results.runs.filter((r) => r.seed === 7);
    expect(four.runs).toHaveLength(4 * alone.length);
    expect(four.runs.filter((r) => r.seed === 2).map(({ seed: _, ...rest }) => rest)).toEqual(alone.map(({ seed: _, ...rest }) => rest));
    // The seed-mean of four copies is the copy (to rounding): the same targets and B* as seed 7 analysed alone.
    const copies = analyzeTheoryRuns(four.config, four.runs);
    const single = analyzeTheoryRuns({ ...config, seeds: [7] }, alone);
    copies.outcomes.forEach((o, i) => {
      expect(o.target).toBeCloseTo(single.outcomes[i].target, 14);
      if (single.outcomes[i].bStar === null) expect(o.bStar).toBeNull();
      else expect(o.bStar).toBeCloseTo(single.outcomes[i].bStar as number, 6);
    });
  });

  it('gives ordered percentile intervals, the same for the same seed; none for identical seeds or too few seeds', () => {
    const options = { resamples: 40, level: 0.9, seed: 1 };
    const boot = seedBootstrap(config, results.runs, options);
    expect(boot.status).toBe('ok');
    expect(boot.used.fit).toBeGreaterThanOrEqual(20);
    const [lo, hi] = boot.fit as [number, number];
    expect(lo).toBeLessThan(hi);
    expect(seedBootstrap(config, results.runs, options)).toEqual(boot);
    const copies = resampleSeeds(config, results.runs, [5, 5, 5, 5]);
    const degenerate = seedBootstrap(copies.config, copies.runs, options);
    expect(degenerate.status).toBe('degenerate');
    expect(degenerate.fit).toBeNull();
    expect(degenerate.note).toMatch(/seeds do not differ/);
    const two = seedBootstrap({ ...config, seeds: [3, 5] }, results.runs.filter((r) => r.seed <= 5), options);
    expect(two.status).toBe('too-few-seeds');
    expect(two.fit).toBeNull();
  });
});
