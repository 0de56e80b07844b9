// Fused softmax cross-entropy over the vocabulary, with dlogits written in place.
//
// main: one workgroup of 256 threads per row. Each thread walks columns lid, lid+256, … keeping
//   an online (running max m, Σ exp(x − m)) pair; a fixed-order tree merges the 256 pairs. Then
//   loss[row] = log Σ exp(x − M) + M − x[target], and every thread overwrites the columns it read:
//   dlogits[j] = (softmax_j − [j = target]) · scale. No probability buffer is stored.
//   A target ≥ vocab (0xFFFFFFFF marks padding) is ignored: loss 0, dlogits 0.
//   The target logit is captured during the first pass by the one thread that owns that column
//   and shared through workgroup memory, so overwriting in place cannot race with reading it.
// sumLosses: one workgroup sums `count` losses in a fixed order (strided per thread, then a
//   tree) and writes (or, with ACCUMULATE, adds) the total to out[slot].

override ACCUMULATE: bool = false;

struct Params {
  rows: u32,
  vocab: u32,
  scale: f32,
  _pad: u32,
}

struct SumParams {
  count: u32,
  slot: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>;
@group(0) @binding(2) var<storage, read> targets: array<u32>;
@group(0) @binding(3) var<storage, read_write> losses: array<f32>;

@group(0) @binding(0) var<uniform> sp: SumParams;
@group(0) @binding(1) var<storage, read> rowLosses: array<f32>;
@group(0) @binding(2) var<storage, read_write> total: array<f32>;

const WG: u32 = 256u;
const LOWEST: f32 = -3.4028234e38;

var<workgroup> redMax: array<f32, 256>;
var<workgroup> redSum: array<f32, 256>;
var<workgroup> targetLogit: f32;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let V = p.vocab;
  let base = row * V;
  let t = targets[row];
  let ignored = t >= V;

  var m = LOWEST;
  var s = 0.0;
  for (var j = lid; j < V; j += WG) {
    let xj = logits[base + j];
    if (j == t) { targetLogit = xj; }
    if (xj > m) {
      s = s * exp(m - xj) + 1.0;
      m = xj;
    } else {
      s += exp(xj - m);
    }
  }
  redMax[lid] = m;
  redSum[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) {
      let m1 = redMax[lid];
      let m2 = redMax[lid + stride];
      let mm = max(m1, m2);
      redSum[lid] = redSum[lid] * exp(m1 - mm) + redSum[lid + stride] * exp(m2 - mm);
      redMax[lid] = mm;
    }
    workgroupBarrier();
  }
  let M = redMax[0];
  let S = redSum[0];
  let inv = 1.0 / S;

  for (var j = lid; j < V; j += WG) {
    var d = 0.0;
    if (!ignored) {
      let prob = exp(logits[base + j] - M) * inv;
      d = (prob - select(0.0, 1.0, j == t)) * p.scale;
    }
    logits[base + j] = d;
  }
  if (lid == 0u) {
    losses[row] = select(log(S) + M - targetLogit, 0.0, ignored);
  }
}

var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256, 1, 1)
fn sumLosses(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < sp.count; i += WG) { s += rowLosses[i]; }
  red[lid] = s;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] = red[lid] + red[lid + stride]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    if (ACCUMULATE) { total[sp.slot] = total[sp.slot] + red[0]; } else { total[sp.slot] = red[0]; }
  }
}
