// CPU reference for the EWA of the weights, in float64. τ is ewaDecay, the run spec's name for it.

/** wbar ← τ·wbar + (1 − τ)·θ, in place. */
export function ewaUpdateRef(wbar: Float64Array, theta: ArrayLike<number>, ewaDecay: number): void {
  for (let i = 0; i < wbar.length; i++) wbar[i] = ewaDecay * wbar[i] + (1 - ewaDecay) * theta[i];
}

/** wbar / (1 − τ^t): the zero start's bias removed, for a τ fixed over the t steps. */
export function ewaDebiasRef(wbar: ArrayLike<number>, ewaDecay: number, step: number): Float64Array {
  const out = new Float64Array(wbar.length);
  const f = 1 / (1 - ewaDecay ** step);
  for (let i = 0; i < wbar.length; i++) out[i] = wbar[i] * f;
  return out;
}
