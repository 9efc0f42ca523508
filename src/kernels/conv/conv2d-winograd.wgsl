// conv2d 3x3, stride 1, zero padding, by Winograd's minimal filtering F(r x r, 3x3) (Lavin & Gray 2016),
// r = 2 or 4 (the F4 variant): each r x r block of outputs ("tile") is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A, with d
// the a x a input patch under the tile (a = r + 2: 4 or 6) and g a 3x3 filter. Summed over input channels,
// the ⊙ becomes a² independent matrix products (one per position ξ of the transformed tile): per output,
// 16/4 = 4 multiplies for F(2x2, 3x3) and 36/16 = 2.25 for F(4x4, 3x3) instead of the direct form's 9, so
// 2.25x and 4x fewer. Four stages; the transforms are the three variants of this file:
//
//   WEIGHTS  U[ξ][k][m] = (G g_{m,k} Gᵀ)[ξ]                 once per frozen weight tensor (cached)
//   INPUT    V[ξ][k][t] = (Bᵀ d_{k,t} B)[ξ]                   d: the a x a patch of input channel k under tile t
//   (gemm)   M[ξ][m][t] = Σ_k U[ξ][k][m] · V[ξ][k][t]         a² matrix products: gemm.wgsl, batched
//   OUTPUT   y[m, tile t] = Aᵀ M[·][m][t] A (+ bias, ReLU)    the r x r outputs of tile t
//
// k runs over the input channels of the convolution and m over its outputs. Backward-input of a 3x3
// stride-1 conv is itself such a convolution — of dy with the filters flipped in both axes and in/out
// channels swapped, padding 2 - pad — so WEIGHTS has a FLIP variant and the same four stages do both.
// F(2x2, 3x3)'s transforms only add and halve (G's entries are 0, ±1/2, 1; B's and A's 0, ±1), so its
// float32 result differs from the direct sum by rounding only. F(4x4, 3x3) (interpolation points 0, ±1,
// ±2, ∞) scales by up to 5 (Bᵀ), 1/24 (G) and 8 (Aᵀ) and cancels more, so its rounding error is about 10x
// larger (tests: float64 reference; the F4 tolerance is stated there) — the usual trade for 1.8x fewer multiplies.
//
// Layouts (row-major): w OIHW; x, y NCHW; U [a²][K][Mp] (m padded with zeros to Mp, a multiple of the gemm
// tile's rows); V [a²][K][Tp] and M [a²][Mp][Tp] (t padded to Tp, a multiple of 4; V's padding columns hold
// zeros). Tiles: t = (n·tilesH + th)·tilesW + tw covers outputs (r·th .. r·th + r-1, likewise columns) of
// image n and reads input rows r·th - pad .. r·th - pad + a-1 (likewise columns); outside the image reads 0.
// Compile-time constant: WG (invocations per workgroup).
// Variants: exactly one of WEIGHTS, INPUT, OUTPUT; F4 (F(4x4, 3x3), else F(2x2, 3x3)); WEIGHTS: FLIP;
// INPUT: MASK (dy·[y > 0]); OUTPUT: BIAS, RELU.
//
// The F4 transforms (rows of each matrix; a·b below: the 6-element rows of a tile as a vec4f (elements 0-3)
// and a vec2f (4-5), struct R6):
//   Bᵀ = [4,0,-5,0,1,0], [0,-4,-4,1,1,0], [0,4,-4,-1,1,0], [0,-2,-1,2,1,0], [0,2,-1,-2,1,0], [0,4,0,-5,0,1]
//   G  = [1/4,0,0], [-1/6,-1/6,-1/6], [-1/6,1/6,-1/6], [1/24,1/12,1/6], [1/24,-1/12,1/6], [0,0,1]
//   Aᵀ = [1,1,1,1,1,0], [0,1,-1,2,-2,0], [0,1,1,4,4,0], [0,1,-1,8,-8,1]

const WG = {{WG}}u;
// Positions ξ of a transformed tile: a² = 16 or 36.
const POSITIONS = {{POSITIONS}}u;

#if F4
struct R6 { a: vec4f, b: vec2f }

// Bᵀ x for the 6 values of one column (or row) of a patch.
fn bt6(x0: f32, x1: f32, x2: f32, x3: f32, x4: f32, x5: f32) -> R6 {
  return R6(
    vec4f(4.0 * x0 - 5.0 * x2 + x4, x3 + x4 - 4.0 * (x1 + x2), 4.0 * (x1 - x2) + x4 - x3, 2.0 * (x3 - x1) + x4 - x2),
    vec2f(2.0 * (x1 - x3) + x4 - x2, 4.0 * x1 - 5.0 * x3 + x5),
  );
}

// G x for the 3 values of one column (or row) of a filter.
fn g6(x0: f32, x1: f32, x2: f32) -> R6 {
  let even = x0 + x2;
  let e = x0 / 24.0 + x2 / 6.0;
  return R6(vec4f(x0 / 4.0, -(even + x1) / 6.0, (x1 - even) / 6.0, e + x1 / 12.0), vec2f(e - x1 / 12.0, x2));
}

// Aᵀ x for the 6 values of one column (or row) of a product tile.
fn at6(x0: f32, x1: f32, x2: f32, x3: f32, x4: f32, x5: f32) -> vec4f {
  let s12 = x1 + x2;
  let d12 = x1 - x2;
  let s34 = x3 + x4;
  let d34 = x3 - x4;
  return vec4f(x0 + s12 + s34, d12 + 2.0 * d34, s12 + 4.0 * s34, d12 + 8.0 * d34 + x5);
}
#endif

#if WEIGHTS
// Bindings: 0 uniform; 1 w; 2 U. One invocation per (k, m) pair, m fastest: i = k·Mp + m, i < K·Mp.
// FLIP: w is the forward weight [O=K][C=M][3][3] and g_{m,k}[r][s] = w[k][m][2-r][2-s] (backward-input);
// else w is [O=M][C=K][3][3] and g_{m,k} = w[m][k].
struct Params { K: u32, M: u32, Mp: u32, rowStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;
@group(0) @binding(2) var<storage, read_write> U: array<f32>;

#if F4
// Row i of a transformed 6x6 filter tile: U[ξ = 6i + s] for s = 0..5.
fn putU(i: u32, plane: u32, at: u32, r: R6) {
  let q = 6u * i * plane + at;
  U[q] = r.a.x; U[q + plane] = r.a.y; U[q + 2u * plane] = r.a.z; U[q + 3u * plane] = r.a.w;
  U[q + 4u * plane] = r.b.x; U[q + 5u * plane] = r.b.y;
}
#endif

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
#if F4
  // G g down each column j (c_j: 6 rows), then (G g) Gᵀ along each row i: U[ξ = 6i + s].
  let c0 = g6(g0.x, g1.x, g2.x);
  let c1 = g6(g0.y, g1.y, g2.y);
  let c2 = g6(g0.z, g1.z, g2.z);
  putU(0u, plane, i, g6(c0.a.x, c1.a.x, c2.a.x));
  putU(1u, plane, i, g6(c0.a.y, c1.a.y, c2.a.y));
  putU(2u, plane, i, g6(c0.a.z, c1.a.z, c2.a.z));
  putU(3u, plane, i, g6(c0.a.w, c1.a.w, c2.a.w));
  putU(4u, plane, i, g6(c0.b.x, c1.b.x, c2.b.x));
  putU(5u, plane, i, g6(c0.b.y, c1.b.y, c2.b.y));
#else
  // G g: rows G = [1,0,0], [½,½,½], [½,-½,½], [0,0,1].
  let t = array<vec3f, 4>(g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2);
  for (var r = 0u; r < 4u; r++) {
    // (G g) Gᵀ: the same combination along the row.
    let v = t[r];
    let u = vec4f(v.x, 0.5 * (v.x + v.y + v.z), 0.5 * (v.x - v.y + v.z), v.z);
    for (var s = 0u; s < 4u; s++) { U[(r * 4u + s) * plane + i] = u[s]; }
  }
#endif
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

#if F4
// Row h of the 6x6 patch whose left column is w0 (as patchRow).
fn patchRow6(base: u32, h: i32, w0: i32) -> R6 {
  if (h < 0 || h >= i32(p.H)) { return R6(vec4f(0.0), vec2f(0.0)); }
  let row = base + u32(h) * p.W;
  return R6(vec4f(at(row, w0), at(row, w0 + 1), at(row, w0 + 2), at(row, w0 + 3)), vec2f(at(row, w0 + 4), at(row, w0 + 5)));
}

// Row i of a transformed 6x6 input tile: V[ξ = 6i + s] for s = 0..5.
fn putV(i: u32, plane: u32, out: u32, r: R6) {
  let q = 6u * i * plane + out;
  V[q] = r.a.x; V[q + plane] = r.a.y; V[q + 2u * plane] = r.a.z; V[q + 3u * plane] = r.a.w;
  V[q + 4u * plane] = r.b.x; V[q + 5u * plane] = r.b.y;
}
#endif

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let out = gid.y * p.rowStride + gid.x;
  let plane = p.K * p.Tp;
  if (out >= plane) { return; }
  let t = out % p.Tp;
  let k = out / p.Tp;
  if (t >= p.T) {
    for (var q = 0u; q < POSITIONS; q++) { V[q * plane + out] = 0.0; }
    return;
  }
  let tw = t % p.tilesW;
  let th = (t / p.tilesW) % p.tilesH;
  let n = t / (p.tilesW * p.tilesH);
  let base = (n * p.K + k) * p.H * p.W;
#if F4
  let h0 = i32(4u * th) - i32(p.pad);
  let w0 = i32(4u * tw) - i32(p.pad);
  let d0 = patchRow6(base, h0, w0);
  let d1 = patchRow6(base, h0 + 1, w0);
  let d2 = patchRow6(base, h0 + 2, w0);
  let d3 = patchRow6(base, h0 + 3, w0);
  let d4 = patchRow6(base, h0 + 4, w0);
  let d5 = patchRow6(base, h0 + 5, w0);
  // Bᵀ d down each column j (c_j), then (Bᵀ d) B along each row i.
  let c0 = bt6(d0.a.x, d1.a.x, d2.a.x, d3.a.x, d4.a.x, d5.a.x);
  let c1 = bt6(d0.a.y, d1.a.y, d2.a.y, d3.a.y, d4.a.y, d5.a.y);
  let c2 = bt6(d0.a.z, d1.a.z, d2.a.z, d3.a.z, d4.a.z, d5.a.z);
  let c3 = bt6(d0.a.w, d1.a.w, d2.a.w, d3.a.w, d4.a.w, d5.a.w);
  let c4 = bt6(d0.b.x, d1.b.x, d2.b.x, d3.b.x, d4.b.x, d5.b.x);
  let c5 = bt6(d0.b.y, d1.b.y, d2.b.y, d3.b.y, d4.b.y, d5.b.y);
  putV(0u, plane, out, bt6(c0.a.x, c1.a.x, c2.a.x, c3.a.x, c4.a.x, c5.a.x));
  putV(1u, plane, out, bt6(c0.a.y, c1.a.y, c2.a.y, c3.a.y, c4.a.y, c5.a.y));
  putV(2u, plane, out, bt6(c0.a.z, c1.a.z, c2.a.z, c3.a.z, c4.a.z, c5.a.z));
  putV(3u, plane, out, bt6(c0.a.w, c1.a.w, c2.a.w, c3.a.w, c4.a.w, c5.a.w));
  putV(4u, plane, out, bt6(c0.b.x, c1.b.x, c2.b.x, c3.b.x, c4.b.x, c5.b.x));
  putV(5u, plane, out, bt6(c0.b.y, c1.b.y, c2.b.y, c3.b.y, c4.b.y, c5.b.y));
#else
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
#endif
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

#if F4
// Row i of the tile's 6x6 M: M[ξ = 6i + s] for s = 0..5.
fn row6(i: u32, plane: u32, at: u32) -> R6 {
  let q = 6u * i * plane + at;
  return R6(vec4f(M[q], M[q + plane], M[q + 2u * plane], M[q + 3u * plane]), vec2f(M[q + 4u * plane], M[q + 5u * plane]));
}

// Outputs (row, ow .. ow + 3) of channel m, those inside the image.
fn putRow(rowBase: u32, ow: u32, v: vec4f, m: u32) {
  y[rowBase] = finish(v.x, m);
  if (ow + 1u < p.outW) { y[rowBase + 1u] = finish(v.y, m); }
  if (ow + 2u < p.outW) { y[rowBase + 2u] = finish(v.z, m); }
  if (ow + 3u < p.outW) { y[rowBase + 3u] = finish(v.w, m); }
}
#endif

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.Mout * p.T) { return; }
  let t = i % p.T;
  let m = i / p.T;
  let plane = p.Mp * p.Tp;
  let at = m * p.Tp + t;
  let tw = t % p.tilesW;
  let th = (t / p.tilesW) % p.tilesH;
  let n = t / (p.tilesW * p.tilesH);
#if F4
  let m0 = row6(0u, plane, at);
  let m1 = row6(1u, plane, at);
  let m2 = row6(2u, plane, at);
  let m3 = row6(3u, plane, at);
  let m4 = row6(4u, plane, at);
  let m5 = row6(5u, plane, at);
  // Aᵀ M down each column j (q_j: the 4 output rows of column j), then · A along each output row.
  let q0 = at6(m0.a.x, m1.a.x, m2.a.x, m3.a.x, m4.a.x, m5.a.x);
  let q1 = at6(m0.a.y, m1.a.y, m2.a.y, m3.a.y, m4.a.y, m5.a.y);
  let q2 = at6(m0.a.z, m1.a.z, m2.a.z, m3.a.z, m4.a.z, m5.a.z);
  let q3 = at6(m0.a.w, m1.a.w, m2.a.w, m3.a.w, m4.a.w, m5.a.w);
  let q4 = at6(m0.b.x, m1.b.x, m2.b.x, m3.b.x, m4.b.x, m5.b.x);
  let q5 = at6(m0.b.y, m1.b.y, m2.b.y, m3.b.y, m4.b.y, m5.b.y);
  let oh = 4u * th;
  let ow = 4u * tw;
  let base = ((n * p.Mout + m) * p.outH + oh) * p.outW + ow;
  putRow(base, ow, at6(q0.x, q1.x, q2.x, q3.x, q4.x, q5.x), m);
  if (oh + 1u < p.outH) { putRow(base + p.outW, ow, at6(q0.y, q1.y, q2.y, q3.y, q4.y, q5.y), m); }
  if (oh + 2u < p.outH) { putRow(base + 2u * p.outW, ow, at6(q0.z, q1.z, q2.z, q3.z, q4.z, q5.z), m); }
  if (oh + 3u < p.outH) { putRow(base + 3u * p.outW, ow, at6(q0.w, q1.w, q2.w, q3.w, q4.w, q5.w), m); }
#else
  // Row i of the tile's 4x4 M (ξ = 4i + s), written out (no dynamic indexing, as in INPUT).
  let m0 = vec4f(M[at], M[plane + at], M[2u * plane + at], M[3u * plane + at]);
  let m1 = vec4f(M[4u * plane + at], M[5u * plane + at], M[6u * plane + at], M[7u * plane + at]);
  let m2 = vec4f(M[8u * plane + at], M[9u * plane + at], M[10u * plane + at], M[11u * plane + at]);
  let m3 = vec4f(M[12u * plane + at], M[13u * plane + at], M[14u * plane + at], M[15u * plane + at]);
  // Aᵀ = [1,1,1,0], [0,1,-1,-1]: Aᵀ M combines the rows (q0, q1: vectors over the 4 columns), then · A each.
  let q0 = m0 + m1 + m2;
  let q1 = m1 - m2 - m3;
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
#endif
}
#endif
