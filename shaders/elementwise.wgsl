// Elementwise ops over flat f32 arrays, one element per thread; the grid folds into y past
// 65535 workgroups, and the flat index is (wid.x + wid.y·nwg.x)·256 + lid.
//   add:          OUT = A + B           (A, B read-only; OUT must not alias them)
//   add_in_place: OUT += B              (the residual add x += y)
//   scale:        OUT *= p.scale
//   copy:         OUT = A
//   fill:         OUT = p.value         (zeroing inside a compute pass; see elementwise.ts)

struct Params {
  count: u32,
  scale: f32,
  value: f32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> A: array<f32>;
@group(0) @binding(2) var<storage, read> B: array<f32>;
@group(0) @binding(3) var<storage, read_write> OUT: array<f32>;

const WG: u32 = 256u;

fn flatIndex(wid: vec3<u32>, nwg: vec3<u32>, lid: u32) -> u32 {
  return (wid.x + wid.y * nwg.x) * WG + lid;
}

@compute @workgroup_size(256, 1, 1)
fn add(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
       @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  OUT[i] = A[i] + B[i];
}

@compute @workgroup_size(256, 1, 1)
fn add_in_place(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
                @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  OUT[i] = OUT[i] + B[i];
}

@compute @workgroup_size(256, 1, 1)
fn scale(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
         @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  OUT[i] = OUT[i] * p.scale;
}

@compute @workgroup_size(256, 1, 1)
fn copy(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  OUT[i] = A[i];
}

@compute @workgroup_size(256, 1, 1)
fn fill(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>,
        @builtin(local_invocation_index) lid: u32) {
  let i = flatIndex(wid, nwg, lid);
  if (i >= p.count) { return; }
  OUT[i] = p.value;
}
