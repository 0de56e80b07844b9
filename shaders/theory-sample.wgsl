// The theory lab's samples as the GPU draws them (appended to theory-rng.wgsl): features and label
// noise of `count` consecutive samples, so that tests can hold them against src/theory/rng.ts and
// the moments the problem prescribes. The trainer draws the same numbers inline.
//
// out[s·(dim + 1) + i] = √λ_i · z_i(seed, first + s)   for i < dim   (x of sample first + s)
// out[s·(dim + 1) + dim] = noiseStd · ξ(seed, first + s)             (its label noise)
// One thread per (sample, coordinate quad); the noise by the thread of quad 0.

struct SampleParams {
  seed: u32,
  first: u32,
  count: u32,
  dim: u32,
  quads: u32,
  noiseStd: f32,
  _pad0: u32,
  _pad1: u32,
}

@group(0) @binding(0) var<uniform> sp: SampleParams;
@group(0) @binding(1) var<storage, read> sqrtLambda: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(64)
fn sample(@builtin(global_invocation_id) gid: vec3<u32>) {
  let index = gid.x;
  if (index >= sp.count * sp.quads) { return; }
  let s = index / sp.quads;
  let q = index % sp.quads;
  let n = sp.first + s;
  let z = gaussian4(sp.seed, n, q, FEATURE_STREAM);
  let row = s * (sp.dim + 1u);
  for (var j = 0u; j < 4u; j++) {
    let i = 4u * q + j;
    if (i < sp.dim) { out[row + i] = sqrtLambda[i] * z[j]; }
  }
  if (q == 0u) { out[row + sp.dim] = sp.noiseStd * noise_normal(sp.seed, n); }
}
