// Gram matrix of a feature map and its backward. Layout: F is NCHW float32, viewed per batch item b as
// the [C, H·W] matrix F_b (row c = channel c, contiguous); G is [B, C, C].
//   FORWARD:      P[b·S + s] = scale · Σ_{k in slice s} F_b[:, k] F_b[:, k]ᵀ   (the K = H·W sum split in S slices)
//   SPLIT_REDUCE: G[b] = scale · Σ_s P[b·S + s]        (only when S > 1; FORWARD then runs with scale 1)
//   BACKWARD:     dF_b = scale · (dG_b + dG_bᵀ) F_b,   scale = 1 / (C·H·W)
// Math: G = F Fᵀ/(C·H·W) (Gatys et al.; normalised by the element count so layers weigh alike).
// Bindings: 0 uniform {c, hw, kSlice, slices, scale, n, rowStride}; FORWARD: 1 F, 2 P (or G);
//   SPLIT_REDUCE: 1 P, 2 G; BACKWARD: 1 dG, 2 F, 3 dF.
// Dispatch and tiling (FORWARD, BACKWARD): 16×16 = 256 threads per workgroup compute a 64×64 output
//   tile; each thread holds a 4×4 register tile (rows ty + 16i, columns tx + 16j), and the workgroup
//   stages 16-deep slabs of both operands in workgroup memory (2 × 16 × 64 floats = 8 KiB).
//   FORWARD: workgroups (T, T, B·S), T = ceil(C/64). G is symmetric: only tiles with row tile <= column
//   tile compute; they write the tile and its mirror image. BACKWARD: workgroups (ceil(HW/64), T, B).
//   SPLIT_REDUCE: 1-D, 256 threads, one invocation per element of G (i = gid.y·rowStride + gid.x).
struct Params { c: u32, hw: u32, kSlice: u32, slices: u32, scale: f32, n: u32, rowStride: u32 }
@group(0) @binding(0) var<uniform> p: Params;

#if SPLIT_REDUCE
@group(0) @binding(1) var<storage, read> partials: array<f32>;
@group(0) @binding(2) var<storage, read_write> g: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let cc = p.c * p.c;
  let b = i / cc;
  let e = i % cc;
  var acc = 0.0;
  for (var s = 0u; s < p.slices; s++) { acc += partials[(b * p.slices + s) * cc + e]; }
  g[i] = acc * p.scale;
}
#else
#if FORWARD
@group(0) @binding(1) var<storage, read> f: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
#else
@group(0) @binding(1) var<storage, read> dg: array<f32>;
@group(0) @binding(2) var<storage, read> f: array<f32>;
@group(0) @binding(3) var<storage, read_write> df: array<f32>;
#endif

var<workgroup> As: array<array<f32, 64>, 16>;  // As[kk][r]: operand A, row r of the tile, depth kk
var<workgroup> Bs: array<array<f32, 64>, 16>;  // Bs[kk][c]: operand B, column c of the tile, depth kk

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) t: u32) {
#if FORWARD
  if (wid.y > wid.x) { return; }  // below the diagonal: the mirror of a tile computed above it
  let b = wid.z / p.slices;
  let kBegin = (wid.z % p.slices) * p.kSlice;
  let kEnd = min(kBegin + p.kSlice, p.hw);
  let rowBase = wid.y * 64u;
  let colBase = wid.x * 64u;
#else
  let b = wid.z;
  let kBegin = 0u;
  let kEnd = p.c;
  let rowBase = wid.y * 64u;  // channel rows of dF
  let colBase = wid.x * 64u;  // spatial columns of dF
  let gBase = b * p.c * p.c;
#endif
  let fBase = b * p.c * p.hw;
  var acc0 = vec4f(0.0);
  var acc1 = vec4f(0.0);
  var acc2 = vec4f(0.0);
  var acc3 = vec4f(0.0);
  for (var k0 = kBegin; k0 < kEnd; k0 += 16u) {
    for (var l = 0u; l < 4u; l++) {
      let e = t + 256u * l;
#if FORWARD
      // A = F rows rowBase.., B = F rows colBase..; consecutive threads read consecutive k (coalesced).
      let r = e / 16u;
      let kk = e % 16u;
      let k = k0 + kk;
      var av = 0.0;
      var bv = 0.0;
      if (k < kEnd) {
        if (rowBase + r < p.c) { av = f[fBase + (rowBase + r) * p.hw + k]; }
        if (colBase + r < p.c) { bv = f[fBase + (colBase + r) * p.hw + k]; }
      }
      As[kk][r] = av;
      Bs[kk][r] = bv;
#else
      // A = (dG + dGᵀ)[rowBase + r, k], B = F[k, colBase + c].
      let r = e / 16u;
      let kk = e % 16u;
      let k = k0 + kk;
      var av = 0.0;
      if (k < kEnd && rowBase + r < p.c) { av = dg[gBase + (rowBase + r) * p.c + k] + dg[gBase + k * p.c + rowBase + r]; }
      As[kk][r] = av;
      let kb = k0 + e / 64u;
      let col = colBase + e % 64u;
      var bv = 0.0;
      if (kb < kEnd && col < p.hw) { bv = f[fBase + kb * p.hw + col]; }
      Bs[e / 64u][e % 64u] = bv;
#endif
    }
    workgroupBarrier();
    for (var kk = 0u; kk < 16u; kk++) {
      let a = vec4f(As[kk][lid.y], As[kk][lid.y + 16u], As[kk][lid.y + 32u], As[kk][lid.y + 48u]);
      let bq = vec4f(Bs[kk][lid.x], Bs[kk][lid.x + 16u], Bs[kk][lid.x + 32u], Bs[kk][lid.x + 48u]);
      acc0 += a.x * bq;
      acc1 += a.y * bq;
      acc2 += a.z * bq;
      acc3 += a.w * bq;
    }
    workgroupBarrier();
  }
  let acc = array<vec4f, 4>(acc0, acc1, acc2, acc3);
  for (var i = 0u; i < 4u; i++) {
    let row = rowBase + lid.y + 16u * i;
    for (var j = 0u; j < 4u; j++) {
      let col = colBase + lid.x + 16u * j;
      let v = acc[i][j] * p.scale;
#if FORWARD
      if (row < p.c && col < p.c) {
        let base = wid.z * p.c * p.c;
        out[base + row * p.c + col] = v;
        if (wid.x != wid.y) { out[base + col * p.c + row] = v; }
      }
#else
      if (row < p.c && col < p.hw) { df[fBase + row * p.hw + col] = v; }
#endif
    }
  }
}
#endif
