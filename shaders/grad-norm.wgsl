// Global gradient norm, deterministic, in two dispatches.
//
// partial:  workgroup g sums g² over elements [g·4096, (g+1)·4096): each of its 256 threads adds
//           16 elements (stride 256, coalesced) in order, then a fixed tree; scratch[g] = that sum.
// finalize: one workgroup sums the ceil(count / 4096) partials (strided per thread, then a tree)
//           and writes stats[slot] = Σ g² and stats[slot + 1] = sqrt(Σ g²).
// The partition depends only on `count`, so the result is bitwise reproducible.

struct Params {
  count: u32,
  slot: u32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> grads: array<f32>;
@group(0) @binding(2) var<storage, read_write> scratch: array<f32>;

@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;

const WG: u32 = 256u;
const PER_THREAD: u32 = 16u;
const CHUNK: u32 = 4096u; // WG * PER_THREAD

var<workgroup> red: array<f32, 256>;

fn treeReduce(lid: u32) {
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride >>= 1u) {
    if (lid < stride) { red[lid] = red[lid] + red[lid + stride]; }
    workgroupBarrier();
  }
}

@compute @workgroup_size(256, 1, 1)
fn partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let g = wid.x + wid.y * nwg.x;
  let base = g * CHUNK;
  if (base >= p.count) { return; } // folded grids overshoot; the whole workgroup leaves
  var s = 0.0;
  for (var k = 0u; k < PER_THREAD; k++) {
    let i = base + k * WG + lid;
    if (i < p.count) {
      let v = grads[i];
      s = fma(v, v, s);
    }
  }
  red[lid] = s;
  treeReduce(lid);
  if (lid == 0u) { scratch[g] = red[0]; }
}

@compute @workgroup_size(256, 1, 1)
fn finalize(@builtin(local_invocation_index) lid: u32) {
  let n = (p.count + CHUNK - 1u) / CHUNK;
  var s = 0.0;
  for (var i = lid; i < n; i += WG) { s += partials[i]; }
  red[lid] = s;
  treeReduce(lid);
  if (lid == 0u) {
    stats[p.slot] = red[0];
    stats[p.slot + 1u] = sqrt(red[0]);
  }
}
