// CPU reference for the global gradient norm, in float64.

export interface GradNormResult {
  sumSquares: number;
  norm: number;
}

export function gradNormRef(grads: ArrayLike<number>): GradNormResult {
  let sumSquares = 0;
  for (let i = 0; i < grads.length; i++) sumSquares += grads[i] * grads[i];
  return { sumSquares, norm: Math.sqrt(sumSquares) };
}

/** PyTorch clip_grad_norm_: grads are multiplied by min(1, clipNorm / (norm + 1e-6)). */
export function clipScaleRef(norm: number, clipNorm: number): number {
  if (!(clipNorm > 0)) return 1;
  return Math.min(1, clipNorm / (norm + 1e-6));
}
