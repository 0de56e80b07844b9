import { describe, expect, it } from 'vitest';
import { evalSchedule, type Averaging, type LaneGroup, type LaneResult, type TrainerOptions } from './lanes';
import { makeProblem, risk, type TheoryProblem } from './problem';
import { featureNormals, noiseNormal } from './rng';
import { ExpectedRiskTrainer } from './trainer.expected';
import { ReferenceTrainer } from './trainer.ref';

/**
 * SGD written out plainly, in weights rather than errors: w_0 = 0, labels y = ⟨w*, x⟩ + ξ, the
 * mean gradient of ½(⟨w, x⟩ − y)² over each batch, averages of w, risks from problem.risk.
 */
function plainSgd(problem: TheoryProblem, seed: number, batch: number, lr: number, steps: number, averaging: Averaging, evalAt: number[]) {
  const dim = problem.lambda.length;
  const w = new Float64Array(dim);
  const decays = averaging.kind === 'uniform' ? [null] : averaging.decays;
  const averages = decays.map(() => new Float64Array(dim));
  const out: { step: number; average: number[]; last: number }[] = [];
  let n = 0;
  for (let t = 1; t <= steps; t++) {
    const grad = new Float64Array(dim);
    for (let b = 0; b < batch; b++, n++) {
      const x = featureNormals(seed, n, dim).map((z, i) => Math.sqrt(problem.lambda[i]) * z);
      let y = Math.sqrt(problem.effectiveNoiseVariance) * noiseNormal(seed, n);
      let prediction = 0;
      for (let i = 0; i < dim; i++) {
        y += problem.target[i] * x[i];
        prediction += w[i] * x[i];
      }
      for (let i = 0; i < dim; i++) grad[i] += ((prediction - y) * x[i]) / batch;
    }
    for (let i = 0; i < dim; i++) w[i] -= lr * grad[i];
    decays.forEach((tau, k) => {
      // Uniform: the running mean of w_1 … w_t. EWA: τ·avg + (1 − τ)·w from 0, debiased by 1 − τ^t.
      for (let i = 0; i < dim; i++) averages[k][i] = tau === null ? averages[k][i] + (w[i] - averages[k][i]) / t : tau * averages[k][i] + (1 - tau) * w[i];
    });
    if (evalAt.includes(t)) {
      const average = decays.map((tau, k) => risk(problem, averages[k].map((v) => (tau === null ? v : v / (1 - tau ** t)))) - problem.spec.noiseVariance);
      out.push({ step: t, average, last: risk(problem, w) - problem.spec.noiseVariance });
    }
  }
  return out;
}

describe('theory reference trainer', () => {
  it('equals SGD written out plainly: steps, averages (uniform and EWA), risks, caps', async () => {
    for (const averaging of [{ kind: 'uniform' }, { kind: 'ewa', decays: [0.9, 0.995] }] as Averaging[]) {
      const problem = makeProblem({ a: 1.5, b: 3, dim: 7, noiseVariance: 0.4 });
      const options: TrainerOptions = { problem, averaging, evalSteps: evalSchedule(60, 4, [], 8), blockSamples: 16 };
      const groups: LaneGroup[] = [{ seed: 11, lanes: [{ batchSize: 3, lr: 0.3, maxSteps: 60 }, { batchSize: 1, lr: 0.05, maxSteps: 37 }] }];
      const trainer = new ReferenceTrainer(options, groups);
      await trainer.advance(192);
      const [[a, b]] = await trainer.results();
      expect([a.status, a.steps, b.status, b.steps]).toEqual(['capped', 60, 'capped', 37]);
      for (const [lane, spec] of [[a, groups[0].lanes[0]], [b, groups[0].lanes[1]]] as const) {
        const plain = plainSgd(problem, 11, spec.batchSize, spec.lr, spec.maxSteps, averaging, lane.evalSteps);
        expect(lane.evalSteps).toEqual(plain.map((p) => p.step));
        plain.forEach((p, j) => {
          expect(lane.lastRisk[j]).toBeCloseTo(p.last, 12);
          p.average.forEach((r, k) => expect(lane.averageRisk[k][j] / r - 1).toBeCloseTo(0, 11));
        });
      }
    }
  });

  it('stops and divergence: a stopped group does nothing more; a learning rate past 2/λ_1 diverges', async () => {
    const problem = makeProblem({ a: 2, b: 4, dim: 5, noiseVariance: 1 });
    const options: TrainerOptions = { problem, averaging: { kind: 'uniform' }, evalSteps: evalSchedule(1000, 8), blockSamples: 32 };
    const trainer = new ReferenceTrainer(options, [
      { seed: 1, lanes: [{ batchSize: 4, lr: 3, maxSteps: 1000 }] },
      { seed: 2, lanes: [{ batchSize: 4, lr: 0.1, maxSteps: 1000 }] },
    ]);
    await trainer.advance(64);
    await trainer.stop([1]);
    await trainer.advance(3200);
    const [[wild], [stopped]] = await trainer.results();
    expect(wild.status).toBe('diverged');
    expect(wild.lastRisk[wild.lastRisk.length - 1]).toBeGreaterThan(1e6 * problem.signalEnergy);
    expect([stopped.status, stopped.steps]).toEqual(['stopped', 16]);
    expect(await trainer.running()).toEqual([false, false]);
    await expect(trainer.advance(10)).rejects.toThrow(/multiple of the block/);
  });

  it('the exact expected risk (trainer.expected.ts) equals the closed sum for the uniform average', async () => {
    // A second derivation of the uniform average's expected risk: E[e_t e_s] = (1 − γλ)^{t−s} S_s for t ≥ s gives
    // E‖(1/T) Σ_t e_t‖²_H = (1/T²) Σ_i λ_i Σ_t (2A_{t,i} − S_{t,i}) with A_t = (1 − γλ) A_{t−1} + S_t.
    const problem = makeProblem({ a: 2, b: 3, dim: 6, noiseVariance: 0.5 });
    const [batch, lr, steps] = [2, 0.2, 120];
    const closed: number[] = [];
    const S = problem.target.map((w) => w * w);
    const A = new Float64Array(6);
    let sum = 0;
    for (let t = 1; t <= steps; t++) {
      const trace = S.reduce((acc, v, i) => acc + problem.lambda[i] * v, 0);
      for (let i = 0; i < 6; i++) {
        const l = problem.lambda[i];
        const d = 1 - lr * l;
        S[i] = d * d * S[i] + ((lr * lr) / batch) * l * (l * S[i] + trace + problem.effectiveNoiseVariance);
        A[i] = d * A[i] + S[i];
        sum += l * (2 * A[i] - S[i]);
      }
      closed.push(problem.tailEnergy + sum / (t * t));
    }
    const options: TrainerOptions = { problem, averaging: { kind: 'uniform' }, evalSteps: [1, 2, 10, 30, 120], blockSamples: 240 };
    const expected = new ExpectedRiskTrainer(options, [{ seed: 0, lanes: [{ batchSize: batch, lr, maxSteps: steps }] }]);
    await expected.advance(240);
    const [[lane]] = await expected.results();
    expect(lane.status).toBe('capped');
    lane.evalSteps.forEach((step, j) => expect(lane.averageRisk[0][j] / closed[step - 1] - 1).toBeCloseTo(0, 12));
  });

  it('the seed-mean risks of sampled SGD match the exact expected risks (uniform average, EWA, last iterate)', async () => {
    const problem = makeProblem({ a: 2, b: 3, dim: 6, noiseVariance: 0.5 });
    const averaging: Averaging = { kind: 'ewa', decays: [0.9, 0.98] };
    const seeds = 1500;
    const lanes = [{ batchSize: 2, lr: 0.2, maxSteps: 120 }, { batchSize: 8, lr: 0.8, maxSteps: 30 }];
    for (const avg of [{ kind: 'uniform' } as Averaging, averaging]) {
      const options: TrainerOptions = { problem, averaging: avg, evalSteps: [10, 30, 120], blockSamples: 240 };
      const groups = Array.from({ length: seeds }, (_, s) => ({ seed: 1000 + s, lanes }));
      const sampled = new ReferenceTrainer(options, groups);
      await sampled.advance(240);
      const results = await sampled.results();
      const exact = new ExpectedRiskTrainer(options, [{ seed: 0, lanes }]);
      await exact.advance(240);
      const [want] = await exact.results();
      want.forEach((lane, l) =>
        lane.evalSteps.forEach((step, j) => {
          for (const [k, pick] of [...lane.averageRisk.map((_, k) => [k, (r: LaneResult) => r.averageRisk[k][j]] as const), [-1, (r: LaneResult) => r.lastRisk[j]] as const]) {
            const values = results.map((group) => pick(group[l]));
            const mean = values.reduce((a, v) => a + v, 0) / seeds;
            const se = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (seeds - 1) / seeds);
            const exactValue = k < 0 ? lane.lastRisk[j] : lane.averageRisk[k][j];
            expect(Math.abs(mean - exactValue), `${avg.kind} lane ${l} step ${step} average ${k}`).toBeLessThan(4 * se);
            expect(se / mean).toBeLessThan(0.04);
          }
        }),
      );
    }
  });
});
