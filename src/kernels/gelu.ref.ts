// CPU reference for GELU, exact erf form (PyTorch's F.gelu default): gelu(x) = x·Φ(x) with
// Φ(x) = ½(1 + erf(x/√2)); gelu'(x) = Φ(x) + x·φ(x), φ(x) = exp(−x²/2)/√(2π). Float64.

const TWO_OVER_SQRT_PI = 1.1283791670955126;
const INV_SQRT_PI = 0.5641895835477563;
const INV_SQRT_2PI = 0.3989422804014327;
const SQRT1_2 = Math.SQRT1_2;

/** Below this |x| erf uses its power series; above it erfc uses its continued fraction. */
const SERIES_LIMIT = 3;

/**
 * erf(x) = (2/√π)·e^(−x²)·Σ_n x·(2x²)^n / (1·3·…·(2n+1)) for |x| < 3: every term is positive,
 * so nothing cancels and the sum is good to a few ulps (the alternating Taylor series would
 * lose three digits at x = 3).
 */
function erfSeries(x: number): number {
  const x2 = 2 * x * x;
  let term = x;
  let sum = x;
  for (let n = 1; n < 500; n++) {
    term *= x2 / (2 * n + 1);
    sum += term;
    if (Math.abs(term) < 1e-17 * Math.abs(sum)) break;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-x * x) * sum;
}

/**
 * erfc(x) for x ≥ 3 by its continued fraction
 *   erfc(x) = e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))),
 * evaluated bottom-up from a fixed depth (stable, and converged to double precision at x ≥ 3).
 * Keeps full relative precision where erfc is tiny, which 1 − erf cannot.
 */
function erfcContinuedFraction(x: number): number {
  let f = x;
  for (let n = 400; n >= 1; n--) f = x + n / 2 / f;
  return (INV_SQRT_PI * Math.exp(-x * x)) / f;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < SERIES_LIMIT) return 1 - erfSeries(x);
  return erfcContinuedFraction(x);
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (Math.abs(x) < SERIES_LIMIT) return erfSeries(x);
  const tail = erfcContinuedFraction(Math.abs(x));
  return x < 0 ? tail - 1 : 1 - tail;
}

/** Standard normal CDF, accurate in relative terms for very negative x too. */
export function normalCdf(x: number): number {
  return x < 0 ? 0.5 * erfc(-x * SQRT1_2) : 1 - 0.5 * erfc(x * SQRT1_2);
}

export function normalPdf(x: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * x * x);
}

export function geluRef(x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] * normalCdf(x[i]);
  return y;
}

/** dx = dy·(Φ(x) + x·φ(x)). */
export function geluBackwardRef(x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dx = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) dx[i] = dy[i] * (normalCdf(x[i]) + x[i] * normalPdf(x[i]));
  return dx;
}

/**
 * The erfc approximation the shader uses (Numerical Recipes' `erfcc`, a Chebyshev fit of
 * erfc(z)·e^(z²)), here in float64 so its own error can be measured against erfc above:
 * relative error under 1.2e-7 for every z ≥ 0. Φ(x) is then ½·erfc(|x|/√2) or 1 − that, so
 * Φ has absolute error under 6e-8 everywhere and gelu(x) = x·Φ(x) keeps relative accuracy on
 * the far negative tail (where 1 + erf(x/√2) would cancel to zero in fp32).
 */
export function erfcChebyshev(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t *
      (1.00002368 +
        t *
          (0.37409196 +
            t *
              (0.09678418 +
                t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * Math.exp(poly);
}
