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
// threads draw the C·M features and C noises of the block into workgroup memory together (each
// draw once, not once per lane), barrier, then each lane runs its own C samples from there. At the
// end of a block a lane that reached the group's stopBelow stops the others (barrier, flag).
// A dispatch runs `blocks` blocks; state (steps, next evaluation, status, the group's sample
// counter) lives in storage between dispatches. No atomics between workgroups, no races: a lane's
// vectors are touched only by its thread.
//
// Layout (S = slots, M = dim, K = averages, E = evaluations):
//   constants: sqrtλ[0..M) | λ[M..2M) | rate[2M..2M+K)
//   spec (u32): group g: seed, bits(stopBelow) at 2g; slot s: batch, maxSteps, bits(γ), used at
//               laneSpecOffset + 4s; evaluation steps at evalOffset + j
//   state (u32): slot s: steps, nextEval, status, 0 at 4s; group g's next sample at groupStateOffset + g
//   vectors: kind c (0 error, 1 gradient, 2 + k average k) coordinate i of slot s at (c·M + i)·S + s;
//            W_k of slot s at weightsOffset + k·S + s
//   evals: slot s, evaluation j: averages k at (s·E + j)·(K + 1) + k, the last iterate at + K

override WG: u32 = 16u;

const XS_FLOATS: u32 = 4096u; // C·M ≤ this (16 KiB of workgroup memory)
const MAX_BLOCK: u32 = 256u;  // C ≤ this

const RUNNING: u32 = 0u;
const REACHED: u32 = 1u;
const STOPPED: u32 = 2u;
const CAPPED: u32 = 3u;
const DIVERGED: u32 = 4u;
const UNUSED: u32 = 5u;

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
  weightsOffset: u32,
  _pad0: u32,
  noiseStd: f32,
  tail: f32,
  divergenceLimit: f32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> constants: array<f32>;
@group(0) @binding(2) var<storage, read> spec: array<u32>;
@group(0) @binding(3) var<storage, read_write> state: array<u32>;
@group(0) @binding(4) var<storage, read_write> vectors: array<f32>;
@group(0) @binding(5) var<storage, read_write> evals: array<f32>;

var<workgroup> xs: array<f32, XS_FLOATS>;
var<workgroup> noises: array<f32, MAX_BLOCK>;
var<workgroup> runningCount: atomic<u32>;
var<workgroup> reachedFlag: atomic<u32>;
var<workgroup> runningShared: u32;

fn vec_index(kind: u32, i: u32, slot: u32) -> u32 {
  return (kind * p.dim + i) * p.slots + slot;
}

/** Inf and NaN by their bits: WGSL lets compilers assume neither occurs in arithmetic. */
fn is_finite(v: f32) -> bool {
  return (bitcast<u32>(v) & 0x7f800000u) != 0x7f800000u;
}

/** tail + Σ λ_i (v_i · scale)² over vector `kind` of the slot. */
fn excess_risk(kind: u32, slot: u32, scale: f32) -> f32 {
  var sum = 0.0;
  for (var i = 0u; i < p.dim; i++) {
    let v = vectors[vec_index(kind, i, slot)] * scale;
    sum += constants[p.dim + i] * v * v;
  }
  return p.tail + sum;
}

@compute @workgroup_size(WG)
fn train(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let g = wid.x;
  let slot = g * WG + lid;
  let seed = spec[2u * g];
  let stopBelow = bitcast<f32>(spec[2u * g + 1u]);
  let ls = p.laneSpecOffset + 4u * slot;
  let batch = spec[ls];
  let maxSteps = spec[ls + 1u];
  let scale = bitcast<f32>(spec[ls + 2u]) / f32(batch);
  var steps = state[4u * slot];
  var nextEval = state[4u * slot + 1u];
  var status = state[4u * slot + 2u];
  if (spec[ls + 3u] == 0u) { status = UNUSED; }
  var sample = state[p.groupStateOffset + g];
  let M = p.dim;
  let C = p.blockSamples;

  for (var blk = 0u; blk < p.blocks; blk++) {
    // Every thread has read the previous block's flag before it is reset.
    workgroupBarrier();
    if (lid == 0u) {
      atomicStore(&runningCount, 0u);
      atomicStore(&reachedFlag, 0u);
    }
    workgroupBarrier();
    if (status == RUNNING) { atomicAdd(&runningCount, 1u); }
    workgroupBarrier();
    if (lid == 0u) { runningShared = atomicLoad(&runningCount); }
    if (workgroupUniformLoad(&runningShared) == 0u) { break; }

    // Draw the block's features and noises together.
    for (var idx = lid; idx < C * p.quads; idx += WG) {
      let c = idx / p.quads;
      let q = idx % p.quads;
      let z = gaussian4(seed, sample + c, q, FEATURE_STREAM);
      for (var j = 0u; j < 4u; j++) {
        let i = 4u * q + j;
        if (i < M) { xs[c * M + i] = constants[i] * z[j]; }
      }
    }
    for (var c = lid; c < C; c += WG) { noises[c] = p.noiseStd * noise_normal(seed, sample + c); }
    workgroupBarrier();

    for (var c = 0u; c < C && status == RUNNING; c++) {
      var residual = -noises[c];
      for (var i = 0u; i < M; i++) { residual += xs[c * M + i] * vectors[vec_index(0u, i, slot)]; }
      for (var i = 0u; i < M; i++) {
        let gi = vec_index(1u, i, slot);
        vectors[gi] += residual * xs[c * M + i];
      }
      if ((sample + c + 1u) % batch != 0u) { continue; }

      // A step, then the averages.
      steps += 1u;
      for (var i = 0u; i < M; i++) {
        let ei = vec_index(0u, i, slot);
        let gi = vec_index(1u, i, slot);
        vectors[ei] -= scale * vectors[gi];
        vectors[gi] = 0.0;
      }
      for (var k = 0u; k < p.averages; k++) {
        let rate = constants[2u * M + k];
        var alpha = rate;
        if (rate < 0.0) { alpha = 1.0 / f32(steps); }
        for (var i = 0u; i < M; i++) {
          let ai = vec_index(2u + k, i, slot);
          vectors[ai] += alpha * (vectors[vec_index(0u, i, slot)] - vectors[ai]);
        }
        let wi = p.weightsOffset + k * p.slots + slot;
        vectors[wi] += alpha * (1.0 - vectors[wi]);
      }

      // Evaluation, divergence, the group's stop, the cap.
      if (nextEval < p.evalCount && steps == spec[p.evalOffset + nextEval]) {
        let base = (slot * p.evalCount + nextEval) * (p.averages + 1u);
        let last = excess_risk(0u, slot, 1.0);
        evals[base + p.averages] = last;
        var best = last;
        for (var k = 0u; k < p.averages; k++) {
          let r = excess_risk(2u + k, slot, 1.0 / vectors[p.weightsOffset + k * p.slots + slot]);
          evals[base + k] = r;
          if (k == 0u || r < best) { best = r; }
        }
        nextEval += 1u;
        if (!is_finite(last) || last > p.divergenceLimit) {
          status = DIVERGED;
        } else if (best <= stopBelow) {
          status = REACHED;
          atomicStore(&reachedFlag, 1u);
        }
      }
      if (status == RUNNING && steps >= maxSteps) { status = CAPPED; }
    }
    workgroupBarrier();
    if (status == RUNNING && atomicLoad(&reachedFlag) == 1u) { status = STOPPED; }
    sample += C;
  }

  if (status != UNUSED) {
    state[4u * slot] = steps;
    state[4u * slot + 1u] = nextEval;
    state[4u * slot + 2u] = status;
  }
  if (lid == 0u) { state[p.groupStateOffset + g] = sample; }
}
