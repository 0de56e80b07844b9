// Exponentially weighted average of the weights (the paper's EWA), over the flat buffer;
// τ is the decay (ewaDecay).
//
// update: wbar ← τ·wbar + (1 − τ)·θ, one thread per element (starting from wbar = 0).
// debias: out ← wbar · invBias, invBias = 1 / (1 − τ^t) computed by the host in float64,
//         writing an evaluation copy; neither wbar nor θ is touched.

struct Params {
  count: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
  ewaDecay: f32,
  oneMinusEwaDecay: f32,
  invBias: f32,
  _pad3: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> wbar: array<f32>;

@group(0) @binding(1) var<storage, read> average: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const WG: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn update(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.count) { return; }
  wbar[i] = p.ewaDecay * wbar[i] + p.oneMinusEwaDecay * theta[i];
}

@compute @workgroup_size(256, 1, 1)
fn debias(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
          @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.count) { return; }
  out[i] = average[i] * p.invBias;
}
