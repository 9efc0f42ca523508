// mulMask: y[n,c,h,w] = x[n,c,h,w] · m[h,w], a per-pixel mask broadcast over batch and channels.
// Layout: x, y NCHW float32 [N,C,H,W]; m float32 [1,1,H,W] (one plane, H·W values).
// Bindings: 0 uniform {n, rowStride, hw, skip, start}; 1 x (read); 2 m (read); 3 y (read_write).
// Tensors larger than one binding run in chunks (elementChunks): x and y are bound as the chunk, whose
// element i is [skip + i] there and element start + i of the tensor; m is bound whole.
// Dispatch: 1-D over the N·C·H·W elements, 256 threads per workgroup, folded into y when n/256 > 65535
// (rowStride = x groups · 256). One invocation computes one element; its pixel is i mod H·W.
// The backward wrt x is the same map (dx = dy · m), so this one kernel serves both directions.
struct Params { n: u32, rowStride: u32, hw: u32, skip: u32, start: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> m: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  y[p.skip + i] = x[p.skip + i] * m[(p.start + i) % p.hw];
}
