// Fused causal multi-head self-attention, forward and backward (FlashAttention-2 style).
//
// q, k, v, o and their gradients are (N, C) row-major with N = B·T and C = H·hd; head h is
// columns h·hd … h·hd+hd−1. Query t of a sequence attends to keys 0..t of the same sequence:
//   o = softmax(q·kᵀ·scale + causal mask)·v, with scale = 1/sqrt(hd) passed as a uniform.
// The T×T score matrix never reaches global memory: each workgroup streams 32-row tiles through
// workgroup memory with an online softmax, and the backward pass recomputes p = exp(s − lse).
//
// Entry points (one pipeline each; shapes are uniforms):
//   forward         o, and lse = log Σ_keys exp(s) per (b, h, t) row for the backward pass
//   backward_delta  D[b,h,t] = Σ_d dO·o (the softmax-Jacobian term)
//   backward_dq     dq = scale · Σ_keys dS·k,           dS = p ⊙ (dO·vᵀ − D); loops over keys
//   backward_dkdv   dk = scale · Σ_queries dSᵀ·q, dv = Σ_queries pᵀ·dO;      loops over queries
// No atomics: every output element is written by exactly one thread (deterministic).
//
// Thread layout (256 threads): row = tid / 8 owns one query row (one key row in dkdv); lane =
// tid % 8 owns the 4 score columns 4·lane … 4·lane+3 of each 32-column tile and the 4 head dims
// 32·slab + 4·lane … +3 of each 32-dim slab, so a thread keeps one vec4 accumulator per slab
// (4 slabs: hd ≤ 128) whatever hd is. Workgroup memory is read as vec4:
//   score phase       16-dim slabs of each operand, transposed: [d][row group of 4] (8 vec4 a row)
//   accumulate phase  32-row × 32-dim slabs, row-major: [row][dim group of 4]
//   tiles of p or dS  [row][column group of 4]
// Tiles read across rows are swizzled (column group ^ (row & 7)) against bank conflicts.
// Every thread writes whole vec4s to workgroup memory, never single components of a shared vec4.
// Workgroup memory: 12 KiB (forward, dq), 16 KiB (dkdv). Loads past T or hd read zeros.
//
// Short sequences (the wrapper's choice: T ≤ 64, hd ≤ 64) use three more entry points with one
// thread per (b, h, row), no workgroup memory and no barrier: forward_rows (a query row: online
// softmax over its keys 0..t), backward_dq_rows (a query row) and backward_dkdv_rows (a key row:
// queries t..T−1). The tiles above would be mostly padding there (T = 32, hd = 16 fills one
// 32-key tile and half of each 32-dim slab), and on the CPU emulator a kernel with barriers pays
// per thread launched. HEAD_DIM (an override, = hd) makes the head loops constant-bounded, and
// each thread keeps only its accumulators (≤ 16 vec4 each); the rows it streams (the same key or
// query rows for all threads of one (b, h)) come from global memory and its caches. Keys and
// queries are visited in index order and dot products are summed in a fixed order: same bits
// on every run.

struct Params {
  B: u32,
  T: u32,
  H: u32,
  hd: u32,
  C: u32,
  scale: f32,
  _pad0: u32,
  _pad1: u32,
}

// Bindings are numbered 0..n−1 per entry point so the wrapper binds them in order; variables
// of different entry points may share a number (binding numbers are per entry-point interface).
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> Q: array<f32>;
@group(0) @binding(2) var<storage, read> K: array<f32>;
@group(0) @binding(3) var<storage, read> V: array<f32>;
// forward outputs
@group(0) @binding(4) var<storage, read_write> O: array<f32>;
@group(0) @binding(5) var<storage, read_write> LSE: array<f32>;
// backward inputs and outputs
@group(0) @binding(4) var<storage, read> dO: array<f32>;
@group(0) @binding(5) var<storage, read> lseIn: array<f32>;
@group(0) @binding(6) var<storage, read> deltaIn: array<f32>;
@group(0) @binding(7) var<storage, read_write> dQ: array<f32>;
@group(0) @binding(7) var<storage, read_write> dK: array<f32>;
@group(0) @binding(8) var<storage, read_write> dV: array<f32>;
// backward_delta
@group(0) @binding(1) var<storage, read> oForDelta: array<f32>;
@group(0) @binding(2) var<storage, read> dOForDelta: array<f32>;
@group(0) @binding(3) var<storage, read_write> deltaOut: array<f32>;

const BQ: u32 = 32u;        // query rows per tile
const BK: u32 = 32u;        // key rows per tile
const LANES: u32 = 8u;      // threads per row
const DC: u32 = 16u;        // head dims per slab, score phase
const DV: u32 = 32u;        // head dims per slab, accumulate phase
const SLAB: u32 = 128u;     // vec4s in one score-phase operand slab (DC × 8)
const ROWS: u32 = 256u;     // vec4s in one accumulate-phase slab (32 × 8)
const NEG: f32 = -1.0e30;   // masked score: exp(NEG − m) underflows to 0 with no inf arithmetic

// Which tensor a loader reads (constants at most call sites, so the switch folds away).
const OP_Q: u32 = 0u;
const OP_K: u32 = 1u;
const OP_V: u32 = 2u;
const OP_DO: u32 = 3u;

var<workgroup> stage: array<vec4<f32>, 512>; // 4 operand slabs, or 2 row slabs
var<workgroup> tileP: array<vec4<f32>, 256>; // [32 rows][8 groups]: scores, p or dS
var<workgroup> tileS: array<vec4<f32>, 256>; // dkdv: dS beside p

// Element (b, t, head h, dim d) of an (N, C) tensor.
fn at(b: u32, h: u32, t: u32, d: u32) -> u32 {
  return (b * p.T + t) * p.C + h * p.hd + d;
}
fn rowIndex(b: u32, h: u32, t: u32) -> u32 {
  return (b * p.H + h) * p.T + t;
}
/** Vec4 slot of column group g in row r of an 8-group tile, swizzled. */
fn swz(r: u32, g: u32) -> u32 {
  return r * 8u + (g ^ (r & 7u));
}

// Zero past the sequence or the head dim.
fn readOperand(which: u32, b: u32, h: u32, t: u32, d: u32) -> f32 {
  if (t >= p.T || d >= p.hd) { return 0.0; }
  let i = at(b, h, t, d);
  switch which {
    case 0u: { return Q[i]; }
    case 1u: { return K[i]; }
    case 2u: { return V[i]; }
    default: { return dO[i]; }
  }
}
fn readForward(which: u32, b: u32, h: u32, t: u32, d: u32) -> f32 {
  if (t >= p.T || d >= p.hd) { return 0.0; }
  let i = at(b, h, t, d);
  switch which {
    case 0u: { return Q[i]; }
    case 1u: { return K[i]; }
    default: { return V[i]; }
  }
}

/**
 * Two transposed 16-dim operand slabs into stage slots `slot` and `slot + 1`: threads 0..127
 * fill the first (tensor `whichA`, rows from tA), 128..255 the second. Entry (row r, dim d) is
 * component r % 4 of vec4 swz(d, r / 4). The forward variants read only q, k and v, so that
 * the forward entry point's interface holds no backward binding.
 */
fn slabSlot(slot: u32, tid: u32) -> u32 {
  let u = tid % SLAB;
  return (slot + select(0u, 1u, tid >= SLAB)) * SLAB + swz(u % DC, u / DC);
}
fn fillSlabs(slot: u32, whichA: u32, tA: u32, whichB: u32, tB: u32, b: u32, h: u32, d0: u32, tid: u32) {
  let second = tid >= SLAB;
  let u = tid % SLAB;
  let d = d0 + u % DC;
  let which = select(whichA, whichB, second);
  let t = select(tA, tB, second) + 4u * (u / DC);
  stage[slabSlot(slot, tid)] = vec4<f32>(readOperand(which, b, h, t, d), readOperand(which, b, h, t + 1u, d),
                                         readOperand(which, b, h, t + 2u, d), readOperand(which, b, h, t + 3u, d));
}
fn fillSlabsForward(slot: u32, whichA: u32, tA: u32, whichB: u32, tB: u32, b: u32, h: u32, d0: u32, tid: u32) {
  let second = tid >= SLAB;
  let u = tid % SLAB;
  let d = d0 + u % DC;
  let which = select(whichA, whichB, second);
  let t = select(tA, tB, second) + 4u * (u / DC);
  stage[slabSlot(slot, tid)] = vec4<f32>(readForward(which, b, h, t, d), readForward(which, b, h, t + 1u, d),
                                         readForward(which, b, h, t + 2u, d), readForward(which, b, h, t + 3u, d));
}

/** A 32-row × 32-dim row-major slab of one tensor into stage slot `slot` (one vec4 per thread). */
fn fillRows(slot: u32, which: u32, t0: u32, b: u32, h: u32, d0: u32, tid: u32) {
  let t = t0 + tid / 8u;
  let d = d0 + 4u * (tid % 8u);
  stage[slot * ROWS + tid] = vec4<f32>(readOperand(which, b, h, t, d), readOperand(which, b, h, t, d + 1u),
                                       readOperand(which, b, h, t, d + 2u), readOperand(which, b, h, t, d + 3u));
}
fn fillRowsForward(slot: u32, which: u32, t0: u32, b: u32, h: u32, d0: u32, tid: u32) {
  let t = t0 + tid / 8u;
  let d = d0 + 4u * (tid % 8u);
  stage[slot * ROWS + tid] = vec4<f32>(readForward(which, b, h, t, d), readForward(which, b, h, t, d + 1u),
                                       readForward(which, b, h, t, d + 2u), readForward(which, b, h, t, d + 3u));
}

/** Σ_c tileP[row][c] · stage[slot][c][4·lane …]: one slab of p·v (or dS·k). */
fn accumulateP(row: u32, lane: u32, slot: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  for (var g = 0u; g < 8u; g++) {
    let w = tileP[swz(row, g)];
    let base = slot * ROWS + 32u * g + lane;
    acc = fma(vec4<f32>(w.x), stage[base], acc);
    acc = fma(vec4<f32>(w.y), stage[base + 8u], acc);
    acc = fma(vec4<f32>(w.z), stage[base + 16u], acc);
    acc = fma(vec4<f32>(w.w), stage[base + 24u], acc);
  }
  return acc;
}
fn accumulateS(row: u32, lane: u32, slot: u32) -> vec4<f32> {
  var acc = vec4<f32>(0.0);
  for (var g = 0u; g < 8u; g++) {
    let w = tileS[swz(row, g)];
    let base = slot * ROWS + 32u * g + lane;
    acc = fma(vec4<f32>(w.x), stage[base], acc);
    acc = fma(vec4<f32>(w.y), stage[base + 8u], acc);
    acc = fma(vec4<f32>(w.z), stage[base + 16u], acc);
    acc = fma(vec4<f32>(w.w), stage[base + 24u], acc);
  }
  return acc;
}

/** Forward: acc += p·v over one 32-dim slab of this key tile. */
fn forwardSlab(slab: u32, b: u32, h: u32, k0: u32, row: u32, lane: u32, tid: u32, acc: ptr<function, vec4<f32>>) {
  workgroupBarrier();
  fillRowsForward(0u, OP_V, k0, b, h, slab * DV, tid);
  workgroupBarrier();
  *acc += accumulateP(row, lane, 0u);
}

/** dq: acc += dS·k over one 32-dim slab of this key tile. */
fn dqSlab(slab: u32, b: u32, h: u32, k0: u32, row: u32, lane: u32, tid: u32, acc: ptr<function, vec4<f32>>) {
  workgroupBarrier();
  fillRows(0u, OP_K, k0, b, h, slab * DV, tid);
  workgroupBarrier();
  *acc += accumulateP(row, lane, 0u);
}

/** dkdv: dv += pᵀ·dO and dk += dSᵀ·q over one 32-dim slab of this query tile. */
fn dkdvSlab(slab: u32, b: u32, h: u32, q0: u32, row: u32, lane: u32, tid: u32,
            accK: ptr<function, vec4<f32>>, accV: ptr<function, vec4<f32>>) {
  workgroupBarrier();
  fillRows(0u, OP_DO, q0, b, h, slab * DV, tid);
  fillRows(1u, OP_Q, q0, b, h, slab * DV, tid);
  workgroupBarrier();
  *accV += accumulateP(row, lane, 0u);
  *accK += accumulateS(row, lane, 1u);
}

/** The first of the 4 head dims a lane owns in a slab (dims past hd are not written). */
fn columnsOf(slab: u32, lane: u32) -> u32 {
  return slab * DV + 4u * lane;
}

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) tid: u32) {
  let row = tid / LANES;
  let lane = tid % LANES;
  // Last query tiles first: they loop over the most keys, so the grid's tail is short.
  let q0 = (nwg.x - 1u - wid.x) * BQ;
  let h = wid.y;
  let b = wid.z;
  let qi = q0 + row;
  let cols = vec4<u32>(0u, 1u, 2u, 3u) + 4u * lane;

  var m = NEG;   // running row max
  var l = 0.0;   // running Σ exp(s − m)
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  let tiles = (min(p.T, q0 + BQ) + BK - 1u) / BK;
  for (var kt = 0u; kt < tiles; kt++) {
    let k0 = kt * BK;
    var s = vec4<f32>(0.0);
    for (var d0 = 0u; d0 < p.hd; d0 += DC) {
      workgroupBarrier();
      fillSlabsForward(0u, OP_Q, q0, OP_K, k0, b, h, d0, tid);
      workgroupBarrier();
      for (var d = 0u; d < DC; d++) {
        let qv = stage[swz(d, row / 4u)][row % 4u];
        s = fma(vec4<f32>(qv), stage[SLAB + swz(d, lane)], s);
      }
    }

    // Mask, scale and publish the scores so that each row can take its max over 32 keys.
    let c = vec4<u32>(k0) + cols;
    let valid = (c <= vec4<u32>(qi)) & (c < vec4<u32>(p.T));
    s = select(vec4<f32>(NEG), s * p.scale, valid);
    tileP[swz(row, lane)] = s;
    workgroupBarrier();
    var mNew = m;
    for (var g = 0u; g < 8u; g++) {
      let x = tileP[swz(row, g)];
      mNew = max(mNew, max(max(x.x, x.y), max(x.z, x.w)));
    }
    workgroupBarrier();
    // Key 0 is valid for every row, so m is finite from the first tile on and alpha is exact.
    let alpha = exp(m - mNew);
    m = mNew;
    let pv = select(vec4<f32>(0.0), exp(s - vec4<f32>(m)), valid);
    tileP[swz(row, lane)] = pv;
    acc0 *= alpha;
    acc1 *= alpha;
    acc2 *= alpha;
    acc3 *= alpha;

    forwardSlab(0u, b, h, k0, row, lane, tid, &acc0);
    // The slab-0 pass made every p visible (barrier): add the row's sum of p.
    var rowSum = 0.0;
    for (var g = 0u; g < 8u; g++) { rowSum += dot(tileP[swz(row, g)], vec4<f32>(1.0)); }
    l = l * alpha + rowSum;
    if (DV < p.hd) { forwardSlab(1u, b, h, k0, row, lane, tid, &acc1); }
    if (2u * DV < p.hd) { forwardSlab(2u, b, h, k0, row, lane, tid, &acc2); }
    if (3u * DV < p.hd) { forwardSlab(3u, b, h, k0, row, lane, tid, &acc3); }
  }

  if (qi < p.T) {
    let inv = 1.0 / l;
    let accs = array<vec4<f32>, 4>(acc0 * inv, acc1 * inv, acc2 * inv, acc3 * inv);
    for (var slab = 0u; slab < 4u; slab++) {
      for (var j = 0u; j < 4u; j++) {
        let d = columnsOf(slab, lane) + j;
        if (d < p.hd) { O[at(b, h, qi, d)] = accs[slab][j]; }
      }
    }
    if (lane == 0u) { LSE[rowIndex(b, h, qi)] = m + log(l); }
  }
}

@compute @workgroup_size(64, 1, 1)
fn backward_delta(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                  @builtin(local_invocation_index) tid: u32) {
  let i = (wid.x + wid.y * nwg.x) * 64u + tid;
  if (i >= p.B * p.H * p.T) { return; }
  let t = i % p.T;
  let bh = i / p.T;
  let h = bh % p.H;
  let b = bh / p.H;
  let base = at(b, h, t, 0u);
  var sum = 0.0;
  for (var d = 0u; d < p.hd; d++) { sum = fma(dOForDelta[base + d], oForDelta[base + d], sum); }
  deltaOut[i] = sum;
}

@compute @workgroup_size(256, 1, 1)
fn backward_dq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
               @builtin(local_invocation_index) tid: u32) {
  let row = tid / LANES;
  let lane = tid % LANES;
  // Last query tiles first: they loop over the most keys, so the grid's tail is short.
  let q0 = (nwg.x - 1u - wid.x) * BQ;
  let h = wid.y;
  let b = wid.z;
  let qi = q0 + row;
  let cols = vec4<u32>(0u, 1u, 2u, 3u) + 4u * lane;
  var lseRow = 0.0;
  var dRow = 0.0;
  if (qi < p.T) {
    lseRow = lseIn[rowIndex(b, h, qi)];
    dRow = deltaIn[rowIndex(b, h, qi)];
  }

  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);

  let tiles = (min(p.T, q0 + BQ) + BK - 1u) / BK;
  for (var kt = 0u; kt < tiles; kt++) {
    let k0 = kt * BK;
    var s = vec4<f32>(0.0);
    var dp = vec4<f32>(0.0);
    for (var d0 = 0u; d0 < p.hd; d0 += DC) {
      workgroupBarrier();
      fillSlabs(0u, OP_Q, q0, OP_DO, q0, b, h, d0, tid);
      fillSlabs(2u, OP_K, k0, OP_V, k0, b, h, d0, tid);
      workgroupBarrier();
      for (var d = 0u; d < DC; d++) {
        let at4 = swz(d, row / 4u);
        let qv = stage[at4][row % 4u];
        let gv = stage[SLAB + at4][row % 4u];
        s = fma(vec4<f32>(qv), stage[2u * SLAB + swz(d, lane)], s);
        dp = fma(vec4<f32>(gv), stage[3u * SLAB + swz(d, lane)], dp);
      }
    }
    let c = vec4<u32>(k0) + cols;
    let valid = (c <= vec4<u32>(qi)) & (c < vec4<u32>(p.T));
    let pv = select(vec4<f32>(0.0), exp(s * p.scale - vec4<f32>(lseRow)), valid);
    tileP[swz(row, lane)] = pv * (dp - vec4<f32>(dRow));

    dqSlab(0u, b, h, k0, row, lane, tid, &acc0);
    if (DV < p.hd) { dqSlab(1u, b, h, k0, row, lane, tid, &acc1); }
    if (2u * DV < p.hd) { dqSlab(2u, b, h, k0, row, lane, tid, &acc2); }
    if (3u * DV < p.hd) { dqSlab(3u, b, h, k0, row, lane, tid, &acc3); }
  }

  if (qi < p.T) {
    let accs = array<vec4<f32>, 4>(acc0, acc1, acc2, acc3);
    for (var slab = 0u; slab < 4u; slab++) {
      for (var j = 0u; j < 4u; j++) {
        let d = columnsOf(slab, lane) + j;
        if (d < p.hd) { dQ[at(b, h, qi, d)] = accs[slab][j] * p.scale; }
      }
    }
  }
}

@compute @workgroup_size(256, 1, 1)
fn backward_dkdv(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = tid / LANES;
  let lane = tid % LANES;
  let k0 = wid.x * BK;
  let h = wid.y;
  let b = wid.z;
  let kj = k0 + row;
  let cols = vec4<u32>(0u, 1u, 2u, 3u) + 4u * lane;

  var k0acc = vec4<f32>(0.0);
  var k1acc = vec4<f32>(0.0);
  var k2acc = vec4<f32>(0.0);
  var k3acc = vec4<f32>(0.0);
  var v0acc = vec4<f32>(0.0);
  var v1acc = vec4<f32>(0.0);
  var v2acc = vec4<f32>(0.0);
  var v3acc = vec4<f32>(0.0);

  // Queries before k0 never see these keys (causal), so start at k0's query tile. The first
  // key tiles loop over the most queries and are dispatched first.
  let tileEnd = (p.T + BQ - 1u) / BQ;
  for (var qt = k0 / BQ; qt < tileEnd; qt++) {
    let q0 = qt * BQ;
    var s = vec4<f32>(0.0);   // sᵀ[key row][queries 4·lane …]
    var dp = vec4<f32>(0.0);  // (v·dOᵀ)[key row][queries 4·lane …]
    for (var d0 = 0u; d0 < p.hd; d0 += DC) {
      workgroupBarrier();
      fillSlabs(0u, OP_K, k0, OP_V, k0, b, h, d0, tid);
      fillSlabs(2u, OP_Q, q0, OP_DO, q0, b, h, d0, tid);
      workgroupBarrier();
      for (var d = 0u; d < DC; d++) {
        let at4 = swz(d, row / 4u);
        let kv = stage[at4][row % 4u];
        let vv = stage[SLAB + at4][row % 4u];
        s = fma(vec4<f32>(kv), stage[2u * SLAB + swz(d, lane)], s);
        dp = fma(vec4<f32>(vv), stage[3u * SLAB + swz(d, lane)], dp);
      }
    }
    let qi = vec4<u32>(q0) + cols;
    var lse4 = vec4<f32>(0.0);
    var d4 = vec4<f32>(0.0);
    for (var j = 0u; j < 4u; j++) {
      if (qi[j] < p.T) {
        lse4[j] = lseIn[rowIndex(b, h, qi[j])];
        d4[j] = deltaIn[rowIndex(b, h, qi[j])];
      }
    }
    let valid = (vec4<u32>(kj) <= qi) & (qi < vec4<u32>(p.T));
    let pv = select(vec4<f32>(0.0), exp(s * p.scale - lse4), valid);
    tileP[swz(row, lane)] = pv;
    tileS[swz(row, lane)] = pv * (dp - d4);

    dkdvSlab(0u, b, h, q0, row, lane, tid, &k0acc, &v0acc);
    if (DV < p.hd) { dkdvSlab(1u, b, h, q0, row, lane, tid, &k1acc, &v1acc); }
    if (2u * DV < p.hd) { dkdvSlab(2u, b, h, q0, row, lane, tid, &k2acc, &v2acc); }
    if (3u * DV < p.hd) { dkdvSlab(3u, b, h, q0, row, lane, tid, &k3acc, &v3acc); }
  }

  if (kj < p.T) {
    let accK = array<vec4<f32>, 4>(k0acc, k1acc, k2acc, k3acc);
    let accV = array<vec4<f32>, 4>(v0acc, v1acc, v2acc, v3acc);
    for (var slab = 0u; slab < 4u; slab++) {
      for (var j = 0u; j < 4u; j++) {
        let d = columnsOf(slab, lane) + j;
        if (d < p.hd) {
          dK[at(b, h, kj, d)] = accK[slab][j] * p.scale;
          dV[at(b, h, kj, d)] = accV[slab][j];
        }
      }
    }
  }
}

// ---- One thread per (b, h, row): short sequences (see the header). ----

override HEAD_DIM: u32 = 16u;
override HD4: u32 = (HEAD_DIM + 3u) / 4u; // vec4 groups per head row (≤ ROW_MAX4)
const ROW_MAX4: u32 = 16u;                 // hd ≤ 64
const ROW_WG: u32 = 64u;

/** Flat index of the first element of row (b, h, t); its dims are HEAD_DIM consecutive floats. */
fn headRow(b: u32, h: u32, t: u32) -> u32 {
  return (b * p.T + t) * p.C + h * HEAD_DIM;
}
/** Which of dims d … d+3 lie inside the head (the rest read as 0). */
fn inHead(d: u32) -> vec4<bool> {
  return (vec4<u32>(d) + vec4<u32>(0u, 1u, 2u, 3u)) < vec4<u32>(HEAD_DIM);
}
fn ldQ(i: u32, d: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(Q[i + d], Q[i + d + 1u], Q[i + d + 2u], Q[i + d + 3u]), inHead(d));
}
fn ldK(i: u32, d: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(K[i + d], K[i + d + 1u], K[i + d + 2u], K[i + d + 3u]), inHead(d));
}
fn ldV(i: u32, d: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(V[i + d], V[i + d + 1u], V[i + d + 2u], V[i + d + 3u]), inHead(d));
}
fn ldDO(i: u32, d: u32) -> vec4<f32> {
  return select(vec4<f32>(0.0), vec4<f32>(dO[i + d], dO[i + d + 1u], dO[i + d + 2u], dO[i + d + 3u]), inHead(d));
}
fn hsum(v: vec4<f32>) -> f32 {
  return (v.x + v.y) + (v.z + v.w);
}
/** (b, h, t) of flat row i = (b·H + h)·T + t. */
fn rowCoords(i: u32) -> vec3<u32> {
  let bh = i / p.T;
  return vec3<u32>(bh / p.H, bh % p.H, i % p.T);
}

@compute @workgroup_size(64, 1, 1)
fn forward_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ROW_WG;
  if (i >= p.B * p.H * p.T) { return; }
  let c = rowCoords(i);
  let b = c.x;
  let h = c.y;
  let t = c.z;
  let qRow = headRow(b, h, t);
  var acc: array<vec4<f32>, ROW_MAX4>;
  var m = NEG;
  var l = 0.0;
  for (var j = 0u; j <= t; j++) {
    let kRow = headRow(b, h, j);
    var dotv = vec4<f32>(0.0);
    for (var g = 0u; g < HD4; g++) { dotv = fma(ldQ(qRow, 4u * g), ldK(kRow, 4u * g), dotv); }
    let s = hsum(dotv) * p.scale;
    // Online softmax (key 0 sets m: it starts at NEG, and exp(NEG − s) is 0).
    let mNew = max(m, s);
    let alpha = exp(m - mNew);
    let pj = exp(s - mNew);
    m = mNew;
    l = fma(l, alpha, pj);
    for (var g = 0u; g < HD4; g++) { acc[g] = fma(acc[g], vec4<f32>(alpha), pj * ldV(kRow, 4u * g)); }
  }
  let inv = 1.0 / l;
  for (var g = 0u; g < HD4; g++) {
    let o = acc[g] * inv;
    for (var j = 0u; j < 4u; j++) {
      if (4u * g + j < HEAD_DIM) { O[qRow + 4u * g + j] = o[j]; }
    }
  }
  LSE[i] = m + log(l);
}

@compute @workgroup_size(64, 1, 1)
fn backward_dq_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ROW_WG;
  if (i >= p.B * p.H * p.T) { return; }
  let c = rowCoords(i);
  let b = c.x;
  let h = c.y;
  let t = c.z;
  let qRow = headRow(b, h, t);
  let lse = lseIn[i];
  let dRow = deltaIn[i];
  var acc: array<vec4<f32>, ROW_MAX4>;
  for (var j = 0u; j <= t; j++) {
    let kRow = headRow(b, h, j);
    var sv = vec4<f32>(0.0);
    var dpv = vec4<f32>(0.0);
    for (var g = 0u; g < HD4; g++) {
      sv = fma(ldQ(qRow, 4u * g), ldK(kRow, 4u * g), sv);
      dpv = fma(ldDO(qRow, 4u * g), ldV(kRow, 4u * g), dpv);
    }
    let pj = exp(hsum(sv) * p.scale - lse);
    let ds = pj * (hsum(dpv) - dRow);
    for (var g = 0u; g < HD4; g++) { acc[g] = fma(vec4<f32>(ds), ldK(kRow, 4u * g), acc[g]); }
  }
  for (var g = 0u; g < HD4; g++) {
    let v = acc[g] * p.scale;
    for (var j = 0u; j < 4u; j++) {
      if (4u * g + j < HEAD_DIM) { dQ[qRow + 4u * g + j] = v[j]; }
    }
  }
}

@compute @workgroup_size(64, 1, 1)
fn backward_dkdv_rows(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
  let i = gid.x + gid.y * nwg.x * ROW_WG;
  if (i >= p.B * p.H * p.T) { return; }
  let c = rowCoords(i);
  let b = c.x;
  let h = c.y;
  let t = c.z;
  let kRow = headRow(b, h, t);
  let rowsOf = i - t; // flat row of (b, h, 0)
  var accK: array<vec4<f32>, ROW_MAX4>;
  var accV: array<vec4<f32>, ROW_MAX4>;
  for (var qi = t; qi < p.T; qi++) {
    let qRow = headRow(b, h, qi);
    var sv = vec4<f32>(0.0);
    var dpv = vec4<f32>(0.0);
    for (var g = 0u; g < HD4; g++) {
      sv = fma(ldQ(qRow, 4u * g), ldK(kRow, 4u * g), sv);
      dpv = fma(ldDO(qRow, 4u * g), ldV(kRow, 4u * g), dpv);
    }
    let pj = exp(hsum(sv) * p.scale - lseIn[rowsOf + qi]);
    let ds = pj * (hsum(dpv) - deltaIn[rowsOf + qi]);
    for (var g = 0u; g < HD4; g++) {
      accV[g] = fma(vec4<f32>(pj), ldDO(qRow, 4u * g), accV[g]);
      accK[g] = fma(vec4<f32>(ds), ldQ(qRow, 4u * g), accK[g]);
    }
  }
  for (var g = 0u; g < HD4; g++) {
    let dk = accK[g] * p.scale;
    let dv = accV[g];
    for (var j = 0u; j < 4u; j++) {
      if (4u * g + j < HEAD_DIM) {
        dK[kRow + 4u * g + j] = dk[j];
        dV[kRow + 4u * g + j] = dv[j];
      }
    }
  }
}
