import { describe, expect, it } from 'vitest';
import { bootstrapCbs, quantileSorted } from './bootstrap';
import { cbsClosedForm } from './cbs';
import { fitPaperCurve } from './fit';
import { noisyCurve } from './synthetic';

const POWERS = [16, 32, 64, 128, 256, 512, 1024, 2048];
const asRuns = (pts: { batchSize: number; steps: number }[]) => pts.map((p) => ({ batchSize: p.batchSize, steps: [p.steps] }));

describe('bootstrapCbs', () => {
  it('says there are too few points below 3 distinct batch sizes, with no interval', () => {
    const iv = bootstrapCbs(asRuns(noisyCurve(200, 6400, [8, 16], 0.05, 1)), 8, 0.2);
    expect(iv.status).toBe('too-few-points');
    expect(iv.lower).toBeNull();
    expect(iv.upper).toBeNull();
    expect(iv.note).toMatch(/only 2 batch sizes reached the target: a bootstrap interval needs at least 3/);
    // Runs that never reached the target do not count as points.
    const withUnreached = bootstrapCbs([...asRuns(noisyCurve(200, 6400, [8, 16], 0.05, 1)), { batchSize: 32, steps: [null, null] }], 8, 0.2);
    expect(withUnreached.status).toBe('too-few-points');
  });

  it('is deterministic for a seed, brackets the point estimate, and changes with the seed', () => {
    const pts = noisyCurve(1000, 400000, POWERS, 0.05, 3);
    const a = bootstrapCbs(asRuns(pts), 16, 0.2, { resamples: 300, seed: 9 });
    const b = bootstrapCbs(asRuns(pts), 16, 0.2, { resamples: 300, seed: 9 });
    const c = bootstrapCbs(asRuns(pts), 16, 0.2, { resamples: 300, seed: 10 });
    expect(a).toEqual(b);
    expect(c.lower).not.toBe(a.lower);
    const fit = fitPaperCurve(pts);
    const point = cbsClosedForm(fit.a as number, fit.b as number, 16, 0.2);
    expect(a.status).toBe('ok');
    expect(a.lower as number).toBeLessThan(point);
    expect(a.upper as number).toBeGreaterThan(point);
    expect(a.used + a.discarded).toBe(300);
  });

  it('covers the true B* in most of 30 seeded data sets (percentile bootstrap on 8 points; measured 24/30 at 90%)', () => {
    const truth = cbsClosedForm(1000, 400000, 16, 0.2);
    let covered = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const iv = bootstrapCbs(asRuns(noisyCurve(1000, 400000, POWERS, 0.05, seed)), 16, 0.2, { resamples: 200, seed });
      expect(iv.status).toBe('ok');
      if ((iv.lower as number) <= truth && (iv.upperUnbounded || truth <= (iv.upper as number))) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(21);
  });

  it('runs method: with one run per batch size there is no spread, and the note says so', () => {
    const pts = noisyCurve(200, 6400, [4, 8, 16, 32, 64], 0.05, 2);
    const iv = bootstrapCbs(asRuns(pts), 4, 0.2, { method: 'runs', resamples: 50 });
    expect(iv.status).toBe('ok');
    expect(iv.lower).toBeCloseTo(iv.upper as number, 9);
    expect(iv.note).toMatch(/no spread/);
  });

  it('runs method: several runs per batch size give a spread; residuals method works with the fixed design', () => {
    const runs = [4, 8, 16, 32, 64].map((B, i) => ({ batchSize: B, steps: [1, 1.1, 1.25].map((f, j) => (200 + 6400 / B) * f * (1 + 0.03 * (((i + j) % 3) - 1))) }));
    const iv = bootstrapCbs(runs, 4, 0.2, { method: 'runs', resamples: 200 });
    expect(iv.status).toBe('ok');
    expect((iv.upper as number) - (iv.lower as number)).toBeGreaterThan(0);
    const res = bootstrapCbs(asRuns(noisyCurve(200, 6400, [4, 8, 16, 32, 64], 0.05, 4)), 4, 0.2, { method: 'residuals', resamples: 200 });
    expect(res.status).toBe('ok');
    expect(res.lower as number).toBeLessThan(res.upper as number);
  });

  it('near-linear data: resamples that fit a = 0 make the upper end unbounded (null), never Infinity in JSON', () => {
    const pts = POWERS.map((B, i) => ({ batchSize: B, steps: (1e6 / B) * (1 + 0.04 * ((i % 2) * 2 - 1)) + 1 }));
    const iv = bootstrapCbs(asRuns(pts), 16, 0.2, { resamples: 200 });
    expect(iv.status).toBe('ok');
    expect(iv.unbounded).toBeGreaterThan(0);
    expect(iv.upperUnbounded).toBe(true);
    expect(iv.upper).toBeNull();
    expect(JSON.stringify(iv)).not.toMatch(/Infinity|NaN/);
  });

  it('type-7 quantiles: hand numbers', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.05)).toBeCloseTo(1.15, 12);
    expect(quantileSorted([1, 2, Infinity], 0.9)).toBe(Infinity);
  });
});
