// LayerNorm with a scale and no bias over rows of width C: y = (x − mean)·rstd·w,
// rstd = 1/sqrt(var + eps), var the biased (1/C) variance. Rows are (N, C) row-major.
//
// forward:          one workgroup per row; two passes over the row (mean, then Σ(x − mean)²)
//                   so that a large common offset does not cancel away the variance.
//                   Saves mean and rstd (N floats each) for the backward.
// backward_dx:      one workgroup per row; dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·w.
//                   ACCUMULATE_DX adds into dx (the residual stream's gradient in a pre-LN net).
// dweight_partial:  dw is Σ over rows of dy·x̂, a column reduction. No float atomics exist, so it
//                   is two fixed-order stages: each (column, row block) sums its rows in order into
//                   PARTIAL[block·C + col] …
// dweight_final:    … then each column sums its blocks in order and adds (ACCUMULATE_DW) into dw.
//                   Same inputs, same bits, on every run.
// Rows fold into a 2-D grid past 65535 workgroups; the flat row is wid.x + wid.y·nwg.x.

override ACCUMULATE_DX: bool = false;
override ACCUMULATE_DW: bool = true;

struct Params {
  rows: u32,
  cols: u32,
  eps: f32,
  rowsPerBlock: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read> W: array<f32>;
@group(0) @binding(3) var<storage, read_write> Y: array<f32>;
@group(0) @binding(4) var<storage, read_write> MEAN_OUT: array<f32>;
@group(0) @binding(5) var<storage, read_write> RSTD_OUT: array<f32>;
@group(0) @binding(6) var<storage, read> DY: array<f32>;
@group(0) @binding(7) var<storage, read> MEAN: array<f32>;
@group(0) @binding(8) var<storage, read> RSTD: array<f32>;
@group(0) @binding(9) var<storage, read_write> DX: array<f32>;
@group(0) @binding(10) var<storage, read_write> PARTIAL: array<f32>;
@group(0) @binding(11) var<storage, read_write> DW: array<f32>;

const WG: u32 = 128u;
const COL_WG: u32 = 64u;

var<workgroup> redA: array<f32, WG>;
var<workgroup> redB: array<f32, WG>;

// Tree sum of two per-thread values across the workgroup, in a fixed order.
fn reduce2(tid: u32, a: f32, b: f32) -> vec2<f32> {
  redA[tid] = a;
  redB[tid] = b;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (tid < s) {
      redA[tid] = redA[tid] + redA[tid + s];
      redB[tid] = redB[tid] + redB[tid + s];
    }
    workgroupBarrier();
  }
  let total = vec2<f32>(redA[0], redB[0]);
  workgroupBarrier(); // every thread has read the result before the arrays are reused
  return total;
}

@compute @workgroup_size(128, 1, 1)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) tid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let n = f32(p.cols);

  var s = 0.0;
  for (var c = tid; c < p.cols; c += WG) { s += X[base + c]; }
  let mean = reduce2(tid, s, 0.0).x / n;

  var v = 0.0;
  for (var c = tid; c < p.cols; c += WG) {
    let d = X[base + c] - mean;
    v = fma(d, d, v);
  }
  let rstd = 1.0 / sqrt(reduce2(tid, v, 0.0).x / n + p.eps);

  for (var c = tid; c < p.cols; c += WG) { Y[base + c] = (X[base + c] - mean) * rstd * W[c]; }
  if (tid == 0u) {
    MEAN_OUT[row] = mean;
    RSTD_OUT[row] = rstd;
  }
}

@compute @workgroup_size(128, 1, 1)
fn backward_dx(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) tid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let mean = MEAN[row];
  let rstd = RSTD[row];

  var sg = 0.0;
  var sgx = 0.0;
  for (var c = tid; c < p.cols; c += WG) {
    let xhat = (X[base + c] - mean) * rstd;
    let g = DY[base + c] * W[c];
    sg += g;
    sgx = fma(g, xhat, sgx);
  }
  let sums = reduce2(tid, sg, sgx) / f32(p.cols);

  for (var c = tid; c < p.cols; c += WG) {
    let xhat = (X[base + c] - mean) * rstd;
    let g = DY[base + c] * W[c];
    let d = rstd * (g - sums.x - xhat * sums.y);
    if (ACCUMULATE_DX) { DX[base + c] = DX[base + c] + d; } else { DX[base + c] = d; }
  }
}

// Grid: (ceil(C / 64), row blocks). Neighbouring threads read neighbouring columns.
@compute @workgroup_size(64, 1, 1)
fn dweight_partial(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let col = wid.x * COL_WG + tid;
  if (col >= p.cols) { return; }
  let block = wid.y;
  let r0 = block * p.rowsPerBlock;
  let r1 = min(r0 + p.rowsPerBlock, p.rows);
  var acc = 0.0;
  for (var r = r0; r < r1; r++) {
    let at = r * p.cols + col;
    acc = fma(DY[at], (X[at] - MEAN[r]) * RSTD[r], acc);
  }
  PARTIAL[block * p.cols + col] = acc;
}

// Grid: (ceil(C / 64), 1).
@compute @workgroup_size(64, 1, 1)
fn dweight_final(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let col = wid.x * COL_WG + tid;
  if (col >= p.cols) { return; }
  let blocks = (p.rows + p.rowsPerBlock - 1u) / p.rowsPerBlock;
  var acc = 0.0;
  for (var b = 0u; b < blocks; b++) { acc += PARTIAL[b * p.cols + col]; }
  if (ACCUMULATE_DW) { DW[col] = DW[col] + acc; } else { DW[col] = acc; }
}
