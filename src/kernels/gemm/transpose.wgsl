// A batched transpose with zero padding (transpose.ts): gemm's k-major layouts, and the conv weights' layout
// in which the direct conv kernels read 4 consecutive channels as one vec4.
//
// Input `src` viewed as [B][R][S] (row-major), output `dst` as [B][S][RP] with RP = R rounded up
// to a multiple of 4:   dst[b][s][r] = src[b][r][s] for r < R, 0 for R <= r < RP.
//   forward:        w OIHW as [1][O][C·KH·KW]  -> wt [C·KH·KW][O4·4]    (vec4 over output channels)
//   backward-input: w OIHW as [O][C][KH·KW]    -> wb [O][KH·KW][C4·4]   (vec4 over input channels)
// Bindings: 0 uniform Params; 1 src; 2 dst.
// Dispatch: 1-D, 256 threads, folded into y past 65535 workgroups; one invocation writes one dst
// element (i = gid.y·rowStride + gid.x, i < B·S·RP).

struct Params { n: u32, rowStride: u32, R: u32, S: u32, RP: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let r = i % p.RP;
  let s = (i / p.RP) % p.S;
  let b = i / (p.RP * p.S);
  dst[i] = select(0.0, src[min((b * p.R + r) * p.S + s, arrayLength(&src) - 1u)], r < p.R);
}
