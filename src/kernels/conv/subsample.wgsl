// subsample: every S-th pixel of each plane, and its backward (the adjoint: scatter back, zeros between).
//   GATHER   y[p][oh][ow] = x[p][oh·S][ow·S]                       p = n·C + c, one plane per channel
//   SCATTER  dx[p][ih][iw] = dy[p][ih/S][iw/S] if S divides ih and iw (and the index is < outH, outW), else 0
// A 1x1 conv with stride S is a 1x1 stride-1 conv of the subsampled input, so conv2d runs it as GATHER +
// gemm, and its backward-input as gemm + SCATTER.
// Bindings: 0 uniform Params; 1 source; 2 destination. Dispatch: 1-D over the destination's elements,
// 256 threads, folded into y past 65535 workgroups (i = gid.y·rowStride + gid.x); one invocation each.
struct Params { n: u32, rowStride: u32, H: u32, W: u32, outH: u32, outW: u32, S: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
#if GATHER
  let ow = i % p.outW;
  let oh = (i / p.outW) % p.outH;
  let plane = i / (p.outW * p.outH);
  dst[i] = src[(plane * p.H + oh * p.S) * p.W + ow * p.S];
#else
  let iw = i % p.W;
  let ih = (i / p.W) % p.H;
  let plane = i / (p.W * p.H);
  let oh = ih / p.S;
  let ow = iw / p.S;
  let hit = ih % p.S == 0u && iw % p.S == 0u && oh < p.outH && ow < p.outW;
  dst[i] = select(0.0, src[min((plane * p.outH + oh) * p.outW + ow, arrayLength(&src) - 1u)], hit);
#endif
}
