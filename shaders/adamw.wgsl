// AdamW (decoupled weight decay; PyTorch torch.optim.AdamW semantics), one thread per element
// of the flat parameter buffer, with global-norm gradient clipping read from a GPU buffer:
//
//   clip = clipNorm > 0 ? min(1, clipNorm / (norm + 1e-6)) : 1     (norm = stats[normIndex])
//   g = grad · clip
//   θ ← θ · (1 − lr·wd)                      only where the decay mask bit is set (or no mask)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²
//   θ ← θ − (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + eps),  bc1 = 1 − β1^t, bc2 = 1 − β2^t
//
// The host precomputes decayMul = 1 − lr·wd, stepSize = lr / bc1, sqrtBc2 = sqrt(bc2) (float64).
// mask: one bit per element (bit i & 31 of word i >> 5), 1 = decay; ignored when useMask = 0.
// ZERO_GRAD clears each gradient after reading it, ready for the next accumulation.

override ZERO_GRAD: bool = false;

struct Params {
  count: u32,
  normIndex: u32,
  useMask: u32,
  _pad: u32,
  beta1: f32,
  oneMinusBeta1: f32,
  beta2: f32,
  oneMinusBeta2: f32,
  eps: f32,
  decayMul: f32,
  stepSize: f32,
  sqrtBc2: f32,
  clipNorm: f32,
  _pad1: f32,
  _pad2: f32,
  _pad3: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> theta: array<f32>;
@group(0) @binding(2) var<storage, read_write> grads: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> stats: array<f32>;
@group(0) @binding(6) var<storage, read> mask: array<u32>;

const WG: u32 = 256u;

@compute @workgroup_size(256, 1, 1)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.count) { return; }
  var clip = 1.0;
  if (p.clipNorm > 0.0) {
    clip = min(1.0, p.clipNorm / (stats[p.normIndex] + 1e-6));
  }
  let g = grads[i] * clip;
  if (ZERO_GRAD) { grads[i] = 0.0; }
  var w = theta[i];
  if (p.useMask == 0u || ((mask[i >> 5u] >> (i & 31u)) & 1u) == 1u) {
    w = w * p.decayMul;
  }
  let m1 = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let v1 = p.beta2 * v[i] + p.oneMinusBeta2 * g * g;
  m[i] = m1;
  v[i] = v1;
  let denom = sqrt(v1) / p.sqrtBc2 + p.eps;
  theta[i] = w - p.stepSize * (m1 / denom);
}
