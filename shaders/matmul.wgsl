// Batched fp32 matmul: C[b] (M×N) (+)= alpha · op(A[b]) (M×K) · op(B[b]) (K×N).
// op(A) = A stored M×K, or Aᵀ when TRANS_A (A stored K×M); likewise B (stored N×K when TRANS_B).
// Shapes and batch strides are uniforms, so one pipeline per variant serves every shape.
// A stride of 0 broadcasts one matrix across the batch (e.g. a weight).
//
// Each workgroup computes a 64×64 tile of C with 16×16 threads, each thread a 4×4 register
// block at rows ty+16i and columns tx+16j (strided, so that neighbouring threads touch
// neighbouring columns: coalesced stores and conflict-free shared-memory reads).
// K advances in slabs of 16 staged in workgroup memory. Ragged edges load zeros.
//
// Split-K (for outputs with too few tiles to fill the GPU, e.g. the weight gradient dYᵀ·X):
// `main` runs with splits = S > 1, workgroup z = batch·S + slice, each slice summing K in
// [slice·kSplit, min(K, (slice+1)·kSplit)) into its own [M, N] block of a scratch buffer bound
// as C (strideC = M·N, alpha = 1, no accumulate). `reduce_splits` then adds the S blocks in
// slice order (deterministic) and writes or accumulates alpha·sum into C. Unsplit: S = 1.

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override ACCUMULATE: bool = false;

struct Params {
  M: u32,
  N: u32,
  K: u32,
  strideA: u32,
  strideB: u32,
  strideC: u32,
  alpha: f32,
  kSplit: u32, // K per split slice (a multiple of BK); ≥ K when unsplit
  splits: u32, // S
  batch: u32,  // used by reduce_splits
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> C: array<f32>;

const TILE: u32 = 64u;
const BK: u32 = 16u;

var<workgroup> As: array<f32, 1024>; // [BK][TILE]: As[k * TILE + m]
var<workgroup> Bs: array<f32, 1024>; // [BK][TILE]: Bs[k * TILE + n]

fn loadA(batch: u32, m: u32, k: u32, kEnd: u32) -> f32 {
  if (m >= p.M || k >= kEnd) { return 0.0; }
  if (TRANS_A) { return A[batch * p.strideA + k * p.M + m]; }
  return A[batch * p.strideA + m * p.K + k];
}

fn loadB(batch: u32, k: u32, n: u32, kEnd: u32) -> f32 {
  if (k >= kEnd || n >= p.N) { return 0.0; }
  if (TRANS_B) { return B[batch * p.strideB + n * p.K + k]; }
  return B[batch * p.strideB + k * p.N + n];
}

@compute @workgroup_size(16, 16, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) tid: u32) {
  // z = batch·splits + slice; the output block index is z itself (C, or the scratch).
  let batch = wid.z / p.splits;
  let kBegin = (wid.z % p.splits) * p.kSplit;
  let kEnd = min(p.K, kBegin + p.kSplit);
  let row0 = wid.y * TILE;
  let col0 = wid.x * TILE;
  var acc: array<array<f32, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = 0.0; } }

  let slabs = select(0u, (kEnd - kBegin + BK - 1u) / BK, kEnd > kBegin);
  for (var s = 0u; s < slabs; s++) {
    let k0 = kBegin + s * BK;
    // 1024 elements of each tile, 4 per thread. The index order follows memory order of
    // the stored matrix so that global reads are coalesced for every variant.
    for (var l = 0u; l < 4u; l++) {
      let idx = tid + 256u * l;
      var mm: u32; var ka: u32;
      if (TRANS_A) { mm = idx % TILE; ka = idx / TILE; } else { ka = idx % BK; mm = idx / BK; }
      As[ka * TILE + mm] = loadA(batch, row0 + mm, k0 + ka, kEnd);
      var nn: u32; var kb: u32;
      if (TRANS_B) { kb = idx % BK; nn = idx / BK; } else { nn = idx % TILE; kb = idx / TILE; }
      Bs[kb * TILE + nn] = loadB(batch, k0 + kb, col0 + nn, kEnd);
    }
    workgroupBarrier();
    for (var k = 0u; k < BK; k++) {
      var a: array<f32, 4>;
      var b: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) { a[i] = As[k * TILE + lid.y + 16u * i]; }
      for (var j = 0u; j < 4u; j++) { b[j] = Bs[k * TILE + lid.x + 16u * j]; }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(a[i], b[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }

  for (var i = 0u; i < 4u; i++) {
    let row = row0 + lid.y + 16u * i;
    if (row >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + lid.x + 16u * j;
      if (col >= p.N) { continue; }
      let at = wid.z * p.strideC + row * p.N + col;
      let value = p.alpha * acc[i][j];
      if (ACCUMULATE) { C[at] = C[at] + value; } else { C[at] = value; }
    }
  }
}

// Sums the S split-K slices of scratch (bound as A: [batch][S][M·N]) in slice order and writes
// or accumulates alpha·sum into C. One thread per output element; the grid may fold into y.
@compute @workgroup_size(256, 1, 1)
fn reduce_splits(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                 @builtin(local_invocation_index) tid: u32) {
  let e = (wid.x + wid.y * nwg.x) * 256u + tid;
  let mn = p.M * p.N;
  if (e >= mn * p.batch) { return; }
  let b = e / mn;
  let i = e % mn;
  let base = b * p.splits * mn + i;
  var sum = 0.0;
  for (var s = 0u; s < p.splits; s++) { sum += A[base + s * mn]; }
  let at = b * p.strideC + i;
  let value = p.alpha * sum;
  if (ACCUMULATE) { C[at] = C[at] + value; } else { C[at] = value; }
}

// Direct kernel for small problems (no workgroup memory, no barriers: on software adapters a
// barrier costs far more than the few reloads it saves at these sizes). Each workgroup covers a
// 32×32 block of C with 8×8 threads, each thread a 4×4 register block at rows ly+8i and columns
// lx+8j (strided like `main`, so that neighbouring threads touch neighbouring columns), reading
// op(A) and op(B) straight from global memory. Ragged edges clamp the row/column read to the
// last valid one (no branch in the K loop) and skip the store. Same Params, variants, batch
// strides and split-K slices (z = batch·splits + slice) as `main`, so reduce_splits serves both.
const DTILE: u32 = 32u;

@compute @workgroup_size(8, 8, 1)
fn direct(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let batch = wid.z / p.splits;
  let kBegin = (wid.z % p.splits) * p.kSplit;
  let kEnd = min(p.K, kBegin + p.kSplit);
  let row0 = wid.y * DTILE + lid.y;
  let col0 = wid.x * DTILE + lid.x;
  // Element (m, k) of op(A) is at a[m] + k·aStep; (k, n) of op(B) at b[n] + k·bStep. Written out
  // by hand (vec4 accumulators, no dynamically indexed private arrays), which software adapters
  // otherwise keep in memory.
  let aStep = select(1u, p.M, TRANS_A);
  let bStep = select(p.N, 1u, TRANS_B);
  let m = min(vec4<u32>(row0) + vec4<u32>(0u, 8u, 16u, 24u), vec4<u32>(p.M - 1u));
  let n = min(vec4<u32>(col0) + vec4<u32>(0u, 8u, 16u, 24u), vec4<u32>(p.N - 1u));
  let a = vec4<u32>(batch * p.strideA) + select(m * p.K, m, TRANS_A) + vec4<u32>(kBegin * aStep);
  let b = vec4<u32>(batch * p.strideB) + select(n, n * p.K, TRANS_B) + vec4<u32>(kBegin * bStep);
  var acc0 = vec4<f32>(0.0);
  var acc1 = vec4<f32>(0.0);
  var acc2 = vec4<f32>(0.0);
  var acc3 = vec4<f32>(0.0);
  var ka = 0u;
  var kb = 0u;
  for (var k = kBegin; k < kEnd; k++) {
    let av = vec4<f32>(A[a.x + ka], A[a.y + ka], A[a.z + ka], A[a.w + ka]);
    let bv = vec4<f32>(B[b.x + kb], B[b.y + kb], B[b.z + kb], B[b.w + kb]);
    acc0 = fma(vec4<f32>(av.x), bv, acc0);
    acc1 = fma(vec4<f32>(av.y), bv, acc1);
    acc2 = fma(vec4<f32>(av.z), bv, acc2);
    acc3 = fma(vec4<f32>(av.w), bv, acc3);
    ka += aStep;
    kb += bStep;
  }
  storeDirect(wid.z, row0, col0, acc0);
  storeDirect(wid.z, row0 + 8u, col0, acc1);
  storeDirect(wid.z, row0 + 16u, col0, acc2);
  storeDirect(wid.z, row0 + 24u, col0, acc3);
}

// Row `row` of a direct thread's block: columns col0 + 8j, j < 4, skipping those outside C.
fn storeDirect(z: u32, row: u32, col0: u32, acc: vec4<f32>) {
  if (row >= p.M) { return; }
  let at = z * p.strideC + row * p.N + col0;
  for (var j = 0u; j < 4u; j++) {
    if (col0 + 8u * j >= p.N) { return; }
    let value = p.alpha * acc[j];
    if (ACCUMULATE) { C[at + 8u * j] = C[at + 8u * j] + value; } else { C[at + 8u * j] = value; }
  }
}
