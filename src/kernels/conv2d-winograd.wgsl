// conv2d 3x3, stride 1, zero padding, by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
// each 2x2 block of outputs ("tile") is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with d the 4x4 input patch under
// the tile and g a 3x3 filter. Summed over input channels, the ⊙ becomes 16 independent matrix products
// (one per position ξ of the 4x4 transformed tile), 16 multiplies per tile and channel pair instead of
// the 36 of the direct form: 2.25x fewer. Four stages; the transforms are the three variants of this file:
//
//   WEIGHTS  U[ξ][k][m] = (G g_{m,k} Gᵀ)[ξ]                 once per frozen weight tensor (cached)
//   INPUT    V[ξ][k][t] = (Bᵀ d_{k,t} B)[ξ]                   d: the 4x4 patch of input channel k under tile t
//   (gemm)   M[ξ][m][t] = Σ_k U[ξ][k][m] · V[ξ][k][t]         16 matrix products: gemm.wgsl, batched
//   OUTPUT   y[m, tile t] = Aᵀ M[·][m][t] A (+ bias, ReLU)    the 2x2 outputs of tile t
//
// k runs over the input channels of the convolution and m over its outputs. Backward-input of a 3x3
// stride-1 conv is itself such a convolution — of dy with the filters flipped in both axes and in/out
// channels swapped, padding 2 - pad — so WEIGHTS has a FLIP variant and the same four stages do both.
// The transforms only add and halve (G's entries are 0, ±1/2, 1; B's and A's 0, ±1), so the float32
// result differs from the direct sum by rounding only (tests: float64 reference, tolerances as direct).
//
// Layouts (row-major): w OIHW; x, y NCHW; U [16][K][Mp] (m padded with zeros to Mp, a multiple of 8);
// V [16][K][Tp] and M [16][Mp][Tp] (t padded to Tp, a multiple of 4; V's padding columns hold zeros).
// Tiles: t = (n·tilesH + th)·tilesW + tw covers outputs (2th..2th+1, 2tw..2tw+1) of image n and reads
// input rows 2th - pad .. 2th - pad + 3 (likewise columns); outside the image reads 0.
// Compile-time constant: WG (invocations per workgroup).
// Variants: exactly one of WEIGHTS, INPUT, OUTPUT; WEIGHTS: FLIP; INPUT: MASK (dy·[y > 0]);
// OUTPUT: BIAS, RELU.

const WG = {{WG}}u;

#if WEIGHTS
// Bindings: 0 uniform; 1 w; 2 U. One invocation per (k, m) pair, m fastest: i = k·Mp + m, i < K·Mp.
// FLIP: w is the forward weight [O=K][C=M][3][3] and g_{m,k}[r][s] = w[k][m][2-r][2-s] (backward-input);
// else w is [O=M][C=K][3][3] and g_{m,k} = w[m][k].
struct Params { K: u32, M: u32, Mp: u32, rowStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> U: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  let plane = p.K * p.Mp;
  if (i >= plane) { return; }
  let m = i % p.Mp;
  let k = i / p.Mp;
  // g as 3 rows of 3 (vec3); zero for the padding outputs m >= M.
  var g0 = vec3f(0.0);
  var g1 = vec3f(0.0);
  var g2 = vec3f(0.0);
  if (m < p.M) {
#if FLIP
    let b = (k * p.M + m) * 9u;
    g0 = vec3f(w[b + 8u], w[b + 7u], w[b + 6u]);
    g1 = vec3f(w[b + 5u], w[b + 4u], w[b + 3u]);
    g2 = vec3f(w[b + 2u], w[b + 1u], w[b]);
#else
    let b = (m * p.K + k) * 9u;
    g0 = vec3f(w[b], w[b + 1u], w[b + 2u]);
    g1 = vec3f(w[b + 3u], w[b + 4u], w[b + 5u]);
    g2 = vec3f(w[b + 6u], w[b + 7u], w[b + 8u]);
#endif
  }
  // G g: rows G = [1,0,0], [½,½,½], [½,-½,½], [0,0,1].
  let t = array<vec3f, 4>(g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2);
  for (var r = 0u; r < 4u; r++) {
    // (G g) Gᵀ: the same combination along the row.
    let v = t[r];
    let u = vec4f(v.x, 0.5 * (v.x + v.y + v.z), 0.5 * (v.x - v.y + v.z), v.z);
    for (var s = 0u; s < 4u; s++) { U[(r * 4u + s) * plane + i] = u[s]; }
  }
}
#endif

#if INPUT
// Bindings: 0 uniform; 1 x; [2 y, the ReLU mask, if MASK]; then V.
// Dispatch: 1-D over K·Tp invocations (folded into y past 65535 workgroups: i = gid.y·rowStride + gid.x),
// one per (tile t, channel k), t fastest (a small map still fills the SIMD lanes); t in [T, Tp) writes zeros.
struct Params { K: u32, H: u32, W: u32, pad: u32, tilesH: u32, tilesW: u32, T: u32, Tp: u32, rowStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
#if MASK
@group(0) @binding(2) var<storage, read> relu: array<f32>;
@group(0) @binding(3) var<storage, read_write> V: array<f32>;
#else
@group(0) @binding(2) var<storage, read_write> V: array<f32>;
#endif

// x at column c of row h (a row inside the image) of plane `base`; zero outside the image.
fn at(row: u32, c: i32) -> f32 {
  if (c < 0 || c >= i32(p.W)) { return 0.0; }
  let j = row + u32(c);
#if MASK
  return select(0.0, x[j], relu[j] > 0.0);
#else
  return x[j];
#endif
}

// Row h of the 4x4 patch whose left column is w0: zero outside the image. Written out, no loops: SwiftShader
// keeps dynamically indexed vectors and arrays in memory (the looped transforms measured slower there).
fn patchRow(base: u32, h: i32, w0: i32) -> vec4f {
  if (h < 0 || h >= i32(p.H)) { return vec4f(0.0); }
  let row = base + u32(h) * p.W;
  return vec4f(at(row, w0), at(row, w0 + 1), at(row, w0 + 2), at(row, w0 + 3));
}

// Bᵀ applied along one axis: rows Bᵀ = [1,0,-1,0], [0,1,1,0], [0,-1,1,0], [0,1,0,-1].
fn bt(d: vec4f) -> vec4f { return vec4f(d.x - d.z, d.y + d.z, d.z - d.y, d.y - d.w); }

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let out = gid.y * p.rowStride + gid.x;
  let plane = p.K * p.Tp;
  if (out >= plane) { return; }
  let t = out % p.Tp;
  let k = out / p.Tp;
  if (t >= p.T) {
    for (var q = 0u; q < 16u; q++) { V[q * plane + out] = 0.0; }
    return;
  }
  let tw = t % p.tilesW;
  let th = (t / p.tilesW) % p.tilesH;
  let n = t / (p.tilesW * p.tilesH);
  let base = (n * p.K + k) * p.H * p.W;
  let h0 = i32(2u * th) - i32(p.pad);
  let w0 = i32(2u * tw) - i32(p.pad);
  let d0 = patchRow(base, h0, w0);
  let d1 = patchRow(base, h0 + 1, w0);
  let d2 = patchRow(base, h0 + 2, w0);
  let d3 = patchRow(base, h0 + 3, w0);
  // Bᵀ d down each column (c_s = column s of Bᵀ d), then (Bᵀ d) B along each row (v_i = row i of V's tile).
  let c0 = bt(vec4f(d0.x, d1.x, d2.x, d3.x));
  let c1 = bt(vec4f(d0.y, d1.y, d2.y, d3.y));
  let c2 = bt(vec4f(d0.z, d1.z, d2.z, d3.z));
  let c3 = bt(vec4f(d0.w, d1.w, d2.w, d3.w));
  let v0 = bt(vec4f(c0.x, c1.x, c2.x, c3.x));
  let v1 = bt(vec4f(c0.y, c1.y, c2.y, c3.y));
  let v2 = bt(vec4f(c0.z, c1.z, c2.z, c3.z));
  let v3 = bt(vec4f(c0.w, c1.w, c2.w, c3.w));
  // V[ξ = 4i + s]
  V[out] = v0.x; V[plane + out] = v0.y; V[2u * plane + out] = v0.z; V[3u * plane + out] = v0.w;
  V[4u * plane + out] = v1.x; V[5u * plane + out] = v1.y; V[6u * plane + out] = v1.z; V[7u * plane + out] = v1.w;
  V[8u * plane + out] = v2.x; V[9u * plane + out] = v2.y; V[10u * plane + out] = v2.z; V[11u * plane + out] = v2.w;
  V[12u * plane + out] = v3.x; V[13u * plane + out] = v3.y; V[14u * plane + out] = v3.z; V[15u * plane + out] = v3.w;
}
#endif

#if OUTPUT
// Bindings: 0 uniform; 1 M; [2 bias if BIAS]; then y.
// Dispatch: 1-D over Mout·T invocations (folded as INPUT's), one per (tile t, output channel m), t
// fastest; each writes its 2x2 block.
struct Params { Mout: u32, Mp: u32, outH: u32, outW: u32, tilesH: u32, tilesW: u32, T: u32, Tp: u32, rowStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> M: array<f32>;
#if BIAS
@group(0) @binding(2) var<storage, read> bias: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
#else
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
#endif

fn finish(v: f32, m: u32) -> f32 {
  var r = v;
#if BIAS
  r += bias[m];
#endif
#if RELU
  r = max(r, 0.0);
#endif
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.Mout * p.T) { return; }
  let t = i % p.T;
  let m = i / p.T;
  let plane = p.Mp * p.Tp;
  let at = m * p.Tp + t;
  // Row i of the tile's 4x4 M (ξ = 4i + s), written out (no dynamic indexing, as in INPUT).
  let m0 = vec4f(M[at], M[plane + at], M[2u * plane + at], M[3u * plane + at]);
  let m1 = vec4f(M[4u * plane + at], M[5u * plane + at], M[6u * plane + at], M[7u * plane + at]);
  let m2 = vec4f(M[8u * plane + at], M[9u * plane + at], M[10u * plane + at], M[11u * plane + at]);
  let m3 = vec4f(M[12u * plane + at], M[13u * plane + at], M[14u * plane + at], M[15u * plane + at]);
  // Aᵀ = [1,1,1,0], [0,1,-1,-1]: Aᵀ M combines the rows (q0, q1: vectors over the 4 columns), then · A each.
  let q0 = m0 + m1 + m2;
  let q1 = m1 - m2 - m3;
  let tw = t % p.tilesW;
  let th = (t / p.tilesW) % p.tilesH;
  let n = t / (p.tilesW * p.tilesH);
  let oh = 2u * th;
  let ow = 2u * tw;
  let base = ((n * p.Mout + m) * p.outH + oh) * p.outW + ow;
  let right = ow + 1u < p.outW;
  y[base] = finish(q0.x + q0.y + q0.z, m);
  if (right) { y[base + 1u] = finish(q0.y - q0.z - q0.w, m); }
  if (oh + 1u < p.outH) {
    y[base + p.outW] = finish(q1.x + q1.y + q1.z, m);
    if (right) { y[base + p.outW + 1u] = finish(q1.y - q1.z - q1.w, m); }
  }
}
#endif
