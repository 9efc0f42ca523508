// conv2d 3x3, stride 1, zero padding, by Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray 2016):
// each 2x2 block of outputs ("tile") is Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d Bᵀᵀ)] A, with d the 4x4 input patch under
// the tile and g a 3x3 filter. Summed over input channels, the ⊙ becomes 16 independent matrix products
// (one per position ξ of the 4x4 transformed tile), 16 multiplies per tile and channel pair instead of
// the 36 of the direct form: 2.25x fewer. Four stages, one per variant of this file:
//
//   WEIGHTS  U[ξ][k][m] = (G g_{m,k} Gᵀ)[ξ]                 once per frozen weight tensor (cached)
//   INPUT    V[ξ][k][t] = (Bᵀ d_{k,t} B)[ξ]                   d: the 4x4 patch of input channel k under tile t
//   GEMM     M[ξ][m][t] = Σ_k U[ξ][k][m] · V[ξ][k][t]         16 matrix products, a register tile each
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
// Variants: exactly one of WEIGHTS, INPUT, GEMM, OUTPUT; WEIGHTS: FLIP; INPUT: MASK (dy·[y > 0]);
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

// Row r of the 4x4 patch at (h0, w0) of plane `base`: 4 columns, zero outside the image.
fn patchRow(base: u32, h: i32, w0: i32) -> vec4f {
  if (h < 0 || h >= i32(p.H)) { return vec4f(0.0); }
  var row = vec4f(0.0);
  for (var s = 0; s < 4; s++) {
    let c = w0 + s;
    if (c >= 0 && c < i32(p.W)) {
      let j = base + u32(h) * p.W + u32(c);
#if MASK
      row[s] = select(0.0, x[j], relu[j] > 0.0);
#else
      row[s] = x[j];
#endif
    }
  }
  return row;
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
  // Bᵀ d: combine rows; then (Bᵀ d) B: combine within each row.
  let r = array<vec4f, 4>(bt(vec4f(d0.x, d1.x, d2.x, d3.x)), bt(vec4f(d0.y, d1.y, d2.y, d3.y)),
                          bt(vec4f(d0.z, d1.z, d2.z, d3.z)), bt(vec4f(d0.w, d1.w, d2.w, d3.w)));
  // r[s][i] = (Bᵀ d)[i][s]: column s of Bᵀ d; now transform each row i across s.
  for (var i = 0u; i < 4u; i++) {
    let v = bt(vec4f(r[0][i], r[1][i], r[2][i], r[3][i]));
    for (var s = 0u; s < 4u; s++) { V[(i * 4u + s) * plane + out] = v[s]; }
  }
}
#endif

#if GEMM
// Bindings: 0 uniform; 1 U (vec4 over m); 2 V (vec4 over t); 3 M (vec4 over t).
// Dispatch: (ceil(CB·Mp/8 / WG), 1, 16), workgroup (WG, 1, 1); CB = ceil(Tp/16) column blocks.
// One invocation: 8 consecutive m (two vec4 of U) × 4 consecutive vec4 columns of t, so per k: 2 + 4
// vec4 loads feed 32 vec4 FMAs. Invocations run over column blocks first, then row blocks, so a large
// map keeps one row block per workgroup (the same U loads in every lane) and a small one (an 8x8 map
// has one column block) still fills the workgroup's SIMD lanes with row blocks: with one row block per
// workgroup, llvmpipe ran 8x8 maps at 1/8 of its lanes. Accumulators are named (SwiftShader keeps
// dynamically indexed private arrays in memory). Columns past Tp are clamped on load and not stored.
// (Interleaving the columns of neighbouring lanes, as the direct conv does on SwiftShader, measured the
// same on both CPU adapters: not kept.)
struct Params { K: u32, Mp4: u32, Tp4: u32, CB: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> U: array<vec4f>;
@group(0) @binding(2) var<storage, read> V: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> M: array<vec4f>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let inv = wid.x * WG + lid.x;
  let m4 = (inv / p.CB) * 2u;
  if (m4 >= p.Mp4) { return; }
  let j0 = (inv % p.CB) * 4u;
  let j = min(vec4u(j0, j0 + 1u, j0 + 2u, j0 + 3u), vec4u(p.Tp4 - 1u));
  let xi = wid.z;
  let uBase = xi * p.K * p.Mp4 + m4;
  let vBase = xi * p.K * p.Tp4;
  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0);
  var e0 = vec4f(0.0); var e1 = vec4f(0.0); var e2 = vec4f(0.0); var e3 = vec4f(0.0);
  var f0 = vec4f(0.0); var f1 = vec4f(0.0); var f2 = vec4f(0.0); var f3 = vec4f(0.0);
  var g0 = vec4f(0.0); var g1 = vec4f(0.0); var g2 = vec4f(0.0); var g3 = vec4f(0.0);
  var h0 = vec4f(0.0); var h1 = vec4f(0.0); var h2 = vec4f(0.0); var h3 = vec4f(0.0);
  for (var k = 0u; k < p.K; k++) {
    let u = uBase + k * p.Mp4;
    let ua = U[u];
    let ub = U[u + 1u];
    let v = vBase + k * p.Tp4;
    let v0 = V[v + j.x];
    let v1 = V[v + j.y];
    let v2 = V[v + j.z];
    let v3 = V[v + j.w];
    // Row m (a..h = m0..m0+7) times the 4 column vectors.
    a0 = fma(vec4f(ua.x), v0, a0); a1 = fma(vec4f(ua.x), v1, a1); a2 = fma(vec4f(ua.x), v2, a2); a3 = fma(vec4f(ua.x), v3, a3);
    b0 = fma(vec4f(ua.y), v0, b0); b1 = fma(vec4f(ua.y), v1, b1); b2 = fma(vec4f(ua.y), v2, b2); b3 = fma(vec4f(ua.y), v3, b3);
    c0 = fma(vec4f(ua.z), v0, c0); c1 = fma(vec4f(ua.z), v1, c1); c2 = fma(vec4f(ua.z), v2, c2); c3 = fma(vec4f(ua.z), v3, c3);
    d0 = fma(vec4f(ua.w), v0, d0); d1 = fma(vec4f(ua.w), v1, d1); d2 = fma(vec4f(ua.w), v2, d2); d3 = fma(vec4f(ua.w), v3, d3);
    e0 = fma(vec4f(ub.x), v0, e0); e1 = fma(vec4f(ub.x), v1, e1); e2 = fma(vec4f(ub.x), v2, e2); e3 = fma(vec4f(ub.x), v3, e3);
    f0 = fma(vec4f(ub.y), v0, f0); f1 = fma(vec4f(ub.y), v1, f1); f2 = fma(vec4f(ub.y), v2, f2); f3 = fma(vec4f(ub.y), v3, f3);
    g0 = fma(vec4f(ub.z), v0, g0); g1 = fma(vec4f(ub.z), v1, g1); g2 = fma(vec4f(ub.z), v2, g2); g3 = fma(vec4f(ub.z), v3, g3);
    h0 = fma(vec4f(ub.w), v0, h0); h1 = fma(vec4f(ub.w), v1, h1); h2 = fma(vec4f(ub.w), v2, h2); h3 = fma(vec4f(ub.w), v3, h3);
  }
  let row = xi * p.Mp4 * 4u + m4 * 4u; // first of the 8 rows of M, in rows of Tp4 vec4s
  store(row, j, a0, a1, a2, a3);
  store(row + 1u, j, b0, b1, b2, b3);
  store(row + 2u, j, c0, c1, c2, c3);
  store(row + 3u, j, d0, d1, d2, d3);
  store(row + 4u, j, e0, e1, e2, e3);
  store(row + 5u, j, f0, f1, f2, f3);
  store(row + 6u, j, g0, g1, g2, g3);
  store(row + 7u, j, h0, h1, h2, h3);
}

// The 4 column vectors of one row; a clamped column (j past Tp4, so equal to an earlier one) is skipped.
fn store(row: u32, j: vec4u, v0: vec4f, v1: vec4f, v2: vec4f, v3: vec4f) {
  let r = row * p.Tp4;
  M[r + j.x] = v0;
  if (j.y > j.x) { M[r + j.y] = v1; }
  if (j.z > j.y) { M[r + j.z] = v2; }
  if (j.w > j.z) { M[r + j.w] = v3; }
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
  // Aᵀ = [1,1,1,0], [0,1,-1,-1]: rows of M first (q0, q1 over the 4 columns), then along each.
  var q0 = vec4f(0.0);
  var q1 = vec4f(0.0);
  for (var s = 0u; s < 4u; s++) {
    let m0 = M[s * plane + at];
    let m1 = M[(4u + s) * plane + at];
    let m2 = M[(8u + s) * plane + at];
    let m3 = M[(12u + s) * plane + at];
    q0[s] = m0 + m1 + m2;
    q1[s] = m1 - m2 - m3;
  }
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
