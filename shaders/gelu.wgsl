// GELU, exact erf form (PyTorch's F.gelu default): gelu(x) = x·Φ(x), Φ(x) = ½(1 + erf(x/√2)).
// Backward: dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π).
//
// WGSL has no erf. Φ comes from erfc(|x|/√2) by Numerical Recipes' `erfcc` Chebyshev fit,
// whose relative error is under 1.2e-7 for every argument (measured 1.04e-7 in float64,
// src/kernels/gelu.ref.test.ts). Using erfc directly rather than 1 + erf keeps Φ's relative
// precision on the negative tail, so gelu(−10) ≈ −7.6e-23 instead of a rounded-away 0 or
// ±3e-7; on the positive side Φ = 1 − ½·erfc has absolute error under 6e-8 (plus fp32 rounding).
// One element per thread; the grid folds into y past 65535 workgroups.

struct Params {
  count: u32,
  _pad0: u32,
  _pad1: u32,
  _pad2: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> X: array<f32>;
@group(0) @binding(2) var<storage, read_write> Y: array<f32>;
@group(0) @binding(3) var<storage, read> DY: array<f32>;
@group(0) @binding(4) var<storage, read_write> DX: array<f32>;

const WG: u32 = 256u;
const FRAC_1_SQRT_2: f32 = 0.70710678118654752;
const FRAC_1_SQRT_2PI: f32 = 0.39894228040143268;

// erfc(z) for z ≥ 0 (Numerical Recipes in C, 2nd ed., §6.2, erfcc).
fn erfcPositive(z: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * z);
  let poly = -z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
      t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
      t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(poly);
}

fn normalCdf(x: f32) -> f32 {
  let tail = 0.5 * erfcPositive(abs(x) * FRAC_1_SQRT_2);
  return select(1.0 - tail, tail, x < 0.0);
}

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(256, 1, 1)
fn forward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
           @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  let x = X[i];
  Y[i] = x * normalCdf(x);
}

@compute @workgroup_size(256, 1, 1)
fn backward(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
            @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  let x = X[i];
  let pdf = FRAC_1_SQRT_2PI * exp(-0.5 * x * x);
  DX[i] = DY[i] * (normalCdf(x) + x * pdf);
}

// dx = dy·gelu'(x) with DX holding dy on entry (saves a buffer when dy is dead afterwards).
@compute @workgroup_size(256, 1, 1)
fn backward_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                     @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  let x = X[i];
  let pdf = FRAC_1_SQRT_2PI * exp(-0.5 * x * x);
  DX[i] = DX[i] * (normalCdf(x) + x * pdf);
}
