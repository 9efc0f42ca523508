// im2col: the patches of a convolution laid out as a matrix, so the conv becomes one gemm product per image:
//   cols[n][k][p] = xpad[n, c, oh·S + kh - pad, ow·S + kw - pad],  k = (c·KH + kh)·KW + kw,  p = oh·outW + ow
// (xpad: zeros outside the image, or REFLECT: mirrored without repeating the edge). conv2d uses it for the
// layers its other routes miss and whose patch matrix is small, above all ResNet's 7x7/2 stem (C = 3: the
// direct kernel's inner loops are 147 taps long and its loads feed few FMAs).
// TRANSPOSED: the same entries as a [N·P][K4·4] matrix, colsT[n·P + p][k] (k padded with zeros to whole vec4s),
// for backward-weight as gemm (dw = dyᵀ-major · colsT, both k-major over the pixels, conv2d.ts). One invocation
// writes 4 consecutive taps of one pixel; dispatch 1-D over N·P·K4.
// Bindings: 0 uniform Params; 1 x; 2 cols (vec4s). Dispatch: 1-D over N·K·P/4 vec4s (P is a multiple of 4),
// 256 threads, folded into y past 65535 workgroups (i = gid.y·rowStride + gid.x); one invocation writes the 4
// consecutive pixels of one vec4 (one store instead of four: on the CPU adapters a store costs per lane).
//
// COL2IM: the adjoint, for backward-input as gemm (dcols = Wᵀ dy) + col2im (zero padding only):
//   dx[n, c, h, w] = Σ dcols[n][(c·KH + kh)·KW + kw][oh·outW + ow]  over the taps (kh, kw) with
//   oh·S + kh - pad = h and ow·S + kw - pad = w inside the output — a gather, no atomics: one invocation per
//   dx element. Bindings: 0 uniform; 1 dcols (f32); 2 dx. Dispatch: 1-D over N·C·H·W, folded as above.
const KH = {{KH}}u;
const KW = {{KW}}u;
const S = {{S}}u;

#if COL2IM
struct Params { n: u32, rowStride: u32, C: u32, H: u32, W: u32, outH: u32, outW: u32, pad: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dcols: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let w = i % p.W;
  let h = (i / p.W) % p.H;
  let plane = i / (p.W * p.H); // n·C + c
  let c = plane % p.C;
  let img = plane / p.C;
  let P = p.outH * p.outW;
  let K = p.C * KH * KW;
  var sum = 0.0;
  for (var kh = 0u; kh < KH; kh++) {
    let th = i32(h + p.pad) - i32(kh); // oh·S
    if (th < 0 || th % i32(S) != 0 || u32(th) / S >= p.outH) { continue; }
    let oh = u32(th) / S;
    for (var kw = 0u; kw < KW; kw++) {
      let tw = i32(w + p.pad) - i32(kw);
      if (tw < 0 || tw % i32(S) != 0 || u32(tw) / S >= p.outW) { continue; }
      let k = (c * KH + kh) * KW + kw;
      sum += dcols[(img * K + k) * P + oh * p.outW + u32(tw) / S];
    }
  }
  dx[i] = sum;
}
#else
#if TRANSPOSED
struct Params { n: u32, rowStride: u32, C: u32, H: u32, W: u32, outW: u32, P: u32, pad: u32, K4: u32 }
#else
struct Params { n: u32, rowStride: u32, C: u32, H: u32, W: u32, outW: u32, P: u32, pad: u32 }
#endif
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> cols: array<vec4f>;

fn reflectIndex(i: i32, n: i32) -> i32 {
  let j = select(i, -i, i < 0);
  return select(j, 2 * (n - 1) - j, j >= n);
}

// x at output pixel `pix` of tap (kh, kw) of plane `plane`: zero (or mirrored, REFLECT) outside the image.
fn tap(plane: u32, pix: u32, kh: u32, kw: u32) -> f32 {
  var ih = i32((pix / p.outW) * S + kh) - i32(p.pad);
  var iw = i32((pix % p.outW) * S + kw) - i32(p.pad);
#if REFLECT
  ih = reflectIndex(ih, i32(p.H));
  iw = reflectIndex(iw, i32(p.W));
#endif
  let inside = ih >= 0 && ih < i32(p.H) && iw >= 0 && iw < i32(p.W);
  let j = (plane * p.H + u32(clamp(ih, 0, i32(p.H) - 1))) * p.W + u32(clamp(iw, 0, i32(p.W) - 1));
  return select(0.0, x[j], inside);
}

#if TRANSPOSED
// colsT[n·P + pix][k] = the patch entry of tap k at output pixel pix, k padded with zeros to K4·4 columns.
fn entry(img: u32, pix: u32, k: u32) -> f32 {
  let K = p.C * KH * KW;
  let kc = min(k, K - 1u);
  return select(0.0, tap(img * p.C + kc / (KW * KH), pix, (kc / KW) % KH, kc % KW), k < K);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let k = (i % p.K4) * 4u;
  let row = i / p.K4;
  let pix = row % p.P;
  let img = row / p.P;
  cols[i] = vec4f(entry(img, pix, k), entry(img, pix, k + 1u), entry(img, pix, k + 2u), entry(img, pix, k + 3u));
}
#else
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let P4 = p.P / 4u;
  let pix = (i % P4) * 4u;
  let k = (i / P4) % (p.C * KH * KW);
  let img = i / (P4 * p.C * KH * KW);
  let kw = k % KW;
  let kh = (k / KW) % KH;
  let plane = img * p.C + k / (KW * KH);
  cols[i] = vec4f(tap(plane, pix, kh, kw), tap(plane, pix + 1u, kh, kw), tap(plane, pix + 2u, kh, kw), tap(plane, pix + 3u, kh, kw));
}
#endif
#endif
