import { describe, expect, it } from 'vitest';
import { analyzeResults } from '../../src/cbs/report';
import { syntheticConfig, syntheticResults } from '../../src/experiment/synthetic';
import { formatSummary } from './summary';

const fast = { bootstrap: { method: 'points' as const, level: 0.9, resamples: 200, seed: 1, minPoints: 4 } };

describe('the headless summary', () => {
  it('ends with how B* moved across data sizes: both ends in tokens, the ratio, whether the intervals are disjoint, the exponent', () => {
    // Two budgets of one model, the second with a larger noise scale b (so a larger B*).
    const small = syntheticResults();
    const large = syntheticResults({ config: { ...syntheticConfig(), dataSizes: [80_000] }, a: 8, b: 1600, seed: 9 });
    const both = { ...small, config: { ...small.config, dataSizes: [20_000, 80_000] }, runs: [...small.runs, ...large.runs], targets: [...small.targets, ...large.targets] };
    const report = analyzeResults(both, fast);
    const [g20, g80] = [...report.groups].sort((p, q) => (p.dataSize ?? 0) - (q.dataSize ?? 0));
    const line = formatSummary(report)
      .split('\n')
      .find((l) => l.startsWith('B* against data size'));
    const ratio = (g80.cbs.bStar as number) / (g20.cbs.bStar as number);
    const disjoint = (g20.interval.upper as number) < (g80.interval.lower as number);
    const fit = report.scaling.find((s) => s.against === 'dataSize')!.fit;
    expect(line).toBe(
      `B* against data size: ${+(g20.bStarTokens as number).toPrecision(4)} tokens at D = 20000 to ${+(g80.bStarTokens as number).toPrecision(4)} tokens at D = 80000 ` +
        `(×${+ratio.toPrecision(3)} for ×4); their 90% intervals ${disjoint ? 'are disjoint' : 'overlap'}; B* ∝ D^${+(fit.e as number).toPrecision(3)}`,
    );
    // The exponent of two points is the log-ratio: B* ∝ D^e with 4^e = the ratio.
    expect(fit.e as number).toBeCloseTo(Math.log(ratio) / Math.log(4), 9);
  });

  it('says nothing about scaling with one data size', () => {
    expect(formatSummary(analyzeResults(syntheticResults(), fast))).not.toMatch(/B\* against/);
  });
});
