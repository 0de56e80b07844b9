import { describe, expect, it } from 'vitest';
import { mulberry32, normalSampler } from '../util/random';
import { excessRiskOfError, makeProblem, powerSumTail, predictedExponent, resolvedDirections, risk, stepSizeBound } from './problem';

describe('theory problem', () => {
  it('power sums: ζ(2) = π²/6, ζ(4) = π⁴/90, and tails against direct sums', () => {
    expect(powerSumTail(2, 1)).toBeCloseTo(Math.PI ** 2 / 6, 12);
    expect(powerSumTail(4, 1)).toBeCloseTo(Math.PI ** 4 / 90, 13);
    let direct = 0;
    for (let i = 2e5; i >= 10; i--) direct += i ** -3.5; // the rest, beyond 2e5, is below 1e-13
    expect(powerSumTail(3.5, 10)).toBeCloseTo(direct, 13);
    expect(() => powerSumTail(1, 1)).toThrow(/s > 1/);
  });

  it('spectrum and target follow the power laws: λ_i = i^(−a), λ_i (w*_i)² = i^(−b)', () => {
    const p = makeProblem({ a: 1.5, b: 3.5, dim: 50, noiseVariance: 0.2 });
    for (const i of [1, 2, 7, 50]) {
      expect(p.lambda[i - 1]).toBeCloseTo(i ** -1.5, 15);
      expect(p.lambda[i - 1] * p.target[i - 1] ** 2).toBeCloseTo(i ** -3.5, 15);
    }
    expect(p.tailEnergy).toBeCloseTo(powerSumTail(3.5, 51), 15);
    expect(p.signalEnergy).toBeCloseTo(powerSumTail(3.5, 1), 15);
    expect(p.effectiveNoiseVariance).toBeCloseTo(0.2 + p.tailEnergy, 15);
    // w = 0 has excess risk ζ(b), whatever M; w = w* leaves the tail.
    expect(risk(p, new Float64Array(50)) - 0.2).toBeCloseTo(p.signalEnergy, 12);
    expect(risk(p, p.target) - 0.2).toBeCloseTo(p.tailEnergy, 15);
  });

  it('the exact risk equals a Monte Carlo estimate of E(y − ⟨w, x⟩)² over the infinite-dimensional model', () => {
    // b = 2 keeps a tail beyond M worth a fifth of the risk, so leaving it out would show.
    const p = makeProblem({ a: 2, b: 2, dim: 6, noiseVariance: 0.1 });
    const w = Float64Array.from(p.target, (v, i) => v + 0.3 * Math.cos(i + 1));
    const exact = risk(p, w);
    // Draw K = 60 coordinates explicitly; what lies beyond them is one exact Gaussian.
    const K = 60;
    const beyond = Math.sqrt(powerSumTail(2, K + 1));
    const gauss = normalSampler(mulberry32(2024));
    const n = 50000;
    let sum = 0;
    let sumSq = 0;
    for (let s = 0; s < n; s++) {
      let y = Math.sqrt(0.1) * gauss() + beyond * gauss();
      let prediction = 0;
      for (let i = 1; i <= K; i++) {
        const x = gauss() / i; // √λ_i = i^(−a/2) = 1/i
        y += x; // w*_i = i^((a−b)/2) = 1
        if (i <= 6) prediction += w[i - 1] * x;
      }
      const loss = (y - prediction) ** 2;
      sum += loss;
      sumSq += loss * loss;
    }
    const mean = sum / n;
    const se = Math.sqrt((sumSq / n - mean * mean) / n);
    expect(p.tailEnergy / exact).toBeGreaterThan(0.15);
    expect(Math.abs(mean - exact)).toBeLessThan(4 * se);
    expect(se / exact).toBeLessThan(0.008);
  });

  it('the step-size bound is 1/(2 tr H) over the model\'s M features', () => {
    const of = (a: number, dim: number) => stepSizeBound(makeProblem({ a, b: 4, dim, noiseVariance: 1 }));
    expect(of(2, 1)).toBe(0.5);
    expect(of(2, 2)).toBeCloseTo(1 / (2 * 1.25), 15);
    expect(of(3, 3)).toBeCloseTo(1 / (2 * (1 + 1 / 8 + 1 / 27)), 15);
    // Large M: tr H tends to ζ(a).
    expect(of(2, 4096)).toBeCloseTo(1 / (2 * (Math.PI ** 2 / 6 - powerSumTail(2, 4097))), 12);
  });

  it('excess risk from the error vector: tail + Σ λ_i e_i²', () => {
    const p = makeProblem({ a: 2, b: 4, dim: 3, noiseVariance: 1 });
    expect(excessRiskOfError(p, [1, -2, 3])).toBeCloseTo(p.tailEnergy + 1 + 4 / 4 + 9 / 9, 15);
  });

  it('the predicted exponent on both branches of the min, and the resolved directions', () => {
    expect(predictedExponent(2, 4)).toBe(0.5); // b < 2a + 1
    expect(predictedExponent(2, 3)).toBeCloseTo(1 / 3, 15);
    expect(predictedExponent(1.5, 6)).toBe(0.625); // b > 2a + 1: min = 2a + 1 = 4
    expect(predictedExponent(1.5, 4.5)).toBe(0.625);
    const p = makeProblem({ a: 2, b: 4, dim: 64, noiseVariance: 1 });
    expect(resolvedDirections(p, 2 ** 16)).toBeCloseTo((2 ** 16 / p.effectiveNoiseVariance) ** 0.25, 12);
  });
});
