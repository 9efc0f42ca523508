// Elementwise add, accumulate, fill and copy (layout-free: any float32 tensor, viewed flat).
//   ADD:        y = a + b        (residual connections; its backward is a fan-out of dy)
//   ACCUMULATE: dst += src       (autograd sums the gradients of a tensor used twice); with RELU
//               dst = max(dst + src, 0) (a residual connection after a conv that cannot add it itself)
//   FILL:       buf = value      (zeros, ones)
//   COPY:       dst = src
// Bindings: 0 uniform {n, rowStride, skip, value}; then the storage buffers of each variant, each
// bound as the same chunk of its buffer, so element i of the chunk is [skip + i] (see elementChunks).
// Dispatch: 1-D, 256 threads per workgroup, folded into y past 65535 workgroups:
//   i = gid.y * rowStride + gid.x. One invocation computes one element, or with V4 one vec4 of 4 (n and skip
//   then count vec4s): on llvmpipe a per-lane load costs about the same for 4 bytes as for 16.
struct Params { n: u32, rowStride: u32, skip: u32, value: f32 }
@group(0) @binding(0) var<uniform> p: Params;
#if V4
alias T = vec4f;
#else
alias T = f32;
#endif

#if ADD
@group(0) @binding(1) var<storage, read> a: array<T>;
@group(0) @binding(2) var<storage, read> b: array<T>;
@group(0) @binding(3) var<storage, read_write> y: array<T>;
#elif ACCUMULATE
@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> dst: array<T>;
#elif FILL
@group(0) @binding(1) var<storage, read_write> buf: array<T>;
#else
@group(0) @binding(1) var<storage, read> src: array<T>;
@group(0) @binding(2) var<storage, read_write> dst: array<T>;
#endif

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let j = p.skip + i;
#if ADD
  y[j] = a[j] + b[j];
#elif ACCUMULATE
#if RELU
  dst[j] = max(dst[j] + src[j], T(0.0));
#else
  dst[j] = dst[j] + src[j];
#endif
#elif FILL
  buf[j] = T(p.value);
#else
  dst[j] = src[j];
#endif
}
