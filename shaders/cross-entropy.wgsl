// Fused softmax cross-entropy over the vocabulary, with dlogits written in place.
//
// main: 256 threads per workgroup, split into segments of THREADS_PER_ROW threads (a power of
//   two, 1…256, picked by the wrapper from the vocabulary so that each thread holds a few
//   columns); a workgroup covers 256 / THREADS_PER_ROW rows (V = 257: 64 threads, 4 rows).
//   Each thread walks columns lane, lane + THREADS_PER_ROW, … keeping an online (running max m,
//   Σ exp(x − m)) pair; the segment merges its pairs in a fixed order (a tree in workgroup memory
//   down to SERIAL pairs, then every thread of the segment merges those in index order, so all
//   get the same bits). Then loss[row] = log Σ exp(x − M) + M − x[target], and every thread
//   overwrites the columns it read: dlogits[j] = (softmax_j − [j = target]) · scale. No
//   probability buffer is stored. A target ≥ vocab (0xFFFFFFFF marks padding) is ignored:
//   loss 0, dlogits 0. The target logit is captured during the first pass by the one thread
//   that owns that column and shared through workgroup memory, so overwriting in place cannot
//   race with reading it.
// main_rows: one thread per row (64-thread workgroups), the same arithmetic in the same order as
//   a 1-thread segment, and no workgroup memory or barrier. The wrapper uses it for small
//   vocabularies (V ≤ 512, the lab's 257 bytes): on the CPU emulator a kernel with barriers pays
//   per thread launched, and on a GPU such rows are short enough for one thread.
// sumLosses: one workgroup sums `count` losses in a fixed order (strided per thread, then a
//   tree) and writes (or, with ACCUMULATE, adds) the total to out[slot].

override ACCUMULATE: bool = false;
override THREADS_PER_ROW: u32 = 256u;

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
const SERIAL: u32 = 16u;
const LOWEST: f32 = -3.4028234e38;

var<workgroup> redMS: array<vec2<f32>, 256>;   // (running max, Σ exp(x − max)) per thread
var<workgroup> targetLogit: array<f32, 256>;  // per row of the workgroup

/** The pair (m1, s1) merged with (m2, s2): (max, s1·exp(m1 − max) + s2·exp(m2 − max)). */
fn merge(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
  let mm = max(a.x, b.x);
  return vec2<f32>(mm, a.y * exp(a.x - mm) + b.y * exp(b.x - mm));
}

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let local = lid / THREADS_PER_ROW;
  let lane = lid % THREADS_PER_ROW;
  let seg = lid - lane;
  let row = (wid.x + wid.y * nwg.x) * (WG / THREADS_PER_ROW) + local;
  let V = p.vocab;
  let live = row < p.rows;
  let end = select(0u, V, live);
  let base = row * V;
  let t = select(0xFFFFFFFFu, targets[min(row, p.rows - 1u)], live);
  let ignored = t >= V;

  var m = LOWEST;
  var s = 0.0;
  for (var j = lane; j < end; j += THREADS_PER_ROW) {
    let xj = logits[base + j];
    if (j == t) { targetLogit[local] = xj; }
    if (xj > m) {
      s = s * exp(m - xj) + 1.0;
      m = xj;
    } else {
      s += exp(xj - m);
    }
  }
  redMS[lid] = vec2<f32>(m, s);
  workgroupBarrier();
  for (var stride = THREADS_PER_ROW / 2u; stride >= SERIAL; stride >>= 1u) {
    if (lane < stride) { redMS[lid] = merge(redMS[lid], redMS[lid + stride]); }
    workgroupBarrier();
  }
  var ms = redMS[seg];
  for (var i = 1u; i < min(THREADS_PER_ROW, SERIAL); i++) { ms = merge(ms, redMS[seg + i]); }
  let M = ms.x;
  let S = ms.y;
  let inv = 1.0 / S;

  for (var j = lane; j < end; j += THREADS_PER_ROW) {
    var d = 0.0;
    if (!ignored) {
      let prob = exp(logits[base + j] - M) * inv;
      d = (prob - select(0.0, 1.0, j == t)) * p.scale;
    }
    logits[base + j] = d;
  }
  if (live && lane == 0u) {
    losses[row] = select(log(S) + M - targetLogit[local], 0.0, ignored);
  }
}

@compute @workgroup_size(64, 1, 1)
fn main_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.rows) { return; }
  let V = p.vocab;
  let base = row * V;
  let t = targets[row];
  let ignored = t >= V;
  var m = LOWEST;
  var s = 0.0;
  var xt = 0.0;
  for (var j = 0u; j < V; j++) {
    let xj = logits[base + j];
    if (j == t) { xt = xj; }
    if (xj > m) {
      s = s * exp(m - xj) + 1.0;
      m = xj;
    } else {
      s += exp(xj - m);
    }
  }
  let inv = 1.0 / s;
  for (var j = 0u; j < V; j++) {
    var d = 0.0;
    if (!ignored) {
      let prob = exp(logits[base + j] - m) * inv;
      d = (prob - select(0.0, 1.0, j == t)) * p.scale;
    }
    logits[base + j] = d;
  }
  losses[row] = select(log(s) + m - xt, 0.0, ignored);
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
