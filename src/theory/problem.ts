// The least-squares problem of the theory lab (docs/science.md, "Theory lab"): Gaussian features
// with a power-law spectrum, a target whose energy follows a power law, label noise, and the exact
// risk of any weights, computed in the eigenbasis. Pure float64 arithmetic, no GPU.
//
//   x ~ N(0, H), H = diag(λ_1, λ_2, …), λ_i = i^(−a)                  (capacity exponent a > 1)
//   y = ⟨w*, x⟩ + ε, ε ~ N(0, σ²) independent of x
//   λ_i (w*_i)² = i^(−b), i.e. w*_i = i^((a−b)/2)                     (source exponent b > 1)
//   R(w) = E (y − ⟨w, x⟩)² = σ² + Σ_i λ_i (w_i − w*_i)²
//
// The model has M parameters: the first M coordinates (w_i = 0 for i > M, which it cannot
// change). What it cannot represent, Σ_{i>M} λ_i (w*_i)² = Σ_{i>M} i^(−b), is a Gaussian
// independent of the first M features, so to the model it is label noise: the M-dimensional
// problem with noise variance σ² + tail is the infinite-dimensional one, exactly.

export interface ProblemSpec {
  /** Capacity exponent a: λ_i = i^(−a). */
  a: number;
  /** Source exponent b: λ_i (w*_i)² = i^(−b). */
  b: number;
  /** Model dimension M (the truncation of the infinite-dimensional model). */
  dim: number;
  /** Label-noise variance σ². */
  noiseVariance: number;
}

export interface TheoryProblem {
  spec: ProblemSpec;
  /** λ_1..λ_M. */
  lambda: Float64Array;
  /** w*_1..w*_M. */
  target: Float64Array;
  /** Σ_{i>M} i^(−b): the part of the target's energy beyond the model (its approximation error). */
  tailEnergy: number;
  /** Σ_{i≥1} i^(−b) = ζ(b): the excess risk of w = 0. */
  signalEnergy: number;
  /** σ² + tailEnergy: the noise the M-dimensional problem sees. */
  effectiveNoiseVariance: number;
}

/**
 * Σ_{i≥n} i^(−s) for s > 1, n ≥ 1: the terms below max(n, 64) summed directly, the rest by
 * Euler–Maclaurin from N = max(n, 64): N^(1−s)/(s−1) + N^(−s)/2 + s·N^(−s−1)/12 − s(s+1)(s+2)·N^(−s−3)/720
 * (the next term is below 1e-12 of the sum for N ≥ 64 and s ≤ 40).
 */
export function powerSumTail(s: number, n: number): number {
  if (!(s > 1)) throw new RangeError(`the power sum Σ i^(−s) converges only for s > 1 (got s = ${s})`);
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`the power sum starts at a positive integer (got ${n})`);
  const start = Math.max(n, 64);
  let direct = 0;
  // Smallest terms first, for float64 accuracy.
  for (let i = start - 1; i >= n; i--) direct += i ** -s;
  const N = start;
  const tail = N ** (1 - s) / (s - 1) + 0.5 * N ** -s + (s * N ** (-s - 1)) / 12 - (s * (s + 1) * (s + 2) * N ** (-s - 3)) / 720;
  return direct + tail;
}

export function makeProblem(spec: ProblemSpec): TheoryProblem {
  const { a, b, dim } = spec;
  if (!(a > 1) || !(b > 1)) throw new RangeError(`the theory lab needs a > 1 and b > 1 (got a = ${a}, b = ${b})`);
  if (!(Number.isInteger(dim) && dim >= 1)) throw new RangeError(`the model dimension must be a positive integer (got ${dim})`);
  if (!(spec.noiseVariance >= 0 && Number.isFinite(spec.noiseVariance))) throw new RangeError(`the noise variance must be ≥ 0 (got ${spec.noiseVariance})`);
  const lambda = new Float64Array(dim);
  const target = new Float64Array(dim);
  for (let i = 0; i < dim; i++) {
    lambda[i] = (i + 1) ** -a;
    target[i] = (i + 1) ** ((a - b) / 2);
  }
  const tailEnergy = powerSumTail(b, dim + 1);
  return { spec, lambda, target, tailEnergy, signalEnergy: powerSumTail(b, 1), effectiveNoiseVariance: spec.noiseVariance + tailEnergy };
}

/** Excess risk R(w) − σ² = tail + Σ_{i≤M} λ_i e_i², from the error e = w − w* of the model's coordinates. */
export function excessRiskOfError(problem: TheoryProblem, error: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < problem.lambda.length; i++) sum += problem.lambda[i] * error[i] * error[i];
  return problem.tailEnergy + sum;
}

/** R(w) = σ² + Σ_i λ_i (w_i − w*_i)² for the model's weights w (w_i = 0 beyond M). */
export function risk(problem: TheoryProblem, weights: ArrayLike<number>): number {
  const error = new Float64Array(problem.lambda.length);
  for (let i = 0; i < error.length; i++) error[i] = weights[i] - problem.target[i];
  return problem.spec.noiseVariance + excessRiskOfError(problem, error);
}

/**
 * The largest learning rate the presets use: 1/(2 tr H), with tr H = Σ_{i≤M} λ_i, E‖x‖² of the
 * model's features. The constant-step analyses behind (T9) keep γ below a constant over tr H
 * (docs/science.md, "The step-size range"); near 1/λ_1 = 1 a step removes most of the first
 * direction's error at once, and on the saturated branch (b > 2a + 1) that bends the measured
 * exponent away from the law.
 */
export function stepSizeBound(problem: TheoryProblem): number {
  let trace = 0;
  for (let i = problem.lambda.length - 1; i >= 0; i--) trace += problem.lambda[i];
  return 1 / (2 * trace);
}

/** The theory's exponent of B* in D: 1 − a / min(b, 2a + 1). */
export function predictedExponent(a: number, b: number): number {
  return 1 - a / Math.min(b, 2 * a + 1);
}

/**
 * About how many eigen-directions SGD resolves with D samples at the rate-optimal horizon:
 * k(D) ≈ (D / σ_eff²)^(1/min(b, 2a+1)) (docs/science.md). A scale, not a bound: the lab's
 * validation asks for budgets where k is a handful or more and for M several times k.
 */
export function resolvedDirections(problem: TheoryProblem, budget: number): number {
  const { a, b } = problem.spec;
  return (budget / problem.effectiveNoiseVariance) ** (1 / Math.min(b, 2 * a + 1));
}
