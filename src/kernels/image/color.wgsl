// Per-pixel colour transforms of NCHW float32 images with 3 channels: y[n,:,p] = M · x[n,:,p] + b.
// One 3x3 matrix plus bias covers every colour op the style loop needs (see color.ts):
//   preprocess (caffe: RGB->BGR, ×255, −mean; torch: (x − mean)/std), its inverse (deprocess),
//   their backward passes (dx = Mᵀ dy), RGB<->YUV (BT.601) and the backward of rgbToYuv.
// Layout: x, y are [N, 3, H, W] row-major; plane stride hw = H·W, image stride 3·hw.
// Bindings: 0 uniform {n = N·H·W pixels, rowStride, hw, row0..row2 = (M[r][0], M[r][1], M[r][2], b[r])};
//   1 x (read), 2 y (read_write); with INPLACE a single read_write buffer holds both.
// Dispatch: 1-D over pixels, 256 threads per workgroup, folded into y past 65535 workgroups
//   (pixel = gid.y · rowStride + gid.x). One invocation reads the 3 channels of one pixel and
//   writes its 3 outputs, so in-place is safe.
struct Params { n: u32, rowStride: u32, hw: u32, pad: u32, row0: vec4f, row1: vec4f, row2: vec4f }
@group(0) @binding(0) var<uniform> p: Params;

#if INPLACE
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
#endif

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let pixel = gid.y * p.rowStride + gid.x;
  if (pixel >= p.n) { return; }
  let image = pixel / p.hw;
  let base = image * 3u * p.hw + (pixel - image * p.hw);
#if INPLACE
  let v = vec3f(y[base], y[base + p.hw], y[base + 2u * p.hw]);
#else
  let v = vec3f(x[base], x[base + p.hw], x[base + 2u * p.hw]);
#endif
  y[base] = dot(p.row0.xyz, v) + p.row0.w;
  y[base + p.hw] = dot(p.row1.xyz, v) + p.row1.w;
  y[base + 2u * p.hw] = dot(p.row2.xyz, v) + p.row2.w;
}
