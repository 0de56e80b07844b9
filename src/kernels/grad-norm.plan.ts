// Planning for shaders/grad-norm.wgsl, pure (the element count only, no GPU): how the first
// stage splits the gradients, and so how much scratch its partial sums need.

/** Elements summed by one workgroup of the first stage (256 threads × 16); must match CHUNK in the WGSL. */
export const GRAD_NORM_CHUNK = 4096;

/** Floats of scratch the norm of `count` gradients needs: ceil(count / 4096), at least 1. */
export function gradNormScratchCount(count: number): number {
  return Math.max(1, Math.ceil(count / GRAD_NORM_CHUNK));
}
