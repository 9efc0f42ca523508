// Reductions to one float32 scalar (sum, mean squared error, total variation) and the backward of the
// two losses. Scalars stay on the GPU in 1-element buffers; backward reads dLoss from one, so no CPU
// readback sits between a loss and its gradient.
// Bindings: 0 uniform {n, skip, partialOffset, h, w, scale, rowStride}; storage buffers per variant (below).
//
// Two-stage reduction (deterministic: no atomics, a fixed order for a given launch geometry):
//   SUM / MSE / TV (stage 1): P = 64·G invocations in G workgroups of 64 (dispatch (G, 1, 1), G <= 64),
//     no workgroup memory and no barriers (barriers are the dominant cost on the CPU adapters: SwiftShader
//     switches coroutines per 4-lane subgroup at each one, llvmpipe splits the shader around it).
//     Invocation g sums its terms in four independent accumulators (unrolled by 4) and writes
//     partials[partialOffset + g]. Which terms (any n works):
//       grid-stride (GPUs): i = g, g + P, g + 2P, ... < n, so neighbouring invocations read neighbouring floats
//         (coalesced);
//       CONTIGUOUS (the CPU adapters): the run [g·L, (g+1)·L), L = ceil(n/P) rounded up to 4. A CPU runs each
//         SIMD group of invocations through its whole loop before the next, so grid-stride steps 4P floats
//         (16 KiB at P = 4096) per iteration: a new page, a TLB miss, per load. The style MSE over ResNet-50's
//         2048² stage-4 Gram took 52 ms on llvmpipe that way (0.6 GB/s) against 3.8 GB/s for its backward over
//         the same floats (bench/NOTES.md); in runs each lane streams through its own pages. With V4 (SUM and
//         MSE, n and skip whole vec4s) 8 invocations share their 8 runs, read as interleaved vec4s: a quarter of
//         the loads, one sequential stream per SIMD row (see main).
//     Terms:
//       SUM: x[i]        MSE: (a[i] − b[i])², a difference under 2^-63 counted as 0 (KEPT, below)
//       TV:  (x[h+1,w] − x[h,w])² [h < H−1] + (x[h,w+1] − x[h,w])² [w < W−1], x viewed as planes of H×W.
//     Inputs are bound as chunks of their buffers: term i reads element [skip + i] (see elementChunks);
//     each chunk's launch writes its own run of P partials.
//   FINAL (stage 2): one workgroup of 256; thread t sums partials t, t + 256, ... (<= 16 of them), then a
//     tree over the workgroup; out[0] = scale · Σ_{j < n} partials[j].
// Float32 accuracy: each partial adds about n/4096 terms in 4 interleaved sums, then 16 + 8 levels.
// Backward, 1-D, 256 threads per workgroup folded into y past 65535 workgroups (i = gid.y·rowStride + gid.x),
//   one invocation per element:
//   MSE_BACKWARD: da[i] = scale · 2(a[i] − b[i]) · dLoss[0],   scale = 1/n_total; with V4 an invocation does 4
//     consecutive elements as one vec4 (n and skip count vec4s; 2x on both CPU adapters, as relu.wgsl's).
//     With DIFF (no dLoss binding): da[i] = a[i] − b[i], the residual alone, for a caller that applies the
//     factor 2·dLoss/n_total after a product instead (gramLoss: a tiny factor before its gemm made the gemm
//     compute on subnormal floats, ~25x slower on x86; engine/ops-loss.ts). DIFF with IN_PLACE: a[i] −= b[i]
//     (the Gram loss's G − A written over its Gram: one Gram-sized buffer less, 16 MiB at ResNet-50's stage 4).
//   TV_BACKWARD:  dx[i] = scale · 2 · dLoss[0] · ( [h>0](x[h,w] − x[h−1,w]) − [h<H−1](x[h+1,w] − x[h,w])
//                                                + [w>0](x[h,w] − x[h,w−1]) − [w<W−1](x[h,w+1] − x[h,w]) )
struct Params { n: u32, skip: u32, partialOffset: u32, h: u32, w: u32, scale: f32, rowStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;

#if SUM
#if V4
@group(0) @binding(1) var<storage, read> x: array<vec4f>;
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
#endif
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
#elif MSE
#if V4
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
#else
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
#endif
@group(0) @binding(3) var<storage, read_write> partials: array<f32>;
#elif TV
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> partials: array<f32>;
#elif FINAL
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
#elif MSE_BACKWARD
#if V4
alias T = vec4f;
#else
alias T = f32;
#endif
#if IN_PLACE
@group(0) @binding(1) var<storage, read_write> a: array<T>;  // d overwrites a (one buffer cannot be bound read-only and read_write)
#else
@group(0) @binding(1) var<storage, read> a: array<T>;
#endif
@group(0) @binding(2) var<storage, read> b: array<T>;
#if DIFF
#if IN_PLACE
#else
@group(0) @binding(3) var<storage, read_write> da: array<T>;
#endif
#else
@group(0) @binding(3) var<storage, read> dLoss: array<f32>;
@group(0) @binding(4) var<storage, read_write> da: array<T>;
#endif
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dLoss: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
#endif

#if MSE_BACKWARD
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let j = p.skip + i;
#if DIFF
#if IN_PLACE
  a[j] = a[j] - b[j];
#else
  da[j] = a[j] - b[j];
#endif
#else
  da[j] = p.scale * 2.0 * (a[j] - b[j]) * dLoss[0];
#endif
}
#elif TV_BACKWARD
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let H = p.h;
  let W = p.w;
  let col = i % W;
  let row = (i / W) % H;
  let v = x[i];
  var g = 0.0;
  if (row > 0u) { g += v - x[i - W]; }
  if (row + 1u < H) { g -= x[i + W] - v; }
  if (col > 0u) { g += v - x[i - 1u]; }
  if (col + 1u < W) { g -= x[i + 1u] - v; }
  dx[i] = p.scale * 2.0 * dLoss[0] * g;
}
#elif FINAL
var<workgroup> sums: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(local_invocation_index) t: u32) {
  var acc = 0.0;
  for (var i = t; i < p.n; i += 256u) { acc += partials[i]; }
  sums[t] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { sums[t] += sums[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { out[0] = p.scale * sums[0]; }
}
#else
// MSE: a difference under 2^-63 counts as 0, so no term is a subnormal float (under 2^-126). x86 CPUs take a
// microcode assist on each subnormal result (~100 cycles); the style Gram matrices of smoothed ResNet-50 features
// span 30 decades, and the 2048² style MSE at stage 4 ran 15 ms on llvmpipe that way. A dropped term is under
// 2^-126: it changes the sum of the others only where all of it is that small.
const KEPT = 0x1p-63f;
#if V4
// Terms 4v..4v+3 as one vec4 (p.skip a multiple of 4).
fn term4(v: u32) -> vec4f {
  let j = p.skip / 4u + v;
#if SUM
  return x[j];
#else
  let e = a[j] - b[j];
  let d = select(vec4f(0.0), e, abs(e) >= vec4f(KEPT));
  return d * d;
#endif
}
#else
fn term(i: u32) -> f32 {
#if SUM
  return x[p.skip + i];
#elif MSE
  let e = a[p.skip + i] - b[p.skip + i];
  let d = select(0.0, e, abs(e) >= KEPT);
  return d * d;
#else
  let col = i % p.w;
  let row = (i / p.w) % p.h;
  let v = x[i];
  var acc = 0.0;
  if (row + 1u < p.h) { let d = x[i + p.w] - v; acc += d * d; }
  if (col + 1u < p.w) { let d = x[i + 1u] - v; acc += d * d; }
  return acc;
#endif
}
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let P = groups.x * 64u;
  var acc = vec4f(0.0);
#if CONTIGUOUS
  // Invocation g: the run [g·L, (g+1)·L) ∩ [0, n), L = ceil(n/P) rounded up to 4, terms i..i+3 in the four sums.
  let L = ((p.n + P - 1u) / P + 3u) & ~3u;
#if V4
  // n and skip whole vec4s. The 8 invocations g = 8q..8q+7 (one SIMD row of llvmpipe, two of SwiftShader) share
  // their 8 runs, [8q·L, 8(q+1)·L), read as vec4s interleaved: invocation 8q + r takes vec4s r, r + 8, r + 16, ...
  // A row's loads then walk one run forward, 128 bytes at a time: one sequential stream per row instead of 8
  // (the 2048² style MSE on llvmpipe: 3.7-4.4 ms against 5.1-8.0 with a run per invocation read as vec4s).
  let row0 = (gid.x & ~7u) * L / 4u;
  var v = row0 + (gid.x & 7u);
  let rowEnd = min(row0 + 2u * L, p.n / 4u);
  for (; v < rowEnd; v += 8u) { acc += term4(v); }
#else
  var i = min(gid.x * L, p.n);
  let end = min(i + L, p.n);
  for (; i + 3u < end; i += 4u) {
    acc += vec4f(term(i), term(i + 1u), term(i + 2u), term(i + 3u));
  }
  for (; i < end; i++) { acc.x += term(i); }
#endif
#else
  var i = gid.x;
  for (; i + 3u * P < p.n; i += 4u * P) {
    acc += vec4f(term(i), term(i + P), term(i + 2u * P), term(i + 3u * P));
  }
  for (; i < p.n; i += P) { acc.x += term(i); }
#endif
  partials[p.partialOffset + gid.x] = (acc.x + acc.y) + (acc.z + acc.w);
}
#endif
