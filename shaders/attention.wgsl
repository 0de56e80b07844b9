// Fused causal multi-head self-attention, forward and backward (FlashAttention-2 style).
//
// q, k, v, o and their gradients are (N, C) row-major with N = B·T and C = H·hd; head h is
// columns h·hd … h·hd+hd−1. Query t of a sequence attends to keys 0..t of the same sequence:
//   o = softmax(q·kᵀ·scale + causal mask)·v, with scale = 1/sqrt(hd) passed as a uniform.
// The T×T score matrix never reaches global memory: each workgroup streams 32-key tiles through
// workgroup memory with an online softmax, and the backward pass recomputes p = exp(s − lse).
//
// Entry points (one pipeline each; shapes are uniforms):
//   forward         o, and lse = log Σ_keys exp(s) per (b, h, t) row for the backward pass
//   backward_delta  D[b,h,t] = Σ_d dO·o (the softmax-Jacobian term)
//   backward_dq     dq = scale · Σ_keys dS·k,           dS = p ⊙ (dO·vᵀ − D); loops over keys
//   backward_dkdv   dk = scale · Σ_queries dSᵀ·q, dv = Σ_queries pᵀ·dO;      loops over queries
// No atomics: every output element is written by exactly one thread (deterministic).
//
// Thread layout (256 threads): row = tid / 8 owns one query row (one key row in dkdv), lane =
// tid % 8 owns score columns lane + 8i (i < 4) and head dims slab·32 + lane + 8j (j < 4), so a
// thread keeps at most 16 accumulators per output whatever hd ≤ 128 is. Score phase: 16-dim
// slabs of each operand are staged transposed ([d][row], stride 33 against bank conflicts).
// Accumulate phase: 32-row × 32-dim slabs of v (or k, dO, q) are staged row-major.
// Workgroup memory: 2112 + 1056 floats = 12.4 KiB. Loads past T or hd read zeros.

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

const THREADS: u32 = 256u;
const BQ: u32 = 32u;        // query rows per tile
const BK: u32 = 32u;        // key rows per tile
const LANES: u32 = 8u;      // threads per row
const DC: u32 = 16u;        // head dims per slab, score phase
const DV: u32 = 32u;        // head dims per slab, accumulate phase
const MAX_SLABS: u32 = 4u;  // 128 / DV: the largest head dim supported
const PS: u32 = 33u;        // padded row stride (32 + 1)
const OPERAND: u32 = 528u;  // DC · PS: one transposed operand slab in `stage`
const NEG: f32 = -1.0e30;   // masked score: exp(NEG − m) underflows to 0 with no inf arithmetic

var<workgroup> stage: array<f32, 2112>; // 4 operand slabs (score phase) or 2 row slabs of 32×32
var<workgroup> tileP: array<f32, 1056>; // [32][33]: scores, probabilities or dS of one tile

// Element (b, t, head h, dim d) of an (N, C) tensor; zero past the sequence or the head dim.
fn at(b: u32, h: u32, t: u32, d: u32) -> u32 {
  return (b * p.T + t) * p.C + h * p.hd + d;
}
fn inside(t: u32, d: u32) -> bool {
  return t < p.T && d < p.hd;
}
fn readQ(b: u32, h: u32, t: u32, d: u32) -> f32 {
  if (!inside(t, d)) { return 0.0; }
  return Q[at(b, h, t, d)];
}
fn readK(b: u32, h: u32, t: u32, d: u32) -> f32 {
  if (!inside(t, d)) { return 0.0; }
  return K[at(b, h, t, d)];
}
fn readV(b: u32, h: u32, t: u32, d: u32) -> f32 {
  if (!inside(t, d)) { return 0.0; }
  return V[at(b, h, t, d)];
}
fn readDO(b: u32, h: u32, t: u32, d: u32) -> f32 {
  if (!inside(t, d)) { return 0.0; }
  return dO[at(b, h, t, d)];
}
fn rowIndex(b: u32, h: u32, t: u32) -> u32 {
  return (b * p.H + h) * p.T + t;
}

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = tid / LANES;
  let lane = tid % LANES;
  let q0 = wid.x * BQ;
  let h = wid.y;
  let b = wid.z;
  let qi = q0 + row;

  var m = NEG;   // running row max
  var l = 0.0;   // running Σ exp(s − m)
  var acc: array<f32, 16>;
  for (var j = 0u; j < 16u; j++) { acc[j] = 0.0; }

  let tiles = (min(p.T, q0 + BQ) + BK - 1u) / BK;
  for (var kt = 0u; kt < tiles; kt++) {
    let k0 = kt * BK;
    var s = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var d0 = 0u; d0 < p.hd; d0 += DC) {
      workgroupBarrier();
      for (var e = 0u; e < 2u; e++) {
        let idx = tid + THREADS * e;
        let r = idx / DC;
        let d = idx % DC;
        stage[d * PS + r] = readQ(b, h, q0 + r, d0 + d);
        stage[OPERAND + d * PS + r] = readK(b, h, k0 + r, d0 + d);
      }
      workgroupBarrier();
      for (var d = 0u; d < DC; d++) {
        let qv = stage[d * PS + row];
        for (var i = 0u; i < 4u; i++) {
          s[i] = fma(qv, stage[OPERAND + d * PS + lane + LANES * i], s[i]);
        }
      }
    }

    // Mask, scale and publish the scores so that each row can take its max over 32 keys.
    for (var i = 0u; i < 4u; i++) {
      let c = k0 + lane + LANES * i;
      s[i] = select(NEG, s[i] * p.scale, c <= qi && c < p.T);
      tileP[row * PS + lane + LANES * i] = s[i];
    }
    workgroupBarrier();
    var mNew = m;
    for (var c = 0u; c < BK; c++) { mNew = max(mNew, tileP[row * PS + c]); }
    workgroupBarrier();
    // Key 0 is valid for every row, so m is finite from the first tile on and alpha is exact.
    let alpha = exp(m - mNew);
    m = mNew;
    for (var i = 0u; i < 4u; i++) {
      let c = k0 + lane + LANES * i;
      tileP[row * PS + lane + LANES * i] = select(0.0, exp(s[i] - m), c <= qi && c < p.T);
    }
    l *= alpha;
    for (var j = 0u; j < 16u; j++) { acc[j] *= alpha; }

    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      let d0 = slab * DV;
      if (d0 >= p.hd) { break; }
      workgroupBarrier();
      for (var e = 0u; e < 4u; e++) {
        let idx = tid + THREADS * e;
        let c = idx / DV;
        let d = idx % DV;
        stage[c * DV + d] = readV(b, h, k0 + c, d0 + d);
      }
      workgroupBarrier();
      for (var c = 0u; c < BK; c++) {
        let pv = tileP[row * PS + c];
        if (slab == 0u) { l += pv; }
        for (var j = 0u; j < 4u; j++) {
          acc[slab * 4u + j] = fma(pv, stage[c * DV + lane + LANES * j], acc[slab * 4u + j]);
        }
      }
    }
  }

  if (qi < p.T) {
    let inv = 1.0 / l;
    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      for (var j = 0u; j < 4u; j++) {
        let d = slab * DV + lane + LANES * j;
        if (d < p.hd) { O[at(b, h, qi, d)] = acc[slab * 4u + j] * inv; }
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
fn backward_dq(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) tid: u32) {
  let row = tid / LANES;
  let lane = tid % LANES;
  let q0 = wid.x * BQ;
  let h = wid.y;
  let b = wid.z;
  let qi = q0 + row;
  var lseRow = 0.0;
  var dRow = 0.0;
  if (qi < p.T) {
    lseRow = lseIn[rowIndex(b, h, qi)];
    dRow = deltaIn[rowIndex(b, h, qi)];
  }

  var acc: array<f32, 16>;
  for (var j = 0u; j < 16u; j++) { acc[j] = 0.0; }

  let tiles = (min(p.T, q0 + BQ) + BK - 1u) / BK;
  for (var kt = 0u; kt < tiles; kt++) {
    let k0 = kt * BK;
    var s = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    var dp = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var d0 = 0u; d0 < p.hd; d0 += DC) {
      workgroupBarrier();
      for (var e = 0u; e < 2u; e++) {
        let idx = tid + THREADS * e;
        let r = idx / DC;
        let d = idx % DC;
        stage[d * PS + r] = readQ(b, h, q0 + r, d0 + d);
        stage[OPERAND + d * PS + r] = readDO(b, h, q0 + r, d0 + d);
        stage[2u * OPERAND + d * PS + r] = readK(b, h, k0 + r, d0 + d);
        stage[3u * OPERAND + d * PS + r] = readV(b, h, k0 + r, d0 + d);
      }
      workgroupBarrier();
      for (var d = 0u; d < DC; d++) {
        let qv = stage[d * PS + row];
        let gv = stage[OPERAND + d * PS + row];
        for (var i = 0u; i < 4u; i++) {
          let kc = 2u * OPERAND + d * PS + lane + LANES * i;
          s[i] = fma(qv, stage[kc], s[i]);
          dp[i] = fma(gv, stage[kc + OPERAND], dp[i]);
        }
      }
    }
    for (var i = 0u; i < 4u; i++) {
      let c = k0 + lane + LANES * i;
      let pv = select(0.0, exp(s[i] * p.scale - lseRow), c <= qi && c < p.T);
      tileP[row * PS + lane + LANES * i] = pv * (dp[i] - dRow);
    }

    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      let d0 = slab * DV;
      if (d0 >= p.hd) { break; }
      workgroupBarrier();
      for (var e = 0u; e < 4u; e++) {
        let idx = tid + THREADS * e;
        let c = idx / DV;
        let d = idx % DV;
        stage[c * DV + d] = readK(b, h, k0 + c, d0 + d);
      }
      workgroupBarrier();
      for (var c = 0u; c < BK; c++) {
        let ds = tileP[row * PS + c];
        for (var j = 0u; j < 4u; j++) {
          acc[slab * 4u + j] = fma(ds, stage[c * DV + lane + LANES * j], acc[slab * 4u + j]);
        }
      }
    }
  }

  if (qi < p.T) {
    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      for (var j = 0u; j < 4u; j++) {
        let d = slab * DV + lane + LANES * j;
        if (d < p.hd) { dQ[at(b, h, qi, d)] = acc[slab * 4u + j] * p.scale; }
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

  var accK: array<f32, 16>;
  var accV: array<f32, 16>;
  for (var j = 0u; j < 16u; j++) { accK[j] = 0.0; accV[j] = 0.0; }

  // Queries before k0 never see these keys (causal), so start at k0's query tile.
  let tileEnd = (p.T + BQ - 1u) / BQ;
  for (var qt = k0 / BQ; qt < tileEnd; qt++) {
    let q0 = qt * BQ;
    var s = array<f32, 4>(0.0, 0.0, 0.0, 0.0);  // sᵀ[key row][query lane + 8i]
    var dp = array<f32, 4>(0.0, 0.0, 0.0, 0.0); // (v·dOᵀ)[key row][query lane + 8i]
    for (var d0 = 0u; d0 < p.hd; d0 += DC) {
      workgroupBarrier();
      for (var e = 0u; e < 2u; e++) {
        let idx = tid + THREADS * e;
        let r = idx / DC;
        let d = idx % DC;
        stage[d * PS + r] = readK(b, h, k0 + r, d0 + d);
        stage[OPERAND + d * PS + r] = readV(b, h, k0 + r, d0 + d);
        stage[2u * OPERAND + d * PS + r] = readQ(b, h, q0 + r, d0 + d);
        stage[3u * OPERAND + d * PS + r] = readDO(b, h, q0 + r, d0 + d);
      }
      workgroupBarrier();
      for (var d = 0u; d < DC; d++) {
        let kv = stage[d * PS + row];
        let vv = stage[OPERAND + d * PS + row];
        for (var i = 0u; i < 4u; i++) {
          let qc = 2u * OPERAND + d * PS + lane + LANES * i;
          s[i] = fma(kv, stage[qc], s[i]);
          dp[i] = fma(vv, stage[qc + OPERAND], dp[i]);
        }
      }
    }
    var ds: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) {
      let qi = q0 + lane + LANES * i;
      var lseI = 0.0;
      var dI = 0.0;
      if (qi < p.T) {
        lseI = lseIn[rowIndex(b, h, qi)];
        dI = deltaIn[rowIndex(b, h, qi)];
      }
      let pv = select(0.0, exp(s[i] * p.scale - lseI), kj <= qi && qi < p.T);
      ds[i] = pv * (dp[i] - dI);
      tileP[row * PS + lane + LANES * i] = pv;
    }

    // dv += pᵀ·dO over this query tile.
    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      let d0 = slab * DV;
      if (d0 >= p.hd) { break; }
      workgroupBarrier();
      for (var e = 0u; e < 4u; e++) {
        let idx = tid + THREADS * e;
        let c = idx / DV;
        let d = idx % DV;
        stage[c * DV + d] = readDO(b, h, q0 + c, d0 + d);
      }
      workgroupBarrier();
      for (var c = 0u; c < BQ; c++) {
        let pv = tileP[row * PS + c];
        for (var j = 0u; j < 4u; j++) {
          accV[slab * 4u + j] = fma(pv, stage[c * DV + lane + LANES * j], accV[slab * 4u + j]);
        }
      }
    }
    // Then dk += dSᵀ·q, reusing tileP once every thread is done reading p.
    workgroupBarrier();
    for (var i = 0u; i < 4u; i++) { tileP[row * PS + lane + LANES * i] = ds[i]; }
    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      let d0 = slab * DV;
      if (d0 >= p.hd) { break; }
      workgroupBarrier();
      for (var e = 0u; e < 4u; e++) {
        let idx = tid + THREADS * e;
        let c = idx / DV;
        let d = idx % DV;
        stage[c * DV + d] = readQ(b, h, q0 + c, d0 + d);
      }
      workgroupBarrier();
      for (var c = 0u; c < BQ; c++) {
        let dsv = tileP[row * PS + c];
        for (var j = 0u; j < 4u; j++) {
          accK[slab * 4u + j] = fma(dsv, stage[c * DV + lane + LANES * j], accK[slab * 4u + j]);
        }
      }
    }
  }

  if (kj < p.T) {
    for (var slab = 0u; slab < MAX_SLABS; slab++) {
      for (var j = 0u; j < 4u; j++) {
        let d = slab * DV + lane + LANES * j;
        if (d < p.hd) {
          dK[at(b, h, kj, d)] = accK[slab * 4u + j] * p.scale;
          dV[at(b, h, kj, d)] = accV[slab * 4u + j];
        }
      }
    }
  }
}
