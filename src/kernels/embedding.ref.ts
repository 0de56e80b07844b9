// CPU references for the token embedding, in float64.
import type { TokenIndex } from './token-index';

/** x[n, c] = table[tokens[n], c]; an id ≥ vocab reads as a zero row (as the shader does). */
export function embeddingForwardRef(
  tokens: ArrayLike<number>,
  table: ArrayLike<number>,
  vocab: number,
  cols: number,
): Float64Array {
  const rows = tokens.length;
  const x = new Float64Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    const id = tokens[n];
    if (id >= vocab) continue;
    for (let c = 0; c < cols; c++) x[n * cols + c] = table[id * cols + c];
  }
  return x;
}

/** dTable (+)= Σ over positions n of dOut[n] into row tokens[n], straight from the definition. */
export function embeddingBackwardRef(
  tokens: ArrayLike<number>,
  dOut: ArrayLike<number>,
  vocab: number,
  cols: number,
  initialDTable?: ArrayLike<number>,
): Float64Array {
  const d = new Float64Array(vocab * cols);
  if (initialDTable) for (let i = 0; i < d.length; i++) d[i] = initialDTable[i];
  for (let n = 0; n < tokens.length; n++) {
    const id = tokens[n];
    if (id >= vocab) continue;
    for (let c = 0; c < cols; c++) d[id * cols + c] += dOut[n * cols + c];
  }
  return d;
}

/** The same sum, taken the way the kernel takes it: through the CSR index, per unique id. */
export function embeddingBackwardFromIndexRef(
  index: TokenIndex,
  dOut: ArrayLike<number>,
  vocab: number,
  cols: number,
  initialDTable?: ArrayLike<number>,
): Float64Array {
  const d = new Float64Array(vocab * cols);
  if (initialDTable) for (let i = 0; i < d.length; i++) d[i] = initialDTable[i];
  index.uniqueIds.forEach((id, u) => {
    if (id >= vocab) return;
    for (let c = 0; c < cols; c++) {
      let sum = 0;
      for (let k = index.offsets[u]; k < index.offsets[u + 1]; k++) sum += dOut[index.positions[k] * cols + c];
      d[id * cols + c] += sum;
    }
  });
  return d;
}
