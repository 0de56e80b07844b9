// CPU reference for the EWA of the weights, in float64.

/** wbar ← τ·wbar + (1 − τ)·θ, in place. */
export function ewaUpdateRef(wbar: Float64Array, theta: ArrayLike<number>, tau: number): void {
  for (let i = 0; i < wbar.length; i++) wbar[i] = tau * wbar[i] + (1 - tau) * theta[i];
}

/** wbar / (1 − τ^t): the zero start's bias removed, for a τ fixed over the t steps. */
export function ewaDebiasRef(wbar: ArrayLike<number>, tau: number, step: number): Float64Array {
  const out = new Float64Array(wbar.length);
  const f = 1 / (1 - tau ** step);
  for (let i = 0; i < wbar.length; i++) out[i] = wbar[i] * f;
  return out;
}
