// Rotary position embeddings, GPT-NeoX "rotate halfDim": within each head of width hd, pair
// (i, i + hd/2) of the row at position t = row mod T rotates by θ = t·base^(−2i/hd):
//   out[i] = x1·cos θ − x2·sin θ,  out[i + hd/2] = x2·cos θ + x1·sin θ.
// INVERSE rotates by −θ: the backward, since the rotation is orthogonal (dx = Rᵀ·dy).
//
// cos θ and sin θ come from a table computed once on the CPU in float64 (interleaved, T·hd/2
// pairs), not from sin/cos in the shader: WGSL's sin/cos are only specified to about 2^-11
// absolute on [−π, π], and fp32 t·freq is already off by ~1e-4 rad at t = 2048.
//
// One thread per pair; the grid folds into y past 65535 workgroups.
// main:     Y = rope(X), out of place (X and Y must be different buffers or disjoint slices).
// in_place: Y = rope(Y). Each thread reads and writes only its own pair, so this is safe.

override INVERSE: bool = false;

struct Params {
  rows: u32,
  seqLen: u32,
  heads: u32,
  headDim: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> TABLE: array<f32>;
@group(0) @binding(2) var<storage, read> X: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;

const WG: u32 = 256u;

struct Pair {
  valid: bool,
  at: u32,     // index of x1; x2 is at + halfDim
  halfDim: u32,
  cosT: f32,
  sinT: f32,
}

fn pairAt(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> Pair {
  var q: Pair;
  let k = (wid.x + wid.y * nwg.x) * WG + lid;
  let halfDim = p.headDim / 2u;
  let perRow = p.heads * halfDim;
  q.valid = k < p.rows * perRow;
  if (!q.valid) { return q; }
  let row = k / perRow;
  let rem = k - row * perRow;
  let head = rem / halfDim;
  let i = rem - head * halfDim;
  q.at = row * p.heads * p.headDim + head * p.headDim + i;
  q.halfDim = halfDim;
  let t = (row % p.seqLen) * halfDim + i;
  q.cosT = TABLE[2u * t];
  q.sinT = select(TABLE[2u * t + 1u], -TABLE[2u * t + 1u], INVERSE);
  return q;
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let q = pairAt(wid, nwg, lid);
  if (!q.valid) { return; }
  let x1 = X[q.at];
  let x2 = X[q.at + q.halfDim];
  Y[q.at] = x1 * q.cosT - x2 * q.sinT;
  Y[q.at + q.halfDim] = x2 * q.cosT + x1 * q.sinT;
}

@compute @workgroup_size(256, 1, 1)
fn in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let q = pairAt(wid, nwg, lid);
  if (!q.valid) { return; }
  let x1 = Y[q.at];
  let x2 = Y[q.at + q.halfDim];
  Y[q.at] = x1 * q.cosT - x2 * q.sinT;
  Y[q.at + q.halfDim] = x2 * q.cosT + x1 * q.sinT;
}
