// ReLU forward and backward, elementwise over any layout.
// Bindings: 0 uniform {n, rowStride, skip}; then storage buffers (see each entry point). Tensors larger
// than one storage binding run as several launches, each binding the same chunk of every buffer at an
// aligned-down offset: element i of the chunk is [skip + i] (see elementChunks in launch.ts).
// Dispatch: 1-D, 256 threads per workgroup, folded into y when n/256 > 65535 (rowStride = x groups * 256).
// One invocation computes one element.
// V4: each invocation does 4 consecutive elements as one vec4 (n and skip count vec4s), see add.wgsl.
struct Params { n: u32, rowStride: u32, skip: u32 }
@group(0) @binding(0) var<uniform> p: Params;
#if V4
alias T = vec4f;
#else
alias T = f32;
#endif

#if FORWARD
@group(0) @binding(1) var<storage, read> x: array<T>;
@group(0) @binding(2) var<storage, read_write> y: array<T>;

// y = max(x, 0)
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let j = p.skip + i;
  y[j] = max(x[j], T(0.0));
}
#elif IN_PLACE
@group(0) @binding(1) var<storage, read> y: array<T>;      // forward output (or input: same sign)
@group(0) @binding(2) var<storage, read_write> dy: array<T>;

// dy = dy where y > 0, else 0, in place (one buffer cannot be bound both read-only and read_write)
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let j = p.skip + i;
  dy[j] = select(T(0.0), dy[j], y[j] > T(0.0));
}
#else
@group(0) @binding(1) var<storage, read> y: array<T>;      // forward output (or input: same sign)
@group(0) @binding(2) var<storage, read> dy: array<T>;
@group(0) @binding(3) var<storage, read_write> dx: array<T>;

// dx = dy where y > 0, else 0 (the subgradient at 0 is taken as 0, as in PyTorch and TF)
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let j = p.skip + i;
  dx[j] = select(T(0.0), dy[j], y[j] > T(0.0));
}
#endif
