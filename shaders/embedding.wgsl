// Token embedding: forward lookup and a deterministic, atomic-free backward.
//
// forward:  x[n, c] = table[tokens[n], c] for n < rows, c < cols. One thread per element of x.
//           An id outside the vocabulary reads as a zero row (never out of bounds).
// backward: dTable[id, c] += Σ_{n : tokens[n] = id} dOut[n, c], driven by a CSR index the host
//           builds from the token ids (buildTokenIndex): uniqueIds[u], its positions
//           positions[offsets[u] .. offsets[u+1]) in ascending order. One thread per
//           (unique id, column) sums its positions in that fixed order, so each table row has one
//           writer and the result is bitwise reproducible: no float atomics, no races.
// Flat grids fold into y past 65535 workgroups; the flat index is wid.x + wid.y * nwg.x.

struct ForwardParams {
  rows: u32,
  cols: u32,
  vocab: u32,
  _pad: u32,
}

struct BackwardParams {
  uniqueCount: u32,
  cols: u32,
  vocab: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> fp: ForwardParams;
@group(0) @binding(1) var<storage, read> tokens: array<u32>;
@group(0) @binding(2) var<storage, read> table: array<f32>;
@group(0) @binding(3) var<storage, read_write> x: array<f32>;

@group(0) @binding(0) var<uniform> bp: BackwardParams;
@group(0) @binding(1) var<storage, read> uniqueIds: array<u32>;
@group(0) @binding(2) var<storage, read> offsets: array<u32>;
@group(0) @binding(3) var<storage, read> positions: array<u32>;
@group(0) @binding(4) var<storage, read> dOut: array<f32>;
@group(0) @binding(5) var<storage, read_write> dTable: array<f32>;

const WG: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= fp.rows * fp.cols) { return; }
  let n = i / fp.cols;
  let c = i - n * fp.cols;
  let id = tokens[n];
  var value = 0.0;
  if (id < fp.vocab) { value = table[id * fp.cols + c]; }
  x[i] = value;
}

@compute @workgroup_size(256, 1, 1)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= bp.uniqueCount * bp.cols) { return; }
  let u = i / bp.cols;
  let c = i - u * bp.cols;
  let id = uniqueIds[u];
  if (id >= bp.vocab) { return; }
  var sum = 0.0;
  let end = offsets[u + 1u];
  for (var k = offsets[u]; k < end; k++) {
    sum += dOut[positions[k] * bp.cols + c];
  }
  let at = id * bp.cols + c;
  dTable[at] = dTable[at] + sum;
}
