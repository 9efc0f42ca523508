// Per-channel affine y[n,c,h,w] = x[n,c,h,w]·scale[c] + shift[c] (a BatchNorm folded for inference),
// with an optional fused ReLU (variant RELU: y = max(·, 0)). Layout NCHW float32; scale, shift: [C].
// Bindings: 0 uniform {n, rowStride, skip, start, hw, channels}; storage buffers per entry point.
//
// FORWARD / BACKWARD_INPUT: 1-D, 256 threads per workgroup, folded into y past 65535 workgroups,
//   i = gid.y·rowStride + gid.x; one invocation computes one element. x, y, dy, dx are bound as the
//   same chunk of their buffers: element i of the chunk is [skip + i] and has flat NCHW index start + i,
//   so its channel is ((start + i) / hw) % channels.
//   dx = dy·scale[c]            (RELU: dx = dy·scale[c]·[y > 0], y the forward output)
// BACKWARD_PARAMS: one 256-thread workgroup per channel c (dispatch (C, 1, 1)); the threads stride over
//   the N·H·W elements of channel c and tree-reduce in workgroup memory:
//   dscale[c] = Σ_{n,h,w} g·x,  dshift[c] = Σ_{n,h,w} g,  g = dy (RELU: dy·[y > 0]).
struct Params { n: u32, rowStride: u32, skip: u32, start: u32, hw: u32, channels: u32 }
@group(0) @binding(0) var<uniform> p: Params;

#if FORWARD
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read> shift: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let c = ((p.start + i) / p.hw) % p.channels;
  let v = x[p.skip + i] * scale[c] + shift[c];
#if RELU
  y[p.skip + i] = max(v, 0.0);
#else
  y[p.skip + i] = v;
#endif
}
#elif BACKWARD_INPUT
#if RELU
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
#else
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
#endif

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let c = ((p.start + i) / p.hw) % p.channels;
  let j = p.skip + i;
#if RELU
  dx[j] = select(0.0, dy[j] * scale[c], y[j] > 0.0);
#else
  dx[j] = dy[j] * scale[c];
#endif
}
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
#if RELU
@group(0) @binding(2) var<storage, read> y: array<f32>;
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read_write> dscale: array<f32>;
@group(0) @binding(5) var<storage, read_write> dshift: array<f32>;
#else
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dscale: array<f32>;
@group(0) @binding(4) var<storage, read_write> dshift: array<f32>;
#endif

var<workgroup> sumScale: array<f32, 256>;
var<workgroup> sumShift: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let c = wid.x;
  let batch = p.n / (p.hw * p.channels);
  let perChannel = batch * p.hw;
  var accScale = 0.0;
  var accShift = 0.0;
  for (var k = t; k < perChannel; k += 256u) {
    let idx = ((k / p.hw) * p.channels + c) * p.hw + k % p.hw;
#if RELU
    let g = select(0.0, dy[idx], y[idx] > 0.0);
#else
    let g = dy[idx];
#endif
    accScale += g * x[idx];
    accShift += g;
  }
  sumScale[t] = accScale;
  sumShift[t] = accShift;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) {
      sumScale[t] += sumScale[t + s];
      sumShift[t] += sumShift[t + s];
    }
    workgroupBarrier();
  }
  if (t == 0u) {
    dscale[c] = sumScale[0];
    dshift[c] = sumShift[0];
  }
}
#endif
