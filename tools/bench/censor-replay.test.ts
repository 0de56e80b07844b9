import { describe, expect, it } from 'vitest';
import { syntheticResults } from '../../src/experiment/synthetic';
import { analyzeResults } from '../../src/cbs/report';
import { censorReplay, formatCensorReplay } from './censor-replay';
import { sweepCostReport } from './sweep-report';

// One learning rate, R(B) = 12 + 576/B at B = 4 … 128 (recorded at evaluation steps, with the
// generator's seeded spread: 161, 88, 48, 30, 21, 17): against linear scaling from B = 4
// (R(4)·4/B), R(32) is 1.5×, R(64) 2.1× and R(128) 3.4×.
const results = syntheticResults({ learningRates: [1e-2] });
const sweep = results.runs.filter((r) => r.spec.role === 'sweep');
const at = (B: number) => sweep.find((r) => r.spec.batchSize === B)!;
const tokens = (steps: number, B: number) => steps * B * results.config.models[0].context;

describe('the censoring bound, replayed', () => {
  it('with no run beyond the bound, it is the experiment as recorded: the analysis B* and the cost report economy', () => {
    const [replay] = censorReplay(results, [4]);
    const report = analyzeResults(results);
    expect(replay.groups).toHaveLength(1);
    expect(replay.groups[0].censored).toEqual([]);
    expect(replay.groups[0].bStar).toBeCloseTo(report.groups[0].cbs.bStar as number, 9);
    const economy = sweepCostReport(results, { trainSeconds: 1, adapter: null, estimate: null, costModel: null, progress: [] }).economy.ratio as number;
    expect(replay.economy).toBeCloseTo(economy, 12);
  });

  it('a smaller factor censors the runs beyond it at ceil(k·R(B_min)·B_min/B) steps, and counts what they would have spent', () => {
    const base = at(4).stepsToTarget as number;
    const reference = results.runs.filter((r) => r.spec.role === 'reference').reduce((s, r) => s + r.tokensDone, 0);
    const [three, two] = censorReplay(results, [3, 1.9]);
    expect(three.groups[0].censored).toEqual([128]);
    expect(two.groups[0].censored).toEqual([64, 128]);
    // By hand at k = 1.9: B = 64 and 128 stop at their bounds; the others are spent and won as recorded.
    const bound = (B: number) => Math.ceil((1.9 * base * 4) / B);
    const kept = [4, 8, 16, 32];
    const spent = reference + kept.reduce((s, B) => s + at(B).tokensDone, 0) + tokens(bound(64), 64) + tokens(bound(128), 128);
    const winners = kept.reduce((s, B) => s + tokens(at(B).stepsToTarget as number, B), 0);
    expect(two.economy).toBeCloseTo(spent / winners, 12);
    // Censoring the largest batches at a lower bound leaves B* where the points below say it is.
    expect(two.groups[0].bStar).not.toBeNull();
    expect(formatCensorReplay([three, two])).toContain('× 1.9: D = 20000, N = ');
    expect(formatCensorReplay([three, two])).toContain('censored B = 64, 128');
  });
});
