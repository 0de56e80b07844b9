// Counter-based Gaussians for the theory lab (a function library: no bindings, no entry point;
// the wrappers prepend it to theory-sample.wgsl and theory-sgd.wgsl). src/theory/rng.ts computes
// the same numbers on the CPU.
//
// gaussian4(seed, sample, quad, stream) is a pure function of its four words:
//   h = pcg4d(seed, sample, quad, stream)        (Jarzynski & Olano 2020; u32 arithmetic mod 2^32)
//   u_k = (h_k >> 8 + 0.5) / 2^24 ∈ (0, 1)       (24-bit uniforms, exact in f32, never 0)
//   Box–Muller on (u0, u1) and (u2, u3): r = sqrt(−2 ln u), θ = 2π u' → (r cos θ, r sin θ).
//   cos and sin are our own (turn_cos_sin): WGSL lets the built-ins be off by 2^-11 absolute,
//   and the CPU emulator's are, which would make the GPU's draws differ from the CPU's by 5e-4.
// Feature coordinate i of sample n is gaussian4(seed, n, i / 4, FEATURE_STREAM)[i % 4]; the label
// noise of sample n is gaussian4(seed, n, 0, NOISE_STREAM).x. The uniforms match the CPU bit for
// bit; log, sqrt, cos and sin are f32 here, so the normals agree to f32 rounding (a few 1e-7).

const FEATURE_STREAM: u32 = 0u;
const NOISE_STREAM: u32 = 1u;
const TWO_PI: f32 = 6.283185307179586;

fn pcg4d(input: vec4<u32>) -> vec4<u32> {
  var v = input * 1664525u + 1013904223u;
  v.x += v.y * v.w;
  v.y += v.z * v.x;
  v.z += v.x * v.y;
  v.w += v.y * v.z;
  v = v ^ (v >> vec4<u32>(16u));
  v.x += v.y * v.w;
  v.y += v.z * v.x;
  v.z += v.x * v.y;
  v.w += v.y * v.z;
  return v;
}

fn uniforms24(h: vec4<u32>) -> vec4<f32> {
  return (vec4<f32>(h >> vec4<u32>(8u)) + 0.5) * (1.0 / 16777216.0);
}

/**
 * (cos 2πt, sin 2πt) for t in (0, 1), to about 3e-7: t − round(t) and its quarter turns are exact
 * in f32, which leaves an angle φ in [−π/4, π/4] for the Taylor polynomials (remainders below
 * φ⁹/9! = 3.3e-7 and φ¹⁰/10! = 2.4e-8), then a rotation by the quarter turns.
 */
fn turn_cos_sin(t: f32) -> vec2<f32> {
  let w = 4.0 * (t - round(t));
  let q = round(w);
  let phi = (w - q) * (0.25 * TWO_PI);
  let p2 = phi * phi;
  let s = phi * (1.0 - p2 / 6.0 * (1.0 - p2 / 20.0 * (1.0 - p2 / 42.0)));
  let c = 1.0 - p2 / 2.0 * (1.0 - p2 / 12.0 * (1.0 - p2 / 30.0 * (1.0 - p2 / 56.0)));
  let k = (i32(q) + 4) % 4;
  if (k == 0) { return vec2<f32>(c, s); }
  if (k == 1) { return vec2<f32>(-s, c); }
  if (k == 2) { return vec2<f32>(-c, -s); }
  return vec2<f32>(s, -c);
}

fn gaussian4(seed: u32, sample: u32, quad: u32, stream: u32) -> vec4<f32> {
  let u = uniforms24(pcg4d(vec4<u32>(seed, sample, quad, stream)));
  let r1 = sqrt(-2.0 * log(u.x));
  let r2 = sqrt(-2.0 * log(u.z));
  let cs1 = turn_cos_sin(u.y);
  let cs2 = turn_cos_sin(u.w);
  return vec4<f32>(r1 * cs1.x, r1 * cs1.y, r2 * cs2.x, r2 * cs2.y);
}

fn noise_normal(seed: u32, sample: u32) -> f32 {
  let u = uniforms24(pcg4d(vec4<u32>(seed, sample, 0u, NOISE_STREAM)));
  return sqrt(-2.0 * log(u.x)) * turn_cos_sin(u.y).x;
}
