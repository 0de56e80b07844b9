import { describe, expect, it } from 'vitest';
import { cbsClosedForm } from './cbs';
import { type CurvePoint, type PaperFit, fitPaperCurve, paperCurve } from './fit';
import { noisyCurve } from './synthetic';

const POWERS = [16, 32, 64, 128, 256, 512, 1024, 2048];

function expectNoNaN(fit: PaperFit): void {
  const walk = (v: unknown): void => {
    if (typeof v === 'number') expect(Number.isFinite(v)).toBe(true);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(fit);
}

function sseAt(points: CurvePoint[], logA: number, logB: number): number {
  return points.reduce((s, p) => s + (Math.log(p.steps) - Math.log(Math.exp(logA) + Math.exp(logB) / p.batchSize)) ** 2, 0);
}

describe('fitPaperCurve', () => {
  it('recovers a and b from noiseless data to 1e-9', () => {
    const fit = fitPaperCurve(noisyCurve(500, 1e5, POWERS, 0, 1));
    expect(fit.status).toBe('ok');
    expect(Math.abs((fit.a as number) / 500 - 1)).toBeLessThan(1e-9);
    expect(Math.abs((fit.b as number) / 1e5 - 1)).toBeLessThan(1e-9);
    expect(Math.abs((fit.bCrit as number) / 200 - 1)).toBeLessThan(1e-9);
    expect(fit.rmseLog as number).toBeLessThan(1e-10);
    expect(fit.dof).toBe(6);
    expectNoNaN(fit);
  });

  it('recovers a, b and B* from 30 seeded data sets with 5% log-normal noise (8 batch sizes)', () => {
    // Measured: max relative error of a ≈ 9%, of b ≈ 7%, of B* ≈ 12%; medians ≈ 3%.
    const a = 1000;
    const b = 400000;
    const trueBStar = cbsClosedForm(a, b, 16, 0.2); // 99.2
    const errors: number[] = [];
    for (let seed = 1; seed <= 30; seed++) {
      const fit = fitPaperCurve(noisyCurve(a, b, POWERS, 0.05, seed));
      expect(fit.status).toBe('ok');
      expect(Math.abs((fit.a as number) / a - 1)).toBeLessThan(0.15);
      expect(Math.abs((fit.b as number) / b - 1)).toBeLessThan(0.15);
      const bStar = cbsClosedForm(fit.a as number, fit.b as number, 16, 0.2);
      errors.push(Math.abs(bStar / trueBStar - 1));
      expect(fit.rmseLog as number).toBeGreaterThan(0.01);
      expect(fit.rmseLog as number).toBeLessThan(0.1);
    }
    expect(Math.max(...errors)).toBeLessThan(0.2);
    errors.sort((p, q) => p - q);
    expect(errors[15]).toBeLessThan(0.05);
  });

  it('is the least-squares optimum in log space: zero gradient by central differences, no better neighbour', () => {
    const points = noisyCurve(300, 2e4, [8, 16, 32, 64, 128, 256], 0.08, 5);
    const fit = fitPaperCurve(points);
    const la = Math.log(fit.a as number);
    const lb = Math.log(fit.b as number);
    const h = 1e-5;
    const ga = (sseAt(points, la + h, lb) - sseAt(points, la - h, lb)) / (2 * h);
    const gb = (sseAt(points, la, lb + h) - sseAt(points, la, lb - h)) / (2 * h);
    expect(Math.abs(ga)).toBeLessThan(1e-8);
    expect(Math.abs(gb)).toBeLessThan(1e-8);
    expect(sseAt(points, la, lb)).toBeCloseTo(fit.sseLog as number, 14);
    for (const [da, db] of [[0.01, 0], [0, 0.01], [-0.01, 0.01], [0.01, -0.01]]) expect(sseAt(points, la + da, lb + db)).toBeGreaterThan(fit.sseLog as number);
    const r = fit.residuals[2];
    expect(r.logResidual).toBeCloseTo(Math.log(r.steps) - Math.log((fit.a as number) + (fit.b as number) / r.batchSize), 14);
  });

  it('a single point: too-few-points with nulls, not NaN', () => {
    const fit = fitPaperCurve([{ batchSize: 64, steps: 1000 }]);
    expect(fit.status).toBe('too-few-points');
    expect(fit.a).toBeNull();
    expect(fit.bCrit).toBeNull();
    expect(fit.note).toMatch(/at least 2 distinct batch sizes/);
    expect(fitPaperCurve([]).status).toBe('too-few-points');
    expect(fitPaperCurve([{ batchSize: 64, steps: 1000 }, { batchSize: 64, steps: 900 }]).status).toBe('too-few-points');
  });

  it('two points: an exact fit through both, with no residual degrees of freedom', () => {
    const fit = fitPaperCurve([
      { batchSize: 32, steps: 100 + 6400 / 32 },
      { batchSize: 128, steps: 100 + 6400 / 128 },
    ]);
    expect(fit.status).toBe('ok');
    expect(fit.dof).toBe(0);
    expect(fit.note).toMatch(/no residual degrees of freedom/);
    expect(fit.a as number).toBeCloseTo(100, 6);
    expect(fit.b as number).toBeCloseTo(6400, 4);
  });

  it('perfect linear scaling (R = c/B) and better-than-linear data: boundary a = 0, B_crit unbounded (null)', () => {
    for (const power of [1, 1.3]) {
      const fit = fitPaperCurve(POWERS.map((B) => ({ batchSize: B, steps: 1e6 / B ** power })));
      expect(fit.status).toBe('boundary-a-zero');
      expect(fit.a).toBe(0);
      expect(fit.bCrit).toBeNull();
      expect(fit.parameters).toBe(1);
      expect(fit.note).toMatch(/a = 0/);
      expectNoNaN({ ...fit, bCrit: 0 });
    }
    const exact = fitPaperCurve(POWERS.map((B) => ({ batchSize: B, steps: 1e6 / B })));
    expect(exact.b as number).toBeCloseTo(1e6, 3);
  });

  it('steps that do not fall (flat or rising): boundary b = 0, B_crit = 0', () => {
    for (const slope of [0, 0.2]) {
      const fit = fitPaperCurve(POWERS.map((B) => ({ batchSize: B, steps: 500 * B ** slope })));
      expect(fit.status).toBe('boundary-b-zero');
      expect(fit.b).toBe(0);
      expect(fit.bCrit).toBe(0);
      expectNoNaN(fit);
    }
  });

  it('non-monotone data still gives a finite fit with residuals', () => {
    const steps = [4000, 2100, 2600, 900, 1200, 700, 800, 650];
    const fit = fitPaperCurve(POWERS.map((B, i) => ({ batchSize: B, steps: steps[i] })));
    expect(fit.status).toBe('ok');
    expectNoNaN(fit);
    expect(fit.residuals).toHaveLength(8);
    expect(fit.rmseLog as number).toBeGreaterThan(0.1);
  });

  it('duplicate batch sizes count as separate points (a repeated point leaves a noiseless fit unchanged)', () => {
    const base = noisyCurve(200, 6400, [4, 8, 16, 32, 64], 0, 1);
    const fit = fitPaperCurve([...base, base[1], base[3]]);
    expect(fit.points).toBe(7);
    expect(fit.distinctBatchSizes).toBe(5);
    expect(fit.a as number).toBeCloseTo(200, 6);
    expect(fit.b as number).toBeCloseTo(6400, 4);
  });

  it('rejects non-positive input with a RangeError', () => {
    expect(() => fitPaperCurve([{ batchSize: 0, steps: 10 }])).toThrow(RangeError);
    expect(() => fitPaperCurve([{ batchSize: 8, steps: NaN }])).toThrow(/steps must be a positive number/);
  });

  describe('censored points (R(B) > steps)', () => {
    const exact = noisyCurve(200, 6400, [4, 8, 16, 32], 0, 1);
    it('a bound below the fitted curve changes nothing', () => {
      const fit = fitPaperCurve([...exact, { batchSize: 128, steps: 100, censored: true }]);
      expect(fit.a as number).toBeCloseTo(200, 6);
      expect(fit.b as number).toBeCloseTo(6400, 4);
      expect(fit.censoredPoints).toBe(1);
      const r = fit.residuals.find((x) => x.censored)!;
      expect(r.logResidual).toBe(0);
    });
    it('a bound above the fitted curve pulls it up (instead of being dropped)', () => {
      // True a + b/128 = 250; the run at 128 stopped unreached after 600 steps.
      const dropped = fitPaperCurve(exact);
      const fit = fitPaperCurve([...exact, { batchSize: 128, steps: 600, censored: true }]);
      expect(paperCurve(fit.a as number, fit.b as number, 128)).toBeGreaterThan(paperCurve(dropped.a as number, dropped.b as number, 128) * 1.2);
      // The hinge is active: the censored point has a positive log residual (the fit is below the bound).
      expect(fit.residuals.find((x) => x.censored)!.logResidual).toBeGreaterThan(0);
      // …and the fit is the least-squares optimum: the objective at nearby parameters is no lower.
      const objective = (a: number, b: number) =>
        [...exact, { batchSize: 128, steps: 600, censored: true }].reduce((sum, p) => {
          const r = Math.log(p.steps) - Math.log(paperCurve(a, b, p.batchSize));
          return sum + ('censored' in p && r <= 0 ? 0 : r * r);
        }, 0);
      const best = objective(fit.a as number, fit.b as number);
      for (const [da, db] of [[1.01, 1], [0.99, 1], [1, 1.01], [1, 0.99]]) expect(objective((fit.a as number) * da, (fit.b as number) * db)).toBeGreaterThanOrEqual(best - 1e-12);
    });
    it('needs two batch sizes that reached the target, whatever the censored points', () => {
      const fit = fitPaperCurve([exact[0], { batchSize: 64, steps: 900, censored: true }, { batchSize: 128, steps: 900, censored: true }]);
      expect(fit.status).toBe('too-few-points');
    });
  });
});
