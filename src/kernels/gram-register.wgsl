// Gram matrix and its backward for feature maps with few pixels (the deep ResNet taps: C up to 2048 channels,
// H·W = 16..256), one 4×4 register tile per invocation, no workgroup memory, no barriers (barriers dominate
// on the CPU adapters), no split of the H·W sum. The same math as gram.wgsl:
//   FORWARD:  G_b = scale · F_b F_bᵀ,               scale = 1 / (C·H·W)
//   BACKWARD: dF_b = scale · (dG_b + dG_bᵀ) F_b
// Layout: F is NCHW float32 viewed per batch item b as the [C, H·W] matrix F_b (row c contiguous);
//   G and dG are [B, C, C] row-major.
// Bindings: 0 uniform {c, hw, scale}; FORWARD: 1 F, 2 G; BACKWARD: 1 dG, 2 F, 3 dF.
// Defines: FVEC4 when H·W % 4 == 0 (F and dF bound as vec4 arrays: rows start on a vec4), GVEC4 when
//   C % 4 == 0 (dG as a vec4 array); otherwise scalar loads with bounds checks, zeros past the edges.
// FORWARD dispatch: workgroups (ceil(nb/8), ceil(nb/8), B) of 8×8, nb = ceil(C/4). Invocation (x, y) owns
//   rows 4y..4y+3 and columns 4x..4x+3 of G_b and sums k over all of H·W in steps of 4 (4 + 4 vec4 loads,
//   16 vec4 dot products). G is symmetric: only x >= y compute; they write the tile and its transpose
//   (both as 4 runs of 4 contiguous floats).
// BACKWARD dispatch: 1-D workgroups of 64, then (B) in z; invocation i owns rows 4·(i / nkb)..+3 and columns
//   4·(i % nkb)..+3 of dF_b, nkb = ceil(H·W/4), and sums j over all C channels in steps of 4:
//   S[r, j] = dG[r, j] + dG[j, r] comes from 4 row loads dG[r, j..j+3] and 4 column-block loads
//   dG[j+q, r0..r0+3] (contiguous, so no strided transpose), times F[j+q, k0..k0+3].
struct Params { c: u32, hw: u32, scale: f32, nkb: u32 }
@group(0) @binding(0) var<uniform> p: Params;

#if FORWARD
#if FVEC4
@group(0) @binding(1) var<storage, read> f: array<vec4f>;
#else
@group(0) @binding(1) var<storage, read> f: array<f32>;
#endif
@group(0) @binding(2) var<storage, read_write> g: array<f32>;
#else
#if GVEC4
@group(0) @binding(1) var<storage, read> dg: array<vec4f>;
#else
@group(0) @binding(1) var<storage, read> dg: array<f32>;
#endif
#if FVEC4
@group(0) @binding(2) var<storage, read> f: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> df: array<vec4f>;
#else
@group(0) @binding(2) var<storage, read> f: array<f32>;
@group(0) @binding(3) var<storage, read_write> df: array<f32>;
#endif
#endif

// F_b[row, k..k+3] (fBase = b·C·H·W); zeros for row >= C or past H·W.
fn loadF(fBase: u32, row: u32, k: u32) -> vec4f {
  if (row >= p.c) { return vec4f(0.0); }
  let o = fBase + row * p.hw + k;
#if FVEC4
  return f[o / 4u];
#else
  var v = vec4f(0.0);
  for (var q = 0u; q < 4u; q++) { if (k + q < p.hw) { v[q] = f[o + q]; } }
  return v;
#endif
}

#if FORWARD
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nb = (p.c + 3u) / 4u;
  if (gid.x >= nb || gid.x < gid.y) { return; }  // below the diagonal: the mirror of a tile above it
  let b = gid.z;
  let r0 = 4u * gid.y;
  let c0 = 4u * gid.x;
  let fBase = b * p.c * p.hw;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k = 0u; k < p.hw; k += 4u) {
    let a0 = loadF(fBase, r0, k);
    let a1 = loadF(fBase, r0 + 1u, k);
    let a2 = loadF(fBase, r0 + 2u, k);
    let a3 = loadF(fBase, r0 + 3u, k);
    let b0 = loadF(fBase, c0, k);
    let b1 = loadF(fBase, c0 + 1u, k);
    let b2 = loadF(fBase, c0 + 2u, k);
    let b3 = loadF(fBase, c0 + 3u, k);
    acc0 += vec4f(dot(a0, b0), dot(a0, b1), dot(a0, b2), dot(a0, b3));
    acc1 += vec4f(dot(a1, b0), dot(a1, b1), dot(a1, b2), dot(a1, b3));
    acc2 += vec4f(dot(a2, b0), dot(a2, b1), dot(a2, b2), dot(a2, b3));
    acc3 += vec4f(dot(a3, b0), dot(a3, b1), dot(a3, b2), dot(a3, b3));
  }
  let acc = array<vec4f, 4>(acc0 * p.scale, acc1 * p.scale, acc2 * p.scale, acc3 * p.scale);
  let gBase = b * p.c * p.c;
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      let row = r0 + i;
      let col = c0 + j;
      if (row < p.c && col < p.c) {
        g[gBase + row * p.c + col] = acc[i][j];
        g[gBase + col * p.c + row] = acc[i][j];  // the mirror (the same value on the diagonal tile)
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let nb = (p.c + 3u) / 4u;
  if (gid.x >= nb * p.nkb) { return; }
  let b = gid.z;
  let r0 = 4u * (gid.x / p.nkb);
  let k0 = 4u * (gid.x % p.nkb);
  let fBase = b * p.c * p.hw;
  let gBase = b * p.c * p.c;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var j = 0u; j < p.c; j += 4u) {
    // Rows of S = dG + dGᵀ: s_i[q] = dG[r0+i, j+q] + dG[j+q, r0+i] = g_i[q] + t_q[i].
    let t0 = loadG(gBase, j, r0);
    let t1 = loadG(gBase, j + 1u, r0);
    let t2 = loadG(gBase, j + 2u, r0);
    let t3 = loadG(gBase, j + 3u, r0);
    let s0 = loadG(gBase, r0, j) + vec4f(t0.x, t1.x, t2.x, t3.x);
    let s1 = loadG(gBase, r0 + 1u, j) + vec4f(t0.y, t1.y, t2.y, t3.y);
    let s2 = loadG(gBase, r0 + 2u, j) + vec4f(t0.z, t1.z, t2.z, t3.z);
    let s3 = loadG(gBase, r0 + 3u, j) + vec4f(t0.w, t1.w, t2.w, t3.w);
    let f0 = loadF(fBase, j, k0);
    let f1 = loadF(fBase, j + 1u, k0);
    let f2 = loadF(fBase, j + 2u, k0);
    let f3 = loadF(fBase, j + 3u, k0);
    acc0 += s0.x * f0 + s0.y * f1 + s0.z * f2 + s0.w * f3;
    acc1 += s1.x * f0 + s1.y * f1 + s1.z * f2 + s1.w * f3;
    acc2 += s2.x * f0 + s2.y * f1 + s2.z * f2 + s2.w * f3;
    acc3 += s3.x * f0 + s3.y * f1 + s3.z * f2 + s3.w * f3;
  }
  let acc = array<vec4f, 4>(acc0 * p.scale, acc1 * p.scale, acc2 * p.scale, acc3 * p.scale);
  for (var i = 0u; i < 4u; i++) {
    let row = r0 + i;
    if (row >= p.c) { break; }
#if FVEC4
    df[(fBase + row * p.hw + k0) / 4u] = acc[i];
#else
    for (var q = 0u; q < 4u; q++) { if (k0 + q < p.hw) { df[fBase + row * p.hw + k0 + q] = acc[i][q]; } }
#endif
  }
}
#endif
