import { describe, expect, it } from 'vitest';
import { mulberry32, normalSampler } from '../util/random';
import { PAPER_LAWS, PAPER_TABLE, paperLawInTokensPerParam, paperLawSequences, paperLawTokens } from './paper';
import { fitPowerLaw, logGamma, regularizedBeta, studentTCdf, studentTQuantile } from './scaling';

describe('Student t', () => {
  it('matches tabulated quantiles and closed forms', () => {
    expect(studentTQuantile(0.95, 1)).toBeCloseTo(6.313751514675, 9); // tan(0.45π)
    expect(studentTQuantile(0.95, 3)).toBeCloseTo(2.353363434801, 9);
    expect(studentTQuantile(0.95, 10)).toBeCloseTo(1.812461122811, 9);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042272456301, 9);
    expect(studentTQuantile(0.05, 3)).toBeCloseTo(-2.353363434801, 9);
    expect(studentTCdf(1, 2)).toBeCloseTo(0.5 + 0.5 / Math.sqrt(3), 12); // ν = 2: ½ + t/(2√(2 + t²))
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 12);
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
    expect(regularizedBeta(0.3, 1, 1)).toBeCloseTo(0.3, 14);
    expect(regularizedBeta(0.3, 2, 1)).toBeCloseTo(0.09, 14);
  });
});

describe('fitPowerLaw', () => {
  it('recovers an exact power law', () => {
    const fit = fitPowerLaw([1e6, 4e6, 1.6e7, 6.4e7].map((x) => ({ x, y: 3 * x ** 0.47 })));
    expect(fit.status).toBe('ok');
    expect(fit.e as number).toBeCloseTo(0.47, 12);
    expect(fit.c as number).toBeCloseTo(3, 9);
    expect(fit.sigmaLog as number).toBeLessThan(1e-12);
  });

  it('its 90% t-intervals for e cover the truth in about 90% of 400 noisy data sets (5 points, σ = 0.1; measured 365 for e, 364 for c)', () => {
    const normal = normalSampler(mulberry32(42));
    let coverE = 0;
    let coverC = 0;
    const xs = [1e6, 3e6, 1e7, 3e7, 1e8];
    for (let k = 0; k < 400; k++) {
      const fit = fitPowerLaw(xs.map((x) => ({ x, y: 50 * x ** 0.3 * Math.exp(0.1 * normal()) })));
      const [lo, hi] = fit.exponentInterval as [number, number];
      if (lo <= 0.3 && 0.3 <= hi) coverE++;
      const [clo, chi] = fit.cInterval as [number, number];
      if (clo <= 50 && 50 <= chi) coverC++;
    }
    // Binomial(400, 0.9): sd 6, so ±24 is 4 sd.
    expect(Math.abs(coverE - 360)).toBeLessThan(24);
    expect(Math.abs(coverC - 360)).toBeLessThan(24);
  });

  it('two points: exact with no interval; one x: too few points', () => {
    const two = fitPowerLaw([{ x: 10, y: 100 }, { x: 1000, y: 1000 }]);
    expect(two.status).toBe('exact');
    expect(two.e as number).toBeCloseTo(0.5, 12);
    expect(two.exponentInterval).toBeNull();
    const one = fitPowerLaw([{ x: 10, y: 100 }, { x: 10, y: 120 }]);
    expect(one.status).toBe('too-few-points');
    expect(one.e).toBeNull();
    expect(() => fitPowerLaw([{ x: -1, y: 2 }])).toThrow(RangeError);
  });
});

describe('the paper\'s laws', () => {
  it('the Chinchilla law and table agree, and a fit of the table gives e ≈ 0.47 and c ≈ 93.2 (N in millions)', () => {
    const chinchilla = PAPER_LAWS.find((l) => l.id === 'chinchilla');
    if (!chinchilla) throw new Error('missing law');
    expect(paperLawSequences(chinchilla, 85e6)).toBeCloseTo(93.2 * 85 ** 0.47, 9);
    expect(paperLawTokens(chinchilla, 85e6)).toBeCloseTo(512 * 93.2 * 85 ** 0.47, 6);
    const perParam = paperLawInTokensPerParam(chinchilla);
    expect(perParam.c * 85e6 ** perParam.e).toBeCloseTo(paperLawTokens(chinchilla, 85e6), 6);
    for (const row of PAPER_TABLE) expect(Math.abs(paperLawSequences(chinchilla, row.params) / row.bStarSequences - 1)).toBeLessThan(0.035);
    const fit = fitPowerLaw(PAPER_TABLE.map((r) => ({ x: r.params / 1e6, y: r.bStarSequences })));
    expect(Math.abs((fit.e as number) - 0.47)).toBeLessThan(0.005);
    expect(Math.abs((fit.c as number) / 93.2 - 1)).toBeLessThan(0.02);
    const fixed = PAPER_LAWS.find((l) => l.id === 'fixed-data');
    expect(fixed?.fixedDataTokens).toBe(3.07e9);
    expect(paperLawSequences(fixed ?? chinchilla, 1e6)).toBeCloseTo(621.3, 9);
  });
});
