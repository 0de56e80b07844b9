// CPU reference for the batched matmul, accumulating in float64.
import { matmulStrides, type MatmulShape } from './matmul.plan';

/** C = alpha·op(A)·op(B), plus `initialC` when given (the accumulate variant). */
export function matmulRef(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  shape: MatmulShape,
  initialC?: ArrayLike<number>,
): Float64Array {
  const { M, N, K } = shape;
  const batch = shape.batch ?? 1;
  const alpha = shape.alpha ?? 1;
  const { strideA, strideB, strideC } = matmulStrides(shape);
  const c = new Float64Array(strideC * (batch - 1) + M * N);
  if (initialC) for (let i = 0; i < c.length; i++) c[i] = initialC[i];
  for (let t = 0; t < batch; t++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let sum = 0;
        for (let k = 0; k < K; k++) {
          const av = shape.transA ? a[t * strideA + k * M + m] : a[t * strideA + m * K + k];
          const bv = shape.transB ? b[t * strideB + n * K + k] : b[t * strideB + k * N + n];
          sum += av * bv;
        }
        c[t * strideC + m * N + n] += alpha * sum;
      }
    }
  }
  return c;
}
