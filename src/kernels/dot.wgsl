// Two-stage reductions of float32 vectors to one scalar written on the GPU: dot(a, b) (DOT), Σ a² (SUMSQ),
// Σ |a| (ABSSUM), max |a| (ABSMAX). Used by the optimisers (L-BFGS needs s·y, y·y, s·q, ‖g‖₁, ‖g‖∞).
// PARTIAL stage — uniform {n, stride = groups·256}; bindings 1 a, [2 b with DOT], then partials (read_write).
//   Dispatch (groups, 1, 1) with groups <= 256; each invocation accumulates a grid-stride slice
//   i = gid.x, gid.x + stride, … sequentially, then the workgroup combines its 256 values in a tree
//   in workgroup memory and writes partials[workgroup].
// FINAL stage — uniform {count (<= 256), outIndex}; bindings 1 partials (read), 2 out (read_write).
//   Dispatch (1, 1, 1): 256 invocations load one partial each, combine in a tree, write out[outIndex].
// Float32 accuracy: each sum adds ≈ n/65536 terms sequentially and then 16 tree levels, so the rounding
// error is about (n/65536 + 16)·2⁻²⁴·Σ|terms| (a few 1e-6 relative to Σ|terms| at n = 10⁶).

var<workgroup> acc: array<f32, 256>;

fn combine(x: f32, y: f32) -> f32 {
#if ABSMAX
  return max(x, y);
#else
  return x + y;
#endif
}

// Tree over the 256 workgroup values; result in acc[0].
fn reduceWorkgroup(lid: u32) {
  for (var width = 128u; width > 0u; width = width / 2u) {
    workgroupBarrier();
    if (lid < width) { acc[lid] = combine(acc[lid], acc[lid + width]); }
  }
  workgroupBarrier();
}

#if PARTIAL
struct Params { n: u32, stride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
#if DOT
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
#else
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
#endif

fn term(i: u32) -> f32 {
#if DOT
  return a[i] * b[i];
#elif SUMSQ
  return a[i] * a[i];
#else
  return abs(a[i]);
#endif
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(local_invocation_index) lid: u32,
        @builtin(workgroup_id) wid: vec3u) {
  var sum = 0.0;
  for (var i = gid.x; i < p.n; i += p.stride) { sum = combine(sum, term(i)); }
  acc[lid] = sum;
  reduceWorkgroup(lid);
  if (lid == 0u) { partials[wid.x] = acc[0]; }
}
#else
struct Params { count: u32, outIndex: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var value = 0.0;
  if (lid < p.count) { value = partials[lid]; }
  acc[lid] = value;
  reduceWorkgroup(lid);
  if (lid == 0u) { out[p.outIndex] = acc[0]; }
}
#endif
