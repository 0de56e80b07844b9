import { describe, expect, it } from 'vitest';
import { bootstrapCbs, intervalsDisjoint, intervalSpan, quantileSorted, type BootstrapInterval } from './bootstrap';
import { cbsClosedForm } from './cbs';
import { fitPaperCurve } from './fit';
import { noisyCurve } from './synthetic';

const POWERS = [16, 32, 64, 128, 256, 512, 1024, 2048];

describe('bootstrapCbs', () => {
  it('gives no interval with three points or fewer (no residual freedom), nor with under 3 batch sizes that reached the target', () => {
    const three = bootstrapCbs(noisyCurve(200, 6400, [8, 16, 32], 0.05, 1), 8, 0.2);
    expect(three.status).toBe('too-few-points');
    expect(three.lower).toBeNull();
    expect(three.upper).toBeNull();
    expect(three.note).toMatch(/3 points over 3 batch sizes that reached the target: an interval needs at least 4 points/);
    // Censored points do not count as batch sizes that reached the target.
    const censored = bootstrapCbs([...noisyCurve(200, 6400, [8, 16], 0.05, 1), { batchSize: 32, steps: 900, censored: true }, { batchSize: 64, steps: 900, censored: true }], 8, 0.2);
    expect(censored.status).toBe('too-few-points');
  });

  it('never prints a zero-width interval: a design where every resample gives the same B* is degenerate', () => {
    // Two replicates that agree exactly at every batch size: resampling replicates changes nothing.
    const curve = noisyCurve(200, 6400, [4, 8, 16, 32], 0, 1);
    const iv = bootstrapCbs([...curve, ...curve], 4, 0.2, { resamples: 50 });
    expect(iv.method).toBe('replicates');
    expect(iv.status).toBe('degenerate');
    expect(iv.lower).toBeNull();
    expect(iv.upper).toBeNull();
    expect(iv.note).toMatch(/cannot show its uncertainty/);
  });

  it('is deterministic for a seed, brackets the point estimate, and changes with the seed', () => {
    const pts = noisyCurve(1000, 400000, POWERS, 0.05, 3);
    const a = bootstrapCbs(pts, 16, 0.2, { resamples: 300, seed: 9 });
    const b = bootstrapCbs(pts, 16, 0.2, { resamples: 300, seed: 9 });
    const c = bootstrapCbs(pts, 16, 0.2, { resamples: 300, seed: 10 });
    expect(a.method).toBe('points');
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
      const iv = bootstrapCbs(noisyCurve(1000, 400000, POWERS, 0.05, seed), 16, 0.2, { resamples: 200, seed });
      expect(iv.status).toBe('ok');
      if ((iv.lower as number) <= truth && (iv.upperUnbounded || truth <= (iv.upper as number))) covered++;
    }
    expect(covered).toBeGreaterThanOrEqual(21);
  });

  it('replicates method: one replicate per batch size has no spread, and the note says so', () => {
    const pts = noisyCurve(200, 6400, [4, 8, 16, 32, 64], 0.05, 2);
    const iv = bootstrapCbs(pts, 4, 0.2, { method: 'replicates', resamples: 50 });
    expect(iv.status).toBe('degenerate');
    expect(iv.lower).toBeNull();
  });

  it('replicates method: seed replicates give a spread that covers each replicate\'s own B*; residuals method works with the fixed design', () => {
    const replicates = [1, 2, 3].map((seed) => noisyCurve(200, 6400, [4, 8, 16, 32, 64], 0.08, seed));
    const iv = bootstrapCbs(replicates.flat(), 4, 0.2, { resamples: 400 });
    expect(iv.method).toBe('replicates');
    expect(iv.status).toBe('ok');
    expect((iv.upper as number) - (iv.lower as number)).toBeGreaterThan(0);
    const own = replicates.map((pts) => {
      const f = fitPaperCurve(pts);
      return cbsClosedForm(f.a as number, f.b as number, 4, 0.2);
    });
    // The interval spans the replicates' spread (the pooled fit sits among them).
    expect(iv.lower as number).toBeLessThanOrEqual(Math.max(...own));
    expect(iv.upper as number).toBeGreaterThanOrEqual(Math.min(...own));
    const res = bootstrapCbs(noisyCurve(200, 6400, [4, 8, 16, 32, 64], 0.05, 4), 4, 0.2, { method: 'residuals', resamples: 200 });
    expect(res.status).toBe('ok');
    expect(res.lower as number).toBeLessThan(res.upper as number);
  });

  it('near-linear data: resamples that fit a = 0 make the upper end unbounded (null), never Infinity in JSON', () => {
    const pts = POWERS.map((B, i) => ({ batchSize: B, steps: (1e6 / B) * (1 + 0.04 * ((i % 2) * 2 - 1)) + 1 }));
    const iv = bootstrapCbs(pts, 16, 0.2, { resamples: 200 });
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

describe('intervalsDisjoint', () => {
  const iv = (lower: number | null, upper: number | null, status: BootstrapInterval['status'] = 'ok'): BootstrapInterval => ({
    status,
    note: null,
    method: 'points',
    level: 0.9,
    resamples: 100,
    seed: 1,
    lower,
    upper,
    upperUnbounded: lower !== null && upper === null,
    median: null,
    used: 100,
    discarded: 0,
    unbounded: 0,
  });
  it('apart in either order, touching or overlapping is not disjoint, an unbounded one reaches everything above its lower end', () => {
    expect(intervalsDisjoint(iv(3.05, 5.5), iv(5.76, 10.5))).toBe(true);
    expect(intervalsDisjoint(iv(5.76, 10.5), iv(3.05, 5.5))).toBe(true);
    expect(intervalsDisjoint(iv(3, 5), iv(5, 9))).toBe(false);
    expect(intervalsDisjoint(iv(3, 6), iv(5, 9))).toBe(false);
    expect(intervalsDisjoint(iv(3, null), iv(50, 90))).toBe(false);
    expect(intervalsDisjoint(iv(50, null), iv(3, 5))).toBe(true);
    expect(intervalSpan(iv(3, null))).toEqual([3, Infinity]);
  });
  it('no interval on either side: null', () => {
    expect(intervalsDisjoint(iv(null, null, 'too-few-points'), iv(5, 9))).toBeNull();
    expect(intervalsDisjoint(iv(3, 5), null)).toBeNull();
  });
});
