// Gram matrix and its backward for feature maps with few pixels (the deep ResNet taps: C up to 2048 channels,
// H·W = 16..256), one 4×4 register tile per invocation, no workgroup memory, no barriers (barriers dominate
// on the CPU adapters), no split of the H·W sum. The same math as gram.wgsl:
//   FORWARD:  G_b = scale · F_b F_bᵀ,               scale = 1 / (C·H·W)
//   BACKWARD: dF_b = scale · (dG_b + dG_bᵀ) F_b
// Layout: F is NCHW float32 viewed per batch item b as the [C, H·W] matrix F_b (row c contiguous);
//   G and dG are [B, C, C] row-major.
// Channel bands (gram.ts): a feature map larger than one storage binding is bound as runs of whole channel
//   planes. FORWARD reads rows from two bands, A (rows of the G tile, global channels rowBase..) and B
//   (columns, colBase..), each a binding with its first element at offA/offB; BACKWARD computes the rows of
//   one dF band (rowBase.., at offOut) from one F band at a time (colBase.., at offIn), accumulating over
//   the F bands. An unbanded map is the single band pair A = B = all C channels at offset 0, batch item b
//   in z at fStride·b. Bands hold a multiple of 4 channels (but the last), so no 4-row block straddles two.
// Bindings: 0 uniform Params; FORWARD: 1 F band A, 2 F band B, 3 G; BACKWARD: 1 dG, 2 F band, 3 dF band.
// Defines: FVEC4 when H·W % 4 == 0 (F and dF bound as vec4 arrays: rows start on a vec4), GVEC4 when
//   C % 4 == 0 (dG as a vec4 array); otherwise scalar loads with bounds checks, zeros past the edges.
// FORWARD dispatch: workgroups (ceil(ceil(C/CW)/8), ceil(ceil(C/4)/8), B) of 8×8. Invocation (x, y) owns
//   rows 4y..4y+3 and columns CW·x..CW·x+CW−1 of G_b and sums k over all of H·W in steps of 4 (4 + CW vec4
//   loads, 4·CW vec4 dot products; CW = 8 with FC8, the default, else 4). G is symmetric: tiles wholly below the diagonal
//   return; the others write the tile and its transpose (as runs of 4 contiguous floats).
// BACKWARD dispatch: 1-D workgroups of 64, then (B) in z; invocation i owns rows 4·(i / nkb)..+3 and columns
//   PX·(i % nkb)..+PX−1 of dF_b, nkb = ceil(H·W/PX), and sums j over all C channels in steps of 4:
//   S[r, j] = dG[r, j] + dG[j, r] comes from 4 row loads dG[r, j..j+3] and 4 column-block loads
//   dG[j+q, r0..r0+3] (contiguous, so no strided transpose), times F[j+q, k0..k0+3] (and k0+4..k0+7).
//   PX = 8 with BPX8 (the default: the 8 dG loads then feed 128 FMAs instead of 64; 1.4-1.9x on llvmpipe,
//   1.1-1.75x on SwiftShader, bench/NOTES.md), else 4.
// c: channels of the whole map (G is C×C); rowsA/rowsB: channels in bands A/B (BACKWARD: the dF band and
// the F band); diag: 1 when A = B (then only tiles on or above the diagonal run); accumulate: BACKWARD adds
// to dF (every F band after the first); fStride/gStride: per batch item in z (0 when banded); gOff: the
// batch item's first element of G/dG when banded (one launch per item).
struct Params {
  c: u32, hw: u32, scale: f32, nkb: u32,
  rowsA: u32, rowsB: u32, rowBase: u32, colBase: u32,
  offA: u32, offB: u32, fStride: u32, gStride: u32,
  diag: u32, accumulate: u32, gOff: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

#if FORWARD
#if FVEC4
@group(0) @binding(1) var<storage, read> fa: array<vec4f>;
@group(0) @binding(2) var<storage, read> fb: array<vec4f>;
#else
@group(0) @binding(1) var<storage, read> fa: array<f32>;
@group(0) @binding(2) var<storage, read> fb: array<f32>;
#endif
@group(0) @binding(3) var<storage, read_write> g: array<f32>;
#else
#if GVEC4
@group(0) @binding(1) var<storage, read> dg: array<vec4f>;
#else
@group(0) @binding(1) var<storage, read> dg: array<f32>;
#endif
#if FVEC4
@group(0) @binding(2) var<storage, read> fb: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> df: array<vec4f>;
#else
@group(0) @binding(2) var<storage, read> fb: array<f32>;
@group(0) @binding(3) var<storage, read_write> df: array<f32>;
#endif
#endif

// Row `row` of band B, pixels k..k+3 (base: the band's first element + batch offset); zeros for
// row >= rowsB or past H·W.
fn loadB(base: u32, row: u32, k: u32) -> vec4f {
  if (row >= p.rowsB) { return vec4f(0.0); }
  let o = base + row * p.hw + k;
#if FVEC4
  return fb[o / 4u];
#else
  var v = vec4f(0.0);
  for (var q = 0u; q < 4u; q++) { if (k + q < p.hw) { v[q] = fb[o + q]; } }
  return v;
#endif
}

#if FORWARD
// Row `row` of band A, as loadB.
fn loadA(base: u32, row: u32, k: u32) -> vec4f {
  if (row >= p.rowsA) { return vec4f(0.0); }
  let o = base + row * p.hw + k;
#if FVEC4
  return fa[o / 4u];
#else
  var v = vec4f(0.0);
  for (var q = 0u; q < 4u; q++) { if (k + q < p.hw) { v[q] = fa[o + q]; } }
  return v;
#endif
}

#if FC8
const CW = 8u;  // columns of G per invocation: two blocks of 4
#else
const CW = 4u;
#endif

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let r0 = 4u * gid.y;   // rows in band A
  let c0 = CW * gid.x;   // rows in band B
  // Below the diagonal of a diagonal band pair (every column of the tile left of its first row): the
  // mirror of a tile above it.
  if (c0 >= p.rowsB || r0 >= p.rowsA || (p.diag == 1u && c0 + CW - 1u < r0)) { return; }
  let b = gid.z;
  let aBase = p.offA + b * p.fStride;
  let bBase = p.offB + b * p.fStride;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
#if FC8
  var acc4 = vec4f(0.0);
  var acc5 = vec4f(0.0);
  var acc6 = vec4f(0.0);
  var acc7 = vec4f(0.0);
#endif
  for (var k = 0u; k < p.hw; k += 4u) {
    let a0 = loadA(aBase, r0, k);
    let a1 = loadA(aBase, r0 + 1u, k);
    let a2 = loadA(aBase, r0 + 2u, k);
    let a3 = loadA(aBase, r0 + 3u, k);
    let b0 = loadB(bBase, c0, k);
    let b1 = loadB(bBase, c0 + 1u, k);
    let b2 = loadB(bBase, c0 + 2u, k);
    let b3 = loadB(bBase, c0 + 3u, k);
    acc0 += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    acc1 += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    acc2 += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    acc3 += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
#if FC8
    let b4 = loadB(bBase, c0 + 4u, k);
    let b5 = loadB(bBase, c0 + 5u, k);
    let b6 = loadB(bBase, c0 + 6u, k);
    let b7 = loadB(bBase, c0 + 7u, k);
    acc4 += vec4f(dot(a0, b4), dot(a0, b5), dot(a0, b6), dot(a0, b7));
    acc5 += vec4f(dot(a1, b4), dot(a1, b5), dot(a1, b6), dot(a1, b7));
    acc6 += vec4f(dot(a2, b4), dot(a2, b5), dot(a2, b6), dot(a2, b7));
    acc7 += vec4f(dot(a3, b4), dot(a3, b5), dot(a3, b6), dot(a3, b7));
#endif
  }
  let gBase = p.gOff + b * p.gStride;
  storeG(gBase, r0, c0, array<vec4f, 4>(acc0, acc1, acc2, acc3));
#if FC8
  storeG(gBase, r0, c0 + 4u, array<vec4f, 4>(acc4, acc5, acc6, acc7));
#endif
}

// The 4×4 block of G at band rows r0.., c0.. (those inside the bands), scaled, and its mirror. Entries
// left of the diagonal in a tile that straddles it are written too: the same values as their mirrors.
fn storeG(gBase: u32, r0: u32, c0: u32, acc: array<vec4f, 4>) {
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (r0 + i < p.rowsA && c0 + j < p.rowsB) {
        let row = p.rowBase + r0 + i;
        let col = p.colBase + c0 + j;
        let v = acc[i][j] * p.scale;
        g[gBase + row * p.c + col] = v;
        g[gBase + col * p.c + row] = v;
      }
    }
  }
}
#else
// dG_b[row, col..col+3] (gBase = b·C·C); zeros for row >= C or past column C − 1.
fn loadG(gBase: u32, row: u32, col: u32) -> vec4f {
  if (row >= p.c) { return vec4f(0.0); }
  let o = gBase + row * p.c + col;
#if GVEC4
  return dg[o / 4u];
#else
  var v = vec4f(0.0);
  for (var q = 0u; q < 4u; q++) { if (col + q < p.c) { v[q] = dg[o + q]; } }
  return v;
#endif
}

#if BPX8
const PX = 8u;  // pixels per invocation: two vec4 blocks
#else
const PX = 4u;
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nb = (p.rowsA + 3u) / 4u;
  if (gid.x >= nb * p.nkb) { return; }
  let b = gid.z;
  let r0 = p.rowBase + 4u * (gid.x / p.nkb);  // global channel of the tile's first dF row
  let k0 = PX * (gid.x % p.nkb);
  let fBase = p.offB + b * p.fStride;
  let gBase = p.gOff + b * p.gStride;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
#if BPX8
  var acc4 = vec4f(0.0);
  var acc5 = vec4f(0.0);
  var acc6 = vec4f(0.0);
  var acc7 = vec4f(0.0);
#endif
  for (var jb = 0u; jb < p.rowsB; jb += 4u) {
    // Rows of S = dG + dGᵀ: s_i[q] = dG[r0+i, j+q] + dG[j+q, r0+i] = g_i[q] + t_q[i]. Past the band's
    // last row F loads zeros, so the S values there (other channels, or zeros past C) add nothing.
    let j = p.colBase + jb;
    let t0 = loadG(gBase, j, r0);
    let t1 = loadG(gBase, j + 1u, r0);
    let t2 = loadG(gBase, j + 2u, r0);
    let t3 = loadG(gBase, j + 3u, r0);
    let s0 = loadG(gBase, r0, j) + vec4f(t0.x, t1.x, t2.x, t3.x);
    let s1 = loadG(gBase, r0 + 1u, j) + vec4f(t0.y, t1.y, t2.y, t3.y);
    let s2 = loadG(gBase, r0 + 2u, j) + vec4f(t0.z, t1.z, t2.z, t3.z);
    let s3 = loadG(gBase, r0 + 3u, j) + vec4f(t0.w, t1.w, t2.w, t3.w);
    let f0 = loadB(fBase, jb, k0);
    let f1 = loadB(fBase, jb + 1u, k0);
    let f2 = loadB(fBase, jb + 2u, k0);
    let f3 = loadB(fBase, jb + 3u, k0);
    acc0 += s0.x * f0 + s0.y * f1 + s0.z * f2 + s0.w * f3;
    acc1 += s1.x * f0 + s1.y * f1 + s1.z * f2 + s1.w * f3;
    acc2 += s2.x * f0 + s2.y * f1 + s2.z * f2 + s2.w * f3;
    acc3 += s3.x * f0 + s3.y * f1 + s3.z * f2 + s3.w * f3;
#if BPX8
    // Pixels k0+4..k0+7 (past H·W they read finite values of the next row, never stored).
    let f4 = loadB(fBase, jb, k0 + 4u);
    let f5 = loadB(fBase, jb + 1u, k0 + 4u);
    let f6 = loadB(fBase, jb + 2u, k0 + 4u);
    let f7 = loadB(fBase, jb + 3u, k0 + 4u);
    acc4 += s0.x * f4 + s0.y * f5 + s0.z * f6 + s0.w * f7;
    acc5 += s1.x * f4 + s1.y * f5 + s1.z * f6 + s1.w * f7;
    acc6 += s2.x * f4 + s2.y * f5 + s2.z * f6 + s2.w * f7;
    acc7 += s3.x * f4 + s3.y * f5 + s3.z * f6 + s3.w * f7;
#endif
  }
  let outBase = p.offA + b * p.fStride;
  let rowIn = r0 - p.rowBase;
  storeDf(outBase, rowIn, k0, array<vec4f, 4>(acc0 * p.scale, acc1 * p.scale, acc2 * p.scale, acc3 * p.scale));
#if BPX8
  if (k0 + 4u < p.hw) { storeDf(outBase, rowIn, k0 + 4u, array<vec4f, 4>(acc4 * p.scale, acc5 * p.scale, acc6 * p.scale, acc7 * p.scale)); }
#endif
}

// Rows rowIn..rowIn+3 of the dF band (those inside it), pixels k..k+3 (those inside H·W): write or add.
fn storeDf(outBase: u32, rowIn: u32, k: u32, acc: array<vec4f, 4>) {
  for (var i = 0u; i < 4u; i++) {
    if (rowIn + i >= p.rowsA) { break; }
    let o = outBase + (rowIn + i) * p.hw + k;
#if FVEC4
    if (p.accumulate == 1u) { df[o / 4u] += acc[i]; } else { df[o / 4u] = acc[i]; }
#else
    for (var q = 0u; q < 4u; q++) {
      if (k + q < p.hw) { if (p.accumulate == 1u) { df[o + q] += acc[i][q]; } else { df[o + q] = acc[i][q]; } }
    }
#endif
  }
}
#endif
