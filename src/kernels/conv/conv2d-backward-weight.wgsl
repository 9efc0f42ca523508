// conv2d backward-weight (conv2d_weight_backward) and backward-bias: reductions over the batch and
// the output pixels. Style transfer never needs them (frozen weights); they exist for completeness
// and are correct first, then reasonable: no workgroup memory, 4 output channels per invocation.
//
// Layout: x NCHW [N,C,H,W]; dy NCHW [N,O,outH,outW]; dw OIHW [O,C,KH,KW]; db [O]. Results are
// written (not accumulated): dw and db hold the batch sum.
//
// Weight (default variant):
//   dw[o,c,kh,kw] = Σ_n Σ_oh Σ_ow dy[n,o,oh,ow] · xpad[n, c, oh·S + kh - pad, ow·S + kw - pad]
//   Bindings: 0 uniform Params; 1 x; 2 dy; [3 ym with MASK]; then dw.
//   Dispatch: (ceil(C·KH·KW / 64), ceil(O / 4), 1), workgroup 64. One invocation: one tap
//   k = (c·KH + kh)·KW + kw and 4 output channels (workgroup_id.y, so the dy loads are the same for
//   every invocation of a workgroup and llvmpipe broadcasts them); a vec4 accumulator.
// BIAS variant:
//   db[o] = Σ_n Σ_oh Σ_ow dy[n,o,oh,ow]. Bindings: 0 uniform; 1 dy; [2 ym with MASK]; then db.
//   Dispatch: (ceil(O / 64), 1, 1); one invocation sums one channel.
// Variants: REFLECT (mirror padding: xpad reads the mirrored pixel instead of 0); MASK (a fused ReLU's
//   backward: dy is read as dy·[ym > 0], ym = the forward output, bound right after dy).
// PARTIALS variant: the last pass of backward-weight as gemm (conv2d.ts), whose products over Z chunks of the
//   pixels leave Z partial results, each [O][K4·4] (taps padded to whole vec4s):
//   dw[o][k] = Σ_z part[z][o][k], k < C·KH·KW. Bindings: 0 uniform; 1 part; 2 dw.
//   Dispatch: 1-D over O·C·KH·KW, 256 threads, folded into y past 65535 workgroups (i = gid.y·rowStride + gid.x).

#if PARTIALS
struct Params { n: u32, rowStride: u32, K: u32, row: u32, Z: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let at = (i / p.K) * p.row + i % p.K;
  let chunk = p.n / p.K * p.row; // one partial: O rows of `row` floats
  var sum = 0.0;
  for (var z = 0u; z < p.Z; z++) { sum += part[z * chunk + at]; }
  dw[i] = sum;
}
#else
struct Params {
  N: u32, C: u32, H: u32, W: u32,
  O: u32, outH: u32, outW: u32, pad: u32,
  KH: u32, KW: u32, S: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

#if BIAS
@group(0) @binding(1) var<storage, read> dy: array<f32>;
#if MASK
@group(0) @binding(2) var<storage, read> ym: array<f32>;
@group(0) @binding(3) var<storage, read_write> db: array<f32>;
fn dyAt(i: u32) -> f32 { return select(0.0, dy[i], ym[i] > 0.0); }
#else
@group(0) @binding(2) var<storage, read_write> db: array<f32>;
fn dyAt(i: u32) -> f32 { return dy[i]; }
#endif

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let o = gid.x;
  if (o >= p.O) { return; }
  let plane = p.outH * p.outW;
  var sum = 0.0;
  for (var n = 0u; n < p.N; n++) {
    let base = (n * p.O + o) * plane;
    for (var i = 0u; i < plane; i++) { sum += dyAt(base + i); }
  }
  db[o] = sum;
}
#else
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
#if MASK
@group(0) @binding(3) var<storage, read> ym: array<f32>;
@group(0) @binding(4) var<storage, read_write> dw: array<f32>;
fn dyAt(i: u32) -> f32 { return select(0.0, dy[i], ym[i] > 0.0); }
#else
@group(0) @binding(3) var<storage, read_write> dw: array<f32>;
fn dyAt(i: u32) -> f32 { return dy[i]; }
#endif

fn reflectIndex(i: i32, n: i32) -> i32 {
  let j = select(i, -i, i < 0);
  return select(j, 2 * (n - 1) - j, j >= n);
}

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let k = wid.x * 64u + lid.x;
  let taps = p.C * p.KH * p.KW;
  let valid = k < taps;
  let kc = min(k, taps - 1u);    // invalid lanes compute a copy and skip the store
  let kw = kc % p.KW;
  let kh = (kc / p.KW) % p.KH;
  let c = kc / (p.KW * p.KH);
  let o0 = wid.y * 4u;
  // Channels past O read channel O-1 (in bounds) and are not stored.
  let o = min(vec4u(o0, o0 + 1u, o0 + 2u, o0 + 3u), vec4u(p.O - 1u));
  let H = i32(p.H);
  let W = i32(p.W);
  let plane = p.outH * p.outW;
  var acc = vec4f(0.0);
  for (var n = 0u; n < p.N; n++) {
    let xplane = (n * p.C + c) * p.H;
    let dyBase = (n * p.O + o) * plane;
    for (var oh = 0u; oh < p.outH; oh++) {
      var ih = i32(oh * p.S + kh) - i32(p.pad);
#if REFLECT
      ih = reflectIndex(ih, H);
#else
      if (ih < 0 || ih >= H) { continue; }
#endif
      let xrow = (xplane + u32(ih)) * p.W;
      let dyRow = dyBase + oh * p.outW;
      for (var ow = 0u; ow < p.outW; ow++) {
        var iw = i32(ow * p.S + kw) - i32(p.pad);
#if REFLECT
        iw = reflectIndex(iw, W);
        let xv = x[xrow + u32(iw)];
#else
        let xv = select(0.0, x[xrow + u32(clamp(iw, 0, W - 1))], iw >= 0 && iw < W);
#endif
        let g = vec4f(dyAt(dyRow.x + ow), dyAt(dyRow.y + ow), dyAt(dyRow.z + ow), dyAt(dyRow.w + ow));
        acc = fma(g, vec4f(xv), acc);
      }
    }
  }
  if (!valid) { return; }
  for (var e = 0u; e < 4u; e++) {
    if (o0 + e < p.O) { dw[(o0 + e) * taps + kc] = acc[e]; }
  }
}
#endif
#endif
