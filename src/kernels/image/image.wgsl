// Small image ops: clamp (forward and masked backward) and packing an RGB image into RGBA8 pixels.
// Bindings: 0 uniform {n, rowStride, lo/hw, hi} (see each entry point); then storage buffers.
// Dispatch: 1-D, 256 threads per workgroup, folded into y past 65535 workgroups
//   (i = gid.y · rowStride + gid.x). One invocation computes one element (clamp) or one pixel (pack).

#if CLAMP
// Elementwise over any layout: y = min(max(x, lo), hi). With INPLACE one read_write buffer is x and y
// (the optimiser clamps the image between steps).
struct Params { n: u32, rowStride: u32, lo: f32, hi: f32 }
@group(0) @binding(0) var<uniform> p: Params;
#if INPLACE
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
#endif
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
#if INPLACE
  y[i] = min(max(y[i], p.lo), p.hi);
#else
  y[i] = min(max(x[i], p.lo), p.hi);
#endif
}
#elif CLAMP_BACKWARD
// Masked gradient, as PyTorch's clamp and TF's clipByValue: dx = dy where lo <= x <= hi, else 0.
struct Params { n: u32, rowStride: u32, lo: f32, hi: f32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let v = x[i];
  dx[i] = select(0.0, dy[i], v >= p.lo && v <= p.hi);
}
#else
// toRGBA8: x is an RGB image [N,3,H,W] (0..1); out[n·H·W + pixel] = R | G<<8 | B<<16 | 255<<24, i.e. the
// bytes R,G,B,A in memory order (little-endian), each channel floor(clamp(v, 0, 1)·255 + 0.5).
// n = N·H·W pixels, hw = H·W.
struct Params { n: u32, rowStride: u32, hw: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<u32>;

fn byte(v: f32) -> u32 {
  return u32(floor(clamp(v, 0.0, 1.0) * 255.0 + 0.5));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let pixel = gid.y * p.rowStride + gid.x;
  if (pixel >= p.n) { return; }
  let image = pixel / p.hw;
  let base = image * 3u * p.hw + (pixel - image * p.hw);
  out[pixel] = byte(x[base]) | (byte(x[base + p.hw]) << 8u) | (byte(x[base + 2u * p.hw]) << 16u) | (255u << 24u);
}
#endif
