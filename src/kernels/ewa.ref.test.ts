import { describe, expect, it } from 'vitest';
import { ewaDebiasRef, ewaUpdateRef } from './ewa.ref';
import { randomUniform } from '../util/random';

describe('EWA references', () => {
  it('matches hand-computed numbers', () => {
    const wbar = new Float64Array(1);
    ewaUpdateRef(wbar, [2], 0.9); // 0.1·2
    expect(wbar[0]).toBeCloseTo(0.2, 15);
    ewaUpdateRef(wbar, [4], 0.9); // 0.9·0.2 + 0.1·4
    expect(wbar[0]).toBeCloseTo(0.58, 15);
    // debias at t = 2: 0.58 / (1 − 0.81) = 0.58 / 0.19
    expect(ewaDebiasRef(wbar, 0.9, 2)[0]).toBeCloseTo(0.58 / 0.19, 14);
  });

  it('debiased average of a constant θ is θ at every step', () => {
    const theta = randomUniform(5, 1);
    const wbar = new Float64Array(5);
    for (let t = 1; t <= 20; t++) {
      ewaUpdateRef(wbar, theta, 0.99);
      const d = ewaDebiasRef(wbar, 0.99, t);
      for (let i = 0; i < 5; i++) expect(d[i]).toBeCloseTo(theta[i], 12);
    }
  });

  it('equals the closed form (1−τ) Σ τ^(t−s) θ_s over several steps', () => {
    const ewaDecay = 0.95;
    const steps = Array.from({ length: 8 }, (_, s) => randomUniform(3, 100 + s));
    const wbar = new Float64Array(3);
    steps.forEach((theta) => ewaUpdateRef(wbar, theta, ewaDecay));
    for (let i = 0; i < 3; i++) {
      let closed = 0;
      steps.forEach((theta, s) => (closed += (1 - ewaDecay) * ewaDecay ** (steps.length - 1 - s) * theta[i]));
      expect(wbar[i]).toBeCloseTo(closed, 14);
    }
  });
});
