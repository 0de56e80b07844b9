// The CSR index that drives the deterministic embedding backward (shaders/embedding.wgsl):
// for each distinct token id, in ascending order, the positions where it occurs, ascending.
// The host builds it from the token ids it already holds (they come from the CPU data loader),
// so the GPU needs neither atomics nor a sort. Pure TypeScript: runs in Node, workers and pages.

export interface TokenIndex {
  /** Distinct token ids, ascending. */
  uniqueIds: Uint32Array;
  /** uniqueIds.length + 1 entries: id u occurs at positions[offsets[u] .. offsets[u+1]). */
  offsets: Uint32Array;
  /** Every position 0 … N−1 exactly once, grouped by id, ascending within an id. */
  positions: Uint32Array;
}

const POSITION_RADIX = 2 ** 32;

export function buildTokenIndex(tokens: Uint32Array): TokenIndex {
  const n = tokens.length;
  // Sorting id·2³² + position orders by id, then position, with a native numeric sort and no
  // comparator. Exact in float64 while id < 2²¹ (vocabularies are far smaller).
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (tokens[i] >= 2 ** 21) throw new Error(`token id ${tokens[i]} at position ${i} is too large for the index`);
    keys[i] = tokens[i] * POSITION_RADIX + i;
  }
  keys.sort();
  const positions = new Uint32Array(n);
  const ids: number[] = [];
  const offsets: number[] = [];
  let previous = -1;
  for (let k = 0; k < n; k++) {
    const id = Math.floor(keys[k] / POSITION_RADIX);
    positions[k] = keys[k] - id * POSITION_RADIX;
    if (id !== previous) {
      ids.push(id);
      offsets.push(k);
      previous = id;
    }
  }
  offsets.push(n);
  return { uniqueIds: Uint32Array.from(ids), offsets: Uint32Array.from(offsets), positions };
}
