// SWAG smoothing of activations (Wang, Li & Vasconcelos, CVPR 2021) and its backward. NCHW float32.
// Two kernel modes, T the temperature, M = C·H·W the size of one batch item:
//   softmax (the paper's Eq. 11): y[b] = softmax(x[b] / T) over all M elements of batch item b
//   channel softmax (the first released code's nn.Softmax2d): softmax over C at each (b, h, w)
// (The released code's third mode, scale: y = α·x, runs no kernel: α goes into the loss weights, style/losses.ts.)
// Backward of a softmax y = softmax(x/T) over a set S:  dx = y ⊙ (dy − Σ_S dy ⊙ y) / T.
// Bindings: 0 uniform Params; storage buffers per variant (below).
// Numerics: softmax subtracts the max; the whole-map version keeps a running (max m, Σ exp(v − m)) pair
//   per thread and merges pairs: (m, s) ⊕ (m', s') = (max, s·e^(m − max) + s'·e^(m' − max)).
//
// Variants and dispatch (1-D launches: 256 threads, i = gid.y·rowStride + gid.x, folded into y):
//   CHANNEL_FORWARD:  one invocation per (b, pixel): three passes over its C values (stride H·W).
//   CHANNEL_BACKWARD: one invocation per (b, pixel): d = Σ_c dy·y, then dx = y·(dy − d)·factor (1/T).
//   Whole-map softmax, item b, inputs bound as chunks of the item (element i at [skip + i]):
//   STATS_PARTIAL:    G <= 64 workgroups of 64 per chunk, no workgroup memory, no barriers (they dominate on
//                     the CPU adapters); invocation g of P = 64·G folds elements g, g + P, ... and writes
//                     partials[2(partialOffset + g) + {0,1}] = (m, s) of x/T.
//   STATS_FINAL:      one workgroup: merges n pairs from partialOffset into stats[2·batch + {0,1}] = (M, S).
//   APPLY:            one invocation per element: y = exp(x·factor − M_b) / S_b, b = (start + i) / item.
//   DOT_PARTIAL:      as STATS_PARTIAL; partials[partialOffset + g] = Σ dy·y over its elements.
//   DOT_FINAL:        one workgroup: stats[batch] = Σ of n partials from partialOffset.
//   BACKWARD_APPLY:   one invocation per element: dx = y·(dy − dot_b)·factor.
struct Params {
  n: u32, rowStride: u32, skip: u32, start: u32,
  item: u32, partialOffset: u32, batch: u32, factor: f32,
  hw: u32, channels: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

const LOWEST = -3.402823e38;  // finite stand-in for −∞: exp(LOWEST − m) = 0 and no inf − inf

#if CHANNEL_FORWARD
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
#elif CHANNEL_BACKWARD
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
#elif STATS_PARTIAL
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
#elif STATS_FINAL
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
#elif APPLY
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> stats: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
#elif DOT_PARTIAL
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
#elif DOT_FINAL
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> stats: array<f32>;
#else
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> stats: array<f32>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
#endif

fn merged(a: vec2f, b: vec2f) -> vec2f {
  let m = max(a.x, b.x);
  return vec2f(m, a.y * exp(a.x - m) + b.y * exp(b.x - m));
}

#if STATS_PARTIAL
// Barrier-free stage 1 (see the header): invocation g of P = 64·G folds elements g, g + P, ... into
// its own running pair, four of them interleaved (unrolled by 4) so the exps are independent.
fn online(a: vec2f, v: f32) -> vec2f {
  if (v > a.x) { return vec2f(v, a.y * exp(a.x - v) + 1.0); }
  return vec2f(a.x, a.y + exp(v - a.x));
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let stride = groups.x * 64u;
  var a0 = vec2f(LOWEST, 0.0);
  var a1 = a0;
  var a2 = a0;
  var a3 = a0;
  var i = gid.x;
  for (; i + 3u * stride < p.n; i += 4u * stride) {
    a0 = online(a0, x[p.skip + i] * p.factor);
    a1 = online(a1, x[p.skip + i + stride] * p.factor);
    a2 = online(a2, x[p.skip + i + 2u * stride] * p.factor);
    a3 = online(a3, x[p.skip + i + 3u * stride] * p.factor);
  }
  for (; i < p.n; i += stride) { a0 = online(a0, x[p.skip + i] * p.factor); }
  let a = merged(merged(a0, a1), merged(a2, a3));
  partials[2u * (p.partialOffset + gid.x)] = a.x;
  partials[2u * (p.partialOffset + gid.x) + 1u] = a.y;
}
#elif DOT_PARTIAL
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let stride = groups.x * 64u;
  var a = vec4f(0.0);
  var i = gid.x;
  for (; i + 3u * stride < p.n; i += 4u * stride) {
    let j = p.skip + i;
    a += vec4f(dy[j], dy[j + stride], dy[j + 2u * stride], dy[j + 3u * stride])
       * vec4f(y[j], y[j + stride], y[j + 2u * stride], y[j + 3u * stride]);
  }
  for (; i < p.n; i += stride) { a.x += dy[p.skip + i] * y[p.skip + i]; }
  partials[p.partialOffset + gid.x] = (a.x + a.y) + (a.z + a.w);
}
#elif REDUCTION
// STATS_FINAL / DOT_FINAL: one workgroup of 256; the pairs of STATS_FINAL merge with `merged`, the sums
// of DOT_FINAL add (in .x).
var<workgroup> acc: array<vec2f, 256>;

fn combine(a: vec2f, b: vec2f) -> vec2f {
#if STATS_FINAL
  return merged(a, b);
#else
  return a + b;
#endif
}

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
#if STATS_FINAL
  var a = vec2f(LOWEST, 0.0);
  for (var i = t; i < p.n; i += 256u) {
    let o = 2u * (p.partialOffset + i);
    a = merged(a, vec2f(partials[o], partials[o + 1u]));
  }
#else
  var a = vec2f(0.0);
  for (var i = t; i < p.n; i += 256u) { a.x += partials[p.partialOffset + i]; }
#endif
  acc[t] = a;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { acc[t] = combine(acc[t], acc[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u) {
#if STATS_FINAL
    stats[2u * p.batch] = acc[0].x;
    stats[2u * p.batch + 1u] = acc[0].y;
#else
    stats[p.batch] = acc[0].x;
#endif
  }
}
#else
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
#if CHANNEL_FORWARD
  let base = (i / p.hw) * p.channels * p.hw + i % p.hw;
  var m = LOWEST;
  for (var c = 0u; c < p.channels; c++) { m = max(m, x[base + c * p.hw] * p.factor); }
  var s = 0.0;
  for (var c = 0u; c < p.channels; c++) { s += exp(x[base + c * p.hw] * p.factor - m); }
  let inv = 1.0 / s;
  for (var c = 0u; c < p.channels; c++) { y[base + c * p.hw] = exp(x[base + c * p.hw] * p.factor - m) * inv; }
#elif CHANNEL_BACKWARD
  let base = (i / p.hw) * p.channels * p.hw + i % p.hw;
  var d = 0.0;
  for (var c = 0u; c < p.channels; c++) { d += dy[base + c * p.hw] * y[base + c * p.hw]; }
  for (var c = 0u; c < p.channels; c++) {
    let k = base + c * p.hw;
    dx[k] = y[k] * (dy[k] - d) * p.factor;
  }
#elif APPLY
  let b = (p.start + i) / p.item;
  y[p.skip + i] = exp(x[p.skip + i] * p.factor - stats[2u * b]) / stats[2u * b + 1u];
#else
  let b = (p.start + i) / p.item;
  let j = p.skip + i;
  dx[j] = y[j] * (dy[j] - stats[b]) * p.factor;
#endif
}
#endif
