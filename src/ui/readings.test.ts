import { describe, expect, it } from 'vitest';
import { chartModel, type MeasurementAnalysis, type ScalingPanel } from './chart-model';
import { dataGrowthSentence, measurementReading, modelSizeSentence, scalingReading } from './readings';
import { modelSizeResult } from './model-size-result';
import type { RunOutcome } from '../cbs/steps-to-target';
import { syntheticConfig, syntheticResults } from '../experiment/synthetic';

const m = chartModel(syntheticResults(), { resamples: 200 }).measurements[0];

describe('a measurement read aloud', () => {
  it('says what the first and last doubling did, against perfect scaling, and where B* lies', () => {
    const text = measurementReading(m);
    // R(B) as measured at B = 4 … 128 (about 12 + 576/B).
    const r = m.curve.map((p) => p.steps);
    expect(m.curve.map((p) => p.batchSize)).toEqual([4, 8, 16, 32, 64, 128]);
    expect(text).toContain(`Doubling the batch from 4 to 8 sequences cut the steps to target by ${Math.round((1 - r[1] / r[0]) * 100)}% (${r[0]} → ${r[1]} steps); perfect scaling would cut them by 50%.`);
    expect(text).toContain(`From 64 to 128 it cut them by only ${Math.round((1 - r[5] / r[4]) * 100)}% (${r[4]} → ${r[5]} steps).`);
    const bStar = m.cbs!.bStar as number;
    expect(text).toContain(`B* = ${+bStar.toPrecision(3)} sequences (${+(bStar * 32).toPrecision(3)} tokens)`);
    expect(text).toContain('more than 20% more steps than perfect scaling from B = 4');
    expect(text).toMatch(/90% interval [\d.]+ to [\d.]+/);
  });
  it('follows the overhead: a 50% rule reads 50%', () => {
    const loose = chartModel(syntheticResults(), { overhead: 0.5, resamples: 50 }).measurements[0];
    expect(measurementReading(loose)).toContain('more than 50% more steps');
  });
  it('says when there is too little to read, and when B* is an extrapolation or unbounded', () => {
    expect(measurementReading({ ...m, curve: [], unreached: [] })).toMatch(/No batch size has reached the target yet/);
    // Runs that stopped without the target are counted, not called "not yet".
    const censored = (runId: string, batchSize: number): RunOutcome => ({ runId, batchSize, peakLr: 0.01, status: 'censored', replicate: 1, steps: null, censoredAbove: 400, reason: 'censored', interpolated: false });
    const stopped: MeasurementAnalysis = { ...m, curve: [], unreached: [censored('r1', 64), censored('r2', 32)] };
    expect(measurementReading(stopped)).toBe(
      'No batch size has reached the target: 2 runs have stopped short of it (the list of runs that never reached it says why), so there is nothing to read. A point appears for each batch size whose run reaches the target.',
    );
    expect(measurementReading({ ...m, curve: m.curve.slice(0, 1) })).toContain(`Only batch size 4 has reached the target so far (${m.curve[0].steps} steps)`);
    const extrapolated: MeasurementAnalysis = { ...m, cbs: { ...m.cbs!, extrapolated: true } };
    expect(measurementReading(extrapolated)).toContain('B* lies beyond the largest batch measured (128), so it extrapolates the fit');
    const unbounded: MeasurementAnalysis = { ...m, cbs: { ...m.cbs!, status: 'unbounded', bStar: null } };
    expect(measurementReading(unbounded)).toContain('B* is above 128, the largest batch here');
    const noFit: MeasurementAnalysis = { ...m, cbs: { ...m.cbs!, status: 'no-fit', bStar: null, note: 'the fit failed to converge' } };
    expect(measurementReading(noFit)).toContain('There is no B* yet: the fit failed to converge.');
  });
  it('says when there is no interval because too few batch sizes reached the target', () => {
    const two: MeasurementAnalysis = { ...m, curve: m.curve.slice(0, 2), interval: { ...m.interval!, status: 'too-few-points', lower: null, upper: null } };
    expect(measurementReading(two)).toContain('There is no interval yet with only 2 batch sizes at the target: the two-parameter fit has too few points to spare to judge its spread.');
    expect(measurementReading(m)).not.toContain('There is no interval');
  });
  it('says whether the interval includes seed-to-seed variation', () => {
    expect(m.replicates).toBe(1);
    expect(measurementReading(m)).toContain('With one seed, the interval leaves out seed-to-seed variation.');
    const seeds: MeasurementAnalysis = {
      ...m,
      replicates: 3,
      interval: { ...m.interval!, method: 'replicates' },
      replicateBStars: [
        { replicate: 0, bStar: 4.643 },
        { replicate: 1, bStar: 3.567 },
        { replicate: 2, bStar: null },
      ],
    };
    expect(measurementReading(seeds)).toContain("The interval resamples the 3 seeds' runs at each batch size, so it includes seed-to-seed variation; each seed alone gave B* = 4.64, 3.57 and none.");
    // No interval, nothing said about it.
    expect(measurementReading({ ...m, interval: { ...m.interval!, status: 'too-few-points' } })).not.toContain('seed');
  });
  it('says when a doubling did not help at all', () => {
    const flat: MeasurementAnalysis = { ...m, curve: [{ batchSize: 4, steps: 50 }, { batchSize: 8, steps: 50 }] };
    expect(measurementReading(flat)).toContain('Doubling the batch from 4 to 8 sequences did not cut the steps to target at all (50 → 50 steps).');
  });
});

describe('a scaling chart read aloud', () => {
  it('B* against data size: how it moved, the exponent and its interval, and the paper', () => {
    const d2 = syntheticResults({ config: { ...syntheticConfig(), dataSizes: [40_000] }, a: 8, b: 800, seed: 9 });
    const d1 = syntheticResults();
    const panel = chartModel({ ...d1, config: { ...d1.config, dataSizes: [20_000, 40_000] }, runs: [...d1.runs, ...d2.runs], targets: [...d1.targets, ...d2.targets] }, { resamples: 50 }).scaling.vsData;
    const text = scalingReading(panel, 'data');
    expect(text).toMatch(/^B\* grew from [\d.]+k? to [\d.]+k? tokens \(×[\d.]+\) as data size D went from 20k to 40k tokens \(×2\)\./);
    expect(text).toContain(`exponent ${+(panel.fit!.e as number).toPrecision(3)}`);
    expect(text).toContain('The paper finds B* grows with the data size');
  });
  it('with three or more sizes it also says how far they spread about their mean', () => {
    const point = (x: number, y: number) => ({ x, y, label: String(x), err: [0, 0] as [number, number] });
    // The cbs-vs-model preset at seed 1: B* in tokens of 1, 2, 4 and 8 layers (mean 86.9 tokens).
    const panel: ScalingPanel = { points: [point(12448, 74.3), point(24864, 95.7), point(49696, 104.4), point(99360, 73.1)], fit: null, note: null, description: null };
    const text = scalingReading(panel, 'model');
    expect(text).toMatch(/^B\* shrank from 74\.3 to 73\.1 tokens \(×0\.98\) as model size N went from 12\.4k to 99\.4k parameters \(×8\)\./);
    // 104.4 / 86.875 = 1.2017: the largest departure, rounded up.
    expect(text).toContain('Over the 4 sizes B* lay between 73.1 and 104 tokens, each within 21% of their mean.');
    const two: ScalingPanel = { ...panel, points: panel.points.slice(0, 2) };
    expect(scalingReading(two, 'model')).not.toContain('Over the');
  });
  it('with one size it says what it needs', () => {
    const empty: ScalingPanel = { points: [], fit: null, note: 'A power law in model size needs B* at two or more model sizes with the other size held fixed.', description: null };
    expect(scalingReading(empty, 'model')).toMatch(/^A power law in model size needs B\* at two or more model sizes.*The paper finds B\* barely changes with model size/);
  });
});

describe('the worked example headline', () => {
  const d1 = syntheticResults();
  const d2 = syntheticResults({ config: { ...syntheticConfig(), dataSizes: [160_000] }, a: 8, b: 2400, seed: 9 });
  const both = chartModel({ ...d1, config: { ...d1.config, dataSizes: [20_000, 160_000] }, runs: [...d1.runs, ...d2.runs], targets: [...d1.targets, ...d2.targets] }, { resamples: 200 }).measurements;
  it('names both budgets, both B* with their intervals, the ratio, and whether the intervals overlap', () => {
    const [small, large] = [...both].sort((p, q) => p.dataSize - q.dataSize);
    const text = dataGrowthSentence(both) as string;
    const b0 = small.cbs!.bStar as number;
    const b1 = large.cbs!.bStar as number;
    expect(text).toMatch(new RegExp(`^8× the data, ${+(b1 / b0).toPrecision(3)}× the critical batch size: B\\* ≈ `));
    expect(text).toContain(`B* ≈ ${+b0.toPrecision(3)} (${+small.interval!.lower!.toPrecision(3)}–${+small.interval!.upper!.toPrecision(3)}) at 20k tokens and ${+b1.toPrecision(3)} (`);
    const disjoint = small.interval!.upper! < large.interval!.lower!;
    expect(text).toContain(disjoint ? 'The intervals do not overlap' : 'The intervals overlap: this growth is within');
  });
  it('says nothing with one budget', () => {
    expect(dataGrowthSentence([m])).toBeNull();
  });
  it('a drop with disjoint intervals is called a drop, an unbounded interval overlaps what lies above it, and two models are not one', () => {
    const [small, large] = [...both].sort((p, q) => p.dataSize - q.dataSize);
    // The same two budgets with their B* and intervals swapped: B* fell, and the intervals stay apart.
    const fell = [
      { ...small, cbs: large.cbs, interval: { ...large.interval!, lower: 20, upper: 30 } },
      { ...large, cbs: small.cbs, interval: { ...small.interval!, lower: 2, upper: 3 } },
    ];
    expect(dataGrowthSentence(fell)).toContain('The intervals do not overlap: the drop is larger than the uncertainty.');
    const unbounded = [small, { ...large, interval: { ...large.interval!, lower: 1, upper: null, upperUnbounded: true } }];
    expect(dataGrowthSentence(unbounded)).toContain('The intervals overlap: this growth is within the uncertainty.');
    const twoModels = [small, { ...large, nonEmbeddingParams: large.nonEmbeddingParams * 2 }];
    expect(dataGrowthSentence(twoModels)).toBeNull();
  });
});

describe('the model-size worked example headline', () => {
  const measurements = chartModel(modelSizeResult()).measurements;
  it('compares the smallest and the largest model, and says whether every interval overlaps (the range is the chart reading\'s)', () => {
    // The shipped cbs-vs-model result (seed 1): B* 4.643, 5.983, 6.523, 4.567 sequences for 1, 2,
    // 4 and 8 layers (docs/science.md), intervals [3.05, 5.50] … [3.25, 5.76]; the largest lower
    // end (5.39, two layers) lies below the smallest upper end (5.50, one layer).
    const text = modelSizeSentence(measurements) as string;
    // In tokens (context 16), as the chart it heads: 4.643 × 16 = 74.3 and 4.567 × 16 = 73.1.
    expect(text).toMatch(/^8× the parameters, 0\.983× the critical batch size: B\* ≈ 74\.3 \(48\.9–88\) tokens with 12\.4k parameters and 73\.1 \(52–92\.2\) with 99\.4k \(90% intervals in brackets\), all trained on 40k tokens\./);
    expect(text).not.toContain('lay between');
    expect(text).toContain("The 4 models' intervals all overlap: model size moved B* less than the uncertainty.");
  });
  it('says when not every pair of intervals overlaps, and gives nothing for one model, mixed data sizes or mixed contexts', () => {
    const [a, b] = [...measurements].sort((p, q) => p.nonEmbeddingParams - q.nonEmbeddingParams);
    const apart = { ...b, interval: { ...b.interval!, lower: 9, upper: 12 } };
    expect(modelSizeSentence([a, apart])).toContain('Not every pair of intervals overlaps');
    expect(modelSizeSentence([a])).toBeNull();
    expect(modelSizeSentence([a, { ...b, dataSize: 80_000 }])).toBeNull();
    expect(modelSizeSentence([a, { ...b, model: { ...b.model, context: 32 } }])).toBeNull();
  });
});
