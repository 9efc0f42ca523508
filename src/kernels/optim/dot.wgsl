// Two-stage reductions of float32 vectors to one scalar written on the GPU: dot(a, b) (DOT), Σ a² (SUMSQ),
// Σ |a| (ABSSUM), max |a| (ABSMAX). Used by the optimisers (L-BFGS needs s·y, y·y, s·q, ‖g‖₁, ‖g‖∞).
// PARTIAL stage — uniform {n, stride = groups·64}; bindings 1 a, [2 b with DOT], then partials (read_write).
//   Dispatch (groups, 1, 1) with groups <= 64 workgroups of 64, no workgroup memory and no barriers
//   (barriers dominate on the CPU adapters): invocation g accumulates i = g, g + stride, … in four
//   interleaved accumulators and writes partials[g] (one partial per invocation, <= 4096).
// FINAL stage — uniform {count, outIndex}; bindings 1 partials (read), 2 out (read_write).
//   Dispatch (1, 1, 1): thread t combines partials t, t + 256, … (<= 16), then a tree; writes out[outIndex].
// Float32 accuracy: each partial adds ≈ n/4096 terms (four interleaved sums), then ≈ 16 + 8 levels, so the
// rounding error is about (n/16384 + 24)·2⁻²⁴·Σ|terms| (~1e-5 relative to Σ|terms| at n = 10⁶).

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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  var sum = vec4f(0.0);
  var i = gid.x;
  for (; i + 3u * p.stride < p.n; i += 4u * p.stride) {
    sum = vec4f(combine(sum.x, term(i)), combine(sum.y, term(i + p.stride)),
                combine(sum.z, term(i + 2u * p.stride)), combine(sum.w, term(i + 3u * p.stride)));
  }
  for (; i < p.n; i += p.stride) { sum.x = combine(sum.x, term(i)); }
  partials[gid.x] = combine(combine(sum.x, sum.y), combine(sum.z, sum.w));
}
#else
struct Params { count: u32, outIndex: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) lid: u32) {
  var value = 0.0;
  for (var i = lid; i < p.count; i += 256u) { value = combine(value, partials[i]); }
  acc[lid] = value;
  reduceWorkgroup(lid);
  if (lid == 0u) { out[p.outIndex] = acc[0]; }
}
#endif
