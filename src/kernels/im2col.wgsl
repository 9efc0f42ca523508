// im2col: the patches of a convolution laid out as a matrix, so the conv becomes one gemm product per image:
//   cols[n][k][p] = xpad[n, c, oh·S + kh - pad, ow·S + kw - pad],  k = (c·KH + kh)·KW + kw,  p = oh·outW + ow
// (xpad: zeros outside the image, or REFLECT: mirrored without repeating the edge). conv2d uses it for the
// layers its other routes miss and whose patch matrix is small, above all ResNet's 7x7/2 stem (C = 3: the
// direct kernel's inner loops are 147 taps long and its loads feed few FMAs).
// Bindings: 0 uniform Params; 1 x; 2 cols. Dispatch: 1-D over N·K·P elements, 256 threads, folded into y
// past 65535 workgroups (i = gid.y·rowStride + gid.x); one invocation writes one element.
struct Params { n: u32, rowStride: u32, C: u32, H: u32, W: u32, outW: u32, P: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> cols: array<f32>;

const KH = {{KH}}u;
const KW = {{KW}}u;
const S = {{S}}u;

fn reflectIndex(i: i32, n: i32) -> i32 {
  let j = select(i, -i, i < 0);
  return select(j, 2 * (n - 1) - j, j >= n);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let pix = i % p.P;
  let k = (i / p.P) % (p.C * KH * KW);
  let img = i / (p.P * p.C * KH * KW);
  let kw = k % KW;
  let kh = (k / KW) % KH;
  let c = k / (KW * KH);
  var ih = i32((pix / p.outW) * S + kh) - i32(p.pad);
  var iw = i32((pix % p.outW) * S + kw) - i32(p.pad);
#if REFLECT
  ih = reflectIndex(ih, i32(p.H));
  iw = reflectIndex(iw, i32(p.W));
#endif
  let inside = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
  let j = ((img * p.C + c) * p.H + u32(clamp(ih, 0, i32(p.H) - 1))) * p.W + u32(clamp(iw, 0, i32(p.W) - 1));
  cols[i] = select(0.0, x[j], inside);
}
