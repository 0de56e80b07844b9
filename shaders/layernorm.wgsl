// LayerNorm with a scale and no bias over rows of width C: y = (x − mean)·rstd·w,
// rstd = 1/sqrt(var + eps), var the biased (1/C) variance. Rows are (N, C) row-major.
//
// Row kernels (forward, backward_dx) run 256 threads per workgroup split into segments of
// THREADS_PER_ROW threads (a power of two, 1…256, picked by the wrapper from C so that each
// thread holds a few columns); a workgroup covers 256 / THREADS_PER_ROW rows, so short rows
// (the lab's C = 16…128) no longer leave most threads idle or pay a 7-level tree per row.
// A segment sums its threads' partials in a fixed order: a tree in workgroup memory down to
// SERIAL partials, then every thread of the segment adds those in index order (all threads get
// the same bits). Same inputs and the same THREADS_PER_ROW give the same bits on every run.
//
// forward_rows, backward_dx_rows: one thread per row (64-thread workgroups), the same
//                   arithmetic in the same order as a 1-thread segment, and no workgroup memory
//                   or barrier at all. The wrapper uses them for short rows (C ≤ 128): on the CPU
//                   emulator a kernel with barriers pays per thread launched (a coroutine each),
//                   and on a GPU such rows are too short to share among threads anyway.
// forward:          two passes over the row (mean, then Σ(x − mean)²) so that a large common
//                   offset does not cancel away the variance. Saves mean and rstd (N floats each).
// backward_dx:      dx = rstd·(g − mean(g) − x̂·mean(g·x̂)), g = dy·w.
//                   ACCUMULATE_DX adds into dx (the residual stream's gradient in a pre-LN net).
// dweight_partial:  dw is Σ over rows of dy·x̂, a column reduction. No float atomics exist, so it
//                   is two fixed-order stages: each (column, row block) sums its rows in order into
//                   PARTIAL[block·C + col] …
// dweight_final:    … then each column sums its blocks in order and adds (ACCUMULATE_DW) into dw.
//                   Same inputs, same bits, on every run.
// Row groups fold into a 2-D grid past 65535 workgroups; the flat group is wid.x + wid.y·nwg.x.

override ACCUMULATE_DX: bool = false;
override ACCUMULATE_DW: bool = true;
override THREADS_PER_ROW: u32 = 128u;

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

const WG: u32 = 256u;
const SERIAL: u32 = 16u;
const COL_WG: u32 = 64u;

var<workgroup> red: array<vec2<f32>, WG>;

// Sum of two per-thread values over this thread's row segment, in a fixed order.
fn reduce2(tid: u32, a: f32, b: f32) -> vec2<f32> {
  let lane = tid % THREADS_PER_ROW;
  let seg = tid - lane;
  red[tid] = vec2<f32>(a, b);
  workgroupBarrier();
  for (var s = THREADS_PER_ROW / 2u; s >= SERIAL; s = s / 2u) {
    if (lane < s) { red[tid] = red[tid] + red[tid + s]; }
    workgroupBarrier();
  }
  var total = red[seg];
  for (var i = 1u; i < min(THREADS_PER_ROW, SERIAL); i++) { total += red[seg + i]; }
  workgroupBarrier(); // every thread has read its total before the array is reused
  return total;
}

/** (row, lane); the row may be past the end (its thread then reads and writes nothing). */
fn rowOf(wid: vec3<u32>, nwg: vec3<u32>, tid: u32) -> vec2<u32> {
  let group = wid.x + wid.y * nwg.x;
  return vec2<u32>(group * (WG / THREADS_PER_ROW) + tid / THREADS_PER_ROW, tid % THREADS_PER_ROW);
}

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) tid: u32) {
  let rl = rowOf(wid, nwg, tid);
  let row = rl.x;
  let lane = rl.y;
  let live = row < p.rows;
  let end = select(0u, p.cols, live);
  let base = row * p.cols;
  let n = f32(p.cols);

  var s = 0.0;
  for (var c = lane; c < end; c += THREADS_PER_ROW) { s += X[base + c]; }
  let mean = reduce2(tid, s, 0.0).x / n;

  var v = 0.0;
  for (var c = lane; c < end; c += THREADS_PER_ROW) {
    let d = X[base + c] - mean;
    v = fma(d, d, v);
  }
  let rstd = 1.0 / sqrt(reduce2(tid, v, 0.0).x / n + p.eps);

  for (var c = lane; c < end; c += THREADS_PER_ROW) { Y[base + c] = (X[base + c] - mean) * rstd * W[c]; }
  if (live && lane == 0u) {
    MEAN_OUT[row] = mean;
    RSTD_OUT[row] = rstd;
  }
}

@compute @workgroup_size(64, 1, 1)
fn forward_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let n = f32(p.cols);
  var s = 0.0;
  for (var c = 0u; c < p.cols; c++) { s += X[base + c]; }
  let mean = s / n;
  var v = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let d = X[base + c] - mean;
    v = fma(d, d, v);
  }
  let rstd = 1.0 / sqrt(v / n + p.eps);
  for (var c = 0u; c < p.cols; c++) { Y[base + c] = (X[base + c] - mean) * rstd * W[c]; }
  MEAN_OUT[row] = mean;
  RSTD_OUT[row] = rstd;
}

@compute @workgroup_size(64, 1, 1)
fn backward_dx_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let mean = MEAN[row];
  let rstd = RSTD[row];
  var sg = 0.0;
  var sgx = 0.0;
  for (var c = 0u; c < p.cols; c++) {
    let xhat = (X[base + c] - mean) * rstd;
    let g = DY[base + c] * W[c];
    sg += g;
    sgx = fma(g, xhat, sgx);
  }
  let sums = vec2<f32>(sg, sgx) / f32(p.cols);
  for (var c = 0u; c < p.cols; c++) {
    let xhat = (X[base + c] - mean) * rstd;
    let g = DY[base + c] * W[c];
    let d = rstd * (g - sums.x - xhat * sums.y);
    if (ACCUMULATE_DX) { DX[base + c] = DX[base + c] + d; } else { DX[base + c] = d; }
  }
}

@compute @workgroup_size(256, 1, 1)
fn backward_dx(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) tid: u32) {
  let rl = rowOf(wid, nwg, tid);
  let row = rl.x;
  let lane = rl.y;
  let live = row < p.rows;
  let end = select(0u, p.cols, live);
  let base = row * p.cols;
  let safeRow = min(row, p.rows - 1u);
  let mean = MEAN[safeRow];
  let rstd = RSTD[safeRow];

  var sg = 0.0;
  var sgx = 0.0;
  for (var c = lane; c < end; c += THREADS_PER_ROW) {
    let xhat = (X[base + c] - mean) * rstd;
    let g = DY[base + c] * W[c];
    sg += g;
    sgx = fma(g, xhat, sgx);
  }
  let sums = reduce2(tid, sg, sgx) / f32(p.cols);

  for (var c = lane; c < end; c += THREADS_PER_ROW) {
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
