// Elementwise optimiser vector ops over n float32s (flat vectors, layout-free): Adam, axpy, scale, copy.
// Bindings: 0 uniform (per variant, below), then storage buffers. A buffer never appears twice in one
// dispatch (the launcher refuses aliasing).
// Dispatch: 1-D, 256 threads per workgroup, folded into y past 65535 workgroups
//   (i = gid.y · rowStride + gid.x). One invocation updates one element.

#if ADAM
// Adam with bias correction, as torch.optim.Adam (no weight decay, no amsgrad):
//   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//   p ← p − stepSize · m / (sqrt(v) / bc2Sqrt + eps),  stepSize = lr / (1 − β1^t),  bc2Sqrt = sqrt(1 − β2^t)
// stepSize, bc2Sqrt and 1 − β are computed per step on the CPU in float64: 1 − f32(0.999) in float32
// would be off by 1.3e-5 relative.
struct Params {
  n: u32, rowStride: u32, stepSize: f32, bc2Sqrt: f32,
  beta1: f32, beta2: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, eps: f32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let g = grad[i];
  let mi = p.beta1 * m[i] + p.oneMinusBeta1 * g;
  let vi = p.beta2 * v[i] + p.oneMinusBeta2 * g * g;
  m[i] = mi;
  v[i] = vi;
  param[i] = param[i] - p.stepSize * mi / (sqrt(vi) / p.bc2Sqrt + p.eps);
}
#elif AXPY
// y ← y + α·x with α = alpha (ALPHA_BUFFER false) or α = alpha · a[alphaIndex] (a scalar on the GPU,
// e.g. an L-BFGS coefficient, so no readback is needed).
// Vectors larger than one binding run in chunks: element i of the chunk is [skip + i] of its bindings.
struct Params { n: u32, rowStride: u32, alpha: f32, alphaIndex: u32, skip: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
#if ALPHA_BUFFER
@group(0) @binding(3) var<storage, read> a: array<f32>;
#endif

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
#if ALPHA_BUFFER
  let alpha = p.alpha * a[p.alphaIndex];
#else
  let alpha = p.alpha;
#endif
  let j = p.skip + i;
  y[j] = y[j] + alpha * x[j];
}
#elif SCALE
// x ← α·x, α as in AXPY.
// Chunks as in AXPY: element i of the chunk is [skip + i].
struct Params { n: u32, rowStride: u32, alpha: f32, alphaIndex: u32, skip: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
#if ALPHA_BUFFER
@group(0) @binding(2) var<storage, read> a: array<f32>;
#endif

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
#if ALPHA_BUFFER
  let alpha = p.alpha * a[p.alphaIndex];
#else
  let alpha = p.alpha;
#endif
  let j = p.skip + i;
  x[j] = alpha * x[j];
}
#else
// COPY: dst[dstOffset + i] ← src[srcOffset + i] (offsets in elements: e.g. one channel plane of an image).
struct Params { n: u32, rowStride: u32, srcOffset: u32, dstOffset: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  dst[p.dstOffset + i] = src[p.srcOffset + i];
}
#endif
