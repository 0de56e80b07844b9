// One-pass mini-batch SGD on the theory lab's least-squares problem (appended to theory-rng.wgsl).
// src/theory/lanes.ts states the contract, src/theory/trainer.ref.ts is the float64 reference.
//
// Math, per lane (batch B, learning rate γ), in error coordinates e = w − w* (e_0 = −w*):
//   x_n = √λ ∘ z_n, ξ_n = σ_eff ζ_n               (sample n of the lane's seed, theory-rng.wgsl)
//   r_n = ⟨x_n, e⟩ − ξ_n,  g += r_n x_n
//   after samples tB … tB+B−1:  e ← e − (γ/B) g,  g ← 0,  t ← t + 1
//   each average k: ē_k ← ē_k + α_k (e − ē_k), W_k ← W_k + α_k (1 − W_k);  α_k = 1/t when the
//   rate is < 0 (uniform average), else the rate (1 − τ_k, EWA). Reading ē_k / W_k debiases the EWA.
//   at the steps of the evaluation schedule: excess risks tail + Σ_i λ_i (ē_k,i / W_k)² and
//   tail + Σ_i λ_i e_i² (the last iterate), exact in the eigenbasis.
//
// Threads: one workgroup per group (lanes sharing a seed), one thread per lane slot (WG slots;
// unused slots only help draw). The group walks its sample stream in blocks of C samples: the
// threads draw the block's C·M features and C noises into workgroup memory together (each draw
// once, not once per lane), barrier, then each lane runs the block on its own. Within a block a
// lane works in segments that end at a step boundary (e is fixed inside one): the segment's
// residuals first (one pass over e), then its gradient, e and the averages (one pass), so that a
// lane touches its storage vectors once per segment rather than once per sample. A dispatch runs
// `blocks` blocks, fewer once no lane of the group runs; state (steps, next evaluation, status,
// averages' weights, the group's sample counter) lives in storage between dispatches, where the
// host may also mark lanes stopped. A lane's vectors are touched only by its thread.
//
// Coordinates go by fours (vec4, Q = ⌈M/4⌉ quads, zero-padded: √λ = λ = 0 there, so padded
// coordinates stay 0). Layout (S = slots, K = averages, E = evaluations):
//   constants (vec4): √λ quads [0, Q), λ quads [Q, 2Q)
//   rates (f32): the K averages' rates
//   spec (u32): group g's seed at g; slot s: batch, maxSteps, bits(γ), used at
//               laneSpecOffset + 4s; evaluation steps at evalOffset + j
//   state (u32): slot s at STATE_STRIDE·s: steps, nextEval, status, 0, then bits(W_k) for k < K;
//                group g's next sample at groupStateOffset + g
//   vectors (vec4): kind c (0 error, 1 gradient, 2 + k average k), quad q of slot s at (c·Q + q)·S + s
//   evals (f32): slot s, evaluation j: averages k at (s·E + j)·(K + 1) + k, the last iterate at + K

override WG: u32 = 16u;

const XS_QUADS: u32 = 1024u;  // C·Q ≤ this (16 KiB of workgroup memory)
const MAX_BLOCK: u32 = 256u;  // C ≤ this
const STATE_STRIDE: u32 = 12u;
const MAX_AVERAGES: u32 = 8u;

const RUNNING: u32 = 0u;
const CAPPED: u32 = 2u;
const DIVERGED: u32 = 3u;
const UNUSED: u32 = 4u;

struct Params {
  dim: u32,
  quads: u32,
  slots: u32,
  evalCount: u32,
  averages: u32,
  blockSamples: u32,
  blocks: u32,
  laneSpecOffset: u32,
  evalOffset: u32,
  groupStateOffset: u32,
  _pad0: u32,
  _pad1: u32,
  noiseStd: f32,
  tail: f32,
  divergenceLimit: f32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> constants: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> rates: array<f32>;
@group(0) @binding(3) var<storage, read> spec: array<u32>;
@group(0) @binding(4) var<storage, read_write> state: array<u32>;
@group(0) @binding(5) var<storage, read_write> vectors: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read_write> evals: array<f32>;

var<workgroup> xs: array<vec4<f32>, XS_QUADS>;
var<workgroup> noises: array<f32, MAX_BLOCK>;
var<workgroup> runningCount: atomic<u32>;
var<workgroup> runningShared: u32;

fn vi(kind: u32, q: u32, slot: u32) -> u32 {
  return (kind * p.quads + q) * p.slots + slot;
}

/** Inf and NaN by their bits: WGSL lets compilers assume neither occurs in arithmetic. */
fn is_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

/** tail + Σ λ_i (v_i · scale)² over vector `kind` of the slot. */
fn excess_risk(kind: u32, slot: u32, scale: f32) -> f32 {
  var sum = 0.0;
  for (var q = 0u; q < p.quads; q++) {
    let v = vectors[vi(kind, q, slot)] * scale;
    sum += dot(constants[p.quads + q], v * v);
  }
  return p.tail + sum;
}

@compute @workgroup_size(WG)
fn train(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let slot = g * WG + lid;
  let seed = spec[g];
  let ls = p.laneSpecOffset + 4u * slot;
  let batch = spec[ls];
  let maxSteps = spec[ls + 1u];
  let scale = bitcast<f32>(spec[ls + 2u]) / f32(batch);
  let st = STATE_STRIDE * slot;
  var steps = state[st];
  var nextEval = state[st + 1u];
  var status = state[st + 2u];
  if (spec[ls + 3u] == 0u) { status = UNUSED; }
  var sample = state[p.groupStateOffset + g];
  let Q = p.quads;
  let C = p.blockSamples;
  var residuals: array<f32, MAX_BLOCK>;
  var alphas: array<f32, MAX_AVERAGES>;

  for (var blk = 0u; blk < p.blocks; blk++) {
    // Every thread is past the previous block (its tile reads included) before anything is reset.
    workgroupBarrier();
    if (lid == 0u) { atomicStore(&runningCount, 0u); }
    workgroupBarrier();
    if (status == RUNNING) { atomicAdd(&runningCount, 1u); }
    workgroupBarrier();
    if (lid == 0u) { runningShared = atomicLoad(&runningCount); }
    if (workgroupUniformLoad(&runningShared) == 0u) { break; }

    // Draw the block's features and noises together.
    for (var idx = lid; idx < C * Q; idx += WG) {
      let c = idx / Q;
      let q = idx % Q;
      xs[idx] = constants[q] * gaussian4(seed, sample + c, q, FEATURE_STREAM);
    }
    for (var c = lid; c < C; c += WG) { noises[c] = p.noiseStd * noise_normal(seed, sample + c); }
    workgroupBarrier();

    var c = 0u;
    while (c < C && status == RUNNING) {
      // A segment: samples c … c + len − 1, all in one step.
      let n = sample + c;
      let len = min(C - c, batch - n % batch);
      for (var s = 0u; s < len; s++) { residuals[s] = -noises[c + s]; }
      for (var q = 0u; q < Q; q++) {
        let e = vectors[vi(0u, q, slot)];
        for (var s = 0u; s < len; s++) { residuals[s] += dot(xs[(c + s) * Q + q], e); }
      }
      let wholeStep = n % batch == 0u && len == batch;
      let ends = (n + len) % batch == 0u;
      // When the segment ends a step, the averages move in the same pass as e (α of step t + 1).
      if (ends) {
        for (var k = 0u; k < p.averages; k++) {
          alphas[k] = rates[k];
          if (alphas[k] < 0.0) { alphas[k] = 1.0 / f32(steps + 1u); }
        }
      }
      for (var q = 0u; q < Q; q++) {
        var acc = vec4<f32>(0.0);
        for (var s = 0u; s < len; s++) { acc += residuals[s] * xs[(c + s) * Q + q]; }
        let eq = vi(0u, q, slot);
        if (!ends) {
          vectors[vi(1u, q, slot)] += acc;
          continue;
        }
        var e = vectors[eq];
        if (wholeStep) {
          // The step's whole gradient is this segment's.
          e -= scale * acc;
        } else {
          let gq = vi(1u, q, slot);
          e -= scale * (vectors[gq] + acc);
          vectors[gq] = vec4<f32>(0.0);
        }
        vectors[eq] = e;
        for (var k = 0u; k < p.averages; k++) {
          let aq = vi(2u + k, q, slot);
          vectors[aq] += alphas[k] * (e - vectors[aq]);
        }
      }
      c += len;
      if (!ends) { continue; }
      steps += 1u;
      for (var k = 0u; k < p.averages; k++) {
        let w = bitcast<f32>(state[st + 4u + k]);
        state[st + 4u + k] = bitcast<u32>(w + alphas[k] * (1.0 - w));
      }

      // Evaluation, divergence, the cap.
      if (nextEval < p.evalCount && steps == spec[p.evalOffset + nextEval]) {
        let base = (slot * p.evalCount + nextEval) * (p.averages + 1u);
        let last = excess_risk(0u, slot, 1.0);
        evals[base + p.averages] = last;
        for (var k = 0u; k < p.averages; k++) {
          evals[base + k] = excess_risk(2u + k, slot, 1.0 / bitcast<f32>(state[st + 4u + k]));
        }
        nextEval += 1u;
        if (!is_finite(last) || last > p.divergenceLimit) { status = DIVERGED; }
      }
      if (status == RUNNING && steps >= maxSteps) { status = CAPPED; }
    }
    sample += C;
  }

  if (status != UNUSED) {
    state[st] = steps;
    state[st + 1u] = nextEval;
    state[st + 2u] = status;
  }
  if (lid == 0u) { state[p.groupStateOffset + g] = sample; }
}
