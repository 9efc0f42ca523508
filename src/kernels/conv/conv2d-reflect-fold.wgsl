// conv2d reflect-padding fold (second half of conv2dBackwardInput with padMode reflect).
// Layout: NCHW, viewed as [N·C][rows][cols].
// dx[nc, ih, iw] = Σ_{a ∈ rows(ih)} Σ_{b ∈ cols(iw)} dxp[nc, a, b], where rows(ih) are the padded
// rows that copied row ih: a = ih + pad always; a = pad - ih if 1 <= ih <= pad (top mirror);
// a = pad + 2(H-1) - ih if H-1-pad <= ih <= H-2 (bottom mirror); the same for columns.
// Bindings: 0 uniform; 1 dxp [N·C, H+2p, W+2p]; 2 dx [N·C, H, W]. Dispatch: 1-D, one invocation per dx
// element, 256 threads, folded into y (i = gid.y·rowStride + gid.x). dx element i is written at
// [skip + i] of its binding (a channel band bound at an aligned-down offset; 0 when whole).
struct FoldParams { n: u32, rowStride: u32, H: u32, W: u32, pad: u32, skip: u32 }
@group(0) @binding(0) var<uniform> f: FoldParams;
@group(0) @binding(1) var<storage, read> dxp: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

// The up-to-3 padded coordinates that read source coordinate i (-1 where none).
fn sources(i: i32, n: i32, pad: i32) -> vec3i {
  return vec3i(i + pad,
               select(-1, pad - i, i >= 1 && i <= pad),
               select(-1, pad + 2 * (n - 1) - i, i >= n - 1 - pad && i <= n - 2));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * f.rowStride + gid.x;
  if (i >= f.n) { return; }
  let H = i32(f.H);
  let W = i32(f.W);
  let pad = i32(f.pad);
  let iw = i32(i % f.W);
  let ih = i32((i / f.W) % f.H);
  let nc = i / (f.W * f.H);
  let Wp = f.W + 2u * f.pad;
  let base = nc * (f.H + 2u * f.pad) * Wp;
  let rows = sources(ih, H, pad);
  let cols = sources(iw, W, pad);
  var sum = 0.0;
  for (var a = 0; a < 3; a++) {
    if (rows[a] < 0) { continue; }
    for (var b = 0; b < 3; b++) {
      if (cols[b] < 0) { continue; }
      sum += dxp[base + u32(rows[a]) * Wp + u32(cols[b])];
    }
  }
  dx[f.skip + i] = sum;
}
