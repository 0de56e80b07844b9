// CPU reference for LayerNorm with a scale and no bias, over rows of width `cols`, in float64.
// y = (x − mean)·rstd·w with rstd = 1/sqrt(var + eps), var the biased (1/C) variance, as PyTorch.
import { LAYER_NORM_EPS } from './layernorm.plan';

export interface LayerNormShape {
  rows: number;
  cols: number;
  eps?: number;
}


export interface LayerNormForward {
  y: Float64Array;
  mean: Float64Array;
  rstd: Float64Array;
}

export function layerNormForwardRef(x: ArrayLike<number>, w: ArrayLike<number>, shape: LayerNormShape): LayerNormForward {
  const { rows, cols } = shape;
  const eps = shape.eps ?? LAYER_NORM_EPS;
  const y = new Float64Array(rows * cols);
  const mean = new Float64Array(rows);
  const rstd = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let s = 0;
    for (let c = 0; c < cols; c++) s += x[base + c];
    const m = s / cols;
    let v = 0;
    for (let c = 0; c < cols; c++) v += (x[base + c] - m) ** 2;
    const rs = 1 / Math.sqrt(v / cols + eps);
    for (let c = 0; c < cols; c++) y[base + c] = (x[base + c] - m) * rs * w[c];
    mean[r] = m;
    rstd[r] = rs;
  }
  return { y, mean, rstd };
}

export interface LayerNormBackward {
  dx: Float64Array;
  dweight: Float64Array;
}

/**
 * Gradients of L(y) given dy = ∂L/∂y. With g = dy·w and x̂ = (x − mean)·rstd:
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per row, dw = Σ_rows dy·x̂.
 * `initialDx` / `initialDweight` are added (the accumulate variants).
 */
export function layerNormBackwardRef(
  dy: ArrayLike<number>,
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  shape: LayerNormShape,
  initialDx?: ArrayLike<number>,
  initialDweight?: ArrayLike<number>,
): LayerNormBackward {
  const { rows, cols } = shape;
  const { mean, rstd } = layerNormForwardRef(x, w, shape);
  const dx = new Float64Array(rows * cols);
  const dweight = new Float64Array(cols);
  if (initialDx) for (let i = 0; i < dx.length; i++) dx[i] = initialDx[i];
  if (initialDweight) for (let i = 0; i < cols; i++) dweight[i] = initialDweight[i];
  for (let r = 0; r < rows; r++) {
    const base = r * cols;
    let sg = 0;
    let sgx = 0;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c] - mean[r]) * rstd[r];
      const g = dy[base + c] * w[c];
      sg += g;
      sgx += g * xhat;
      dweight[c] += dy[base + c] * xhat;
    }
    const mg = sg / cols;
    const mgx = sgx / cols;
    for (let c = 0; c < cols; c++) {
      const xhat = (x[base + c] - mean[r]) * rstd[r];
      const g = dy[base + c] * w[c];
      dx[base + c] += rstd[r] * (g - mg - xhat * mgx);
    }
  }
  return { dx, dweight };
}
