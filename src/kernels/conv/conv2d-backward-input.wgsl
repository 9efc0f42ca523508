// conv2d backward-input (conv2d_x_backward): dx = ∂(Σ y·dy)/∂x, a gather over the forward's terms.
//
//   dx[n,c,ih,iw] = Σ_o Σ_kh Σ_kw dy[n,o,oh,ow] · w[o,c,kh,kw],  oh = (ih + pad - kh)/S,
//                   ow = (iw + pad - kw)/S, only where the division is exact and 0 <= oh,ow < out.
//
// Layout: dy NCHW [N,O,outH,outW]; dx NCHW [N,C,H,W]. Weights come pre-transposed by
// gemm/transpose.wgsl to wb[(o·KH + kh)·KW + kw][c] with c padded to C4·4 (vec4 over input
// channels). No flipped copy is needed: the kernel indexes kh, kw directly.
//
// Stride S > 1 ("phase decomposition"): pixels with the same ih mod S and iw mod S are hit by the
// same taps (kh ≡ ih + pad mod S), so each workgroup handles one phase (ph, pw), taken from
// workgroup_id.z = (n·S + ph)·S + pw. Only the taps that hit are visited (no zero-inserted dy), and
// the PX pixels of one invocation, iw_t = pw + S·q_t, read dy columns ow_t = owB + q_t - kk.
//
// Bindings: 0 uniform Params; 1 dy; [2 ym with MASK]; then wb (array<vec4f>, [O·KH·KW][C4]); then dx.
// MASK (a fused ReLU's backward): every dy value is read as dy·[ym > 0], ym = the forward output
//   (NCHW like dy), so the masked gradient never goes through a separate pass and temporary.
// Dispatch: (ceil(Hq·tilesW / WG), C4 / G, N·S·S), Hq = ceil(H/S),
//   tilesW = ceil(ceil(W/S) / (PX·IL))·IL; workgroup (WG, 1, 1).
// One invocation: row ih, PX same-phase columns q_t = q0 + t·IL (PX = 4, or 8 with P8), interleaved as in conv2d.wgsl so
//   neighbouring lanes read neighbouring dy columns), 4·G input channels in named vec4 accumulators
//   a{g}_{t} (not arrays, which SwiftShader keeps in memory), written out by conv/direct-tile.ts as for
//   conv2d.wgsl (DECLARE, STEP with the dy values v{t} and weights w{g} = wb[wi + g], STORE).
//   Loop order: column taps, row taps, output channels o innermost (constant index strides).
// Compile-time constants: KH, KW, S, WG, IL, PX, G (vec4 channel groups per invocation: 1, 2, 4 or 8).
// Channel bands (tensors larger than one storage binding, see banding.ts): dy (and ym) may be bound as
//   a byte range holding channels [o0, o0 + O) of one image, dx one holding channels [cBase, C)
//   (dispatch z = S·S); dyOff / dxOff are the element offsets of those first channels inside their
//   bindings, wOff (vec4s) the first weight row of channel o0, cgBase the first channel group. ACCUM
//   adds this output band's share to dx. One dispatch over everything is the case of all offsets 0.
// Reflect padding runs this kernel with pad 0 on the padded image (H + 2·pad, W + 2·pad) into a
// scratch buffer, then conv2d-reflect-fold.wgsl adds each padded pixel's gradient onto the pixel it
// mirrored.

struct Params {
  C: u32, H: u32, W: u32, O: u32,
  outH: u32, outW: u32, pad: u32, C4: u32,
  tilesW: u32, tiles: u32, dyOff: u32, dxOff: u32,
  wOff: u32, cgBase: u32, cBase: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
#if MASK
@group(0) @binding(2) var<storage, read> ym: array<f32>;
@group(0) @binding(3) var<storage, read> wb: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> dx: array<f32>;
fn dyAt(i: u32) -> f32 { return select(0.0, dy[i], ym[i] > 0.0); }
#else
@group(0) @binding(2) var<storage, read> wb: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
fn dyAt(i: u32) -> f32 { return dy[i]; }
#endif

const KH = {{KH}}u;
const KW = {{KW}}u;
const S = {{S}}u;
const WG = {{WG}}u;
const IL = {{IL}}u;
const PX = {{PX}}u;   // pixels per invocation: 4, or 8 with P8
const KHS = (KH + S - 1u) / S;   // taps per phase along each axis
const KWS = (KW + S - 1u) / S;

// Stores channels c0..c0+3 of pixel (n, ih, iw); skips what is past C, W.
fn store(n: u32, c0: u32, ih: u32, iw: u32, v: vec4f) {
  if (iw >= p.W) { return; }
  for (var e = 0u; e < 4u; e++) {
    let c = c0 + e;
    if (c >= p.C) { return; }
    let i = p.dxOff + ((n * p.C + c - p.cBase) * p.H + ih) * p.W + iw;
#if ACCUM
    dx[i] += v[e];
#else
    dx[i] = v[e];
#endif
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tile = wid.x * WG + lid.x;
  if (tile >= p.tiles) { return; }
  let pw = wid.z % S;
  let ph = (wid.z / S) % S;
  let n = wid.z / (S * S);
  let ih = ph + S * (tile / p.tilesW);
  let r = tile % p.tilesW;
  let q0 = (r / IL) * (PX * IL) + r % IL;
  if (ih >= p.H || pw >= p.W) { return; }
  let cg = p.cgBase + wid.y * {{G}}u;
  let kh0 = (ph + p.pad) % S;
  let kw0 = (pw + p.pad) % S;
  let outW = i32(p.outW);
  let outHW = p.outH * p.outW;
  let wStep = KH * KW * p.C4;   // wb stride from output channel o to o+1
  // dy column read by pixel t through column tap kw0 + kk·S: owB + q_t - kk
  let owB = vec4i(vec4u(0u, 1u, 2u, 3u) * IL + (q0 + (pw + p.pad - kw0) / S));

  {{DECLARE}}

  for (var kk = 0u; kk < KWS; kk++) {
    let kw = kw0 + kk * S;
    if (kw >= KW) { break; }
    let ow = owB - vec4i(i32(kk));
    let col = vec4u(clamp(ow, vec4i(0), vec4i(outW - 1)));
    let inside = (ow >= vec4i(0)) & (ow < vec4i(outW));
#if P8
    let ow2 = ow + vec4i(i32(4u * IL));
    let col2 = vec4u(clamp(ow2, vec4i(0), vec4i(outW - 1)));
    let inside2 = (ow2 >= vec4i(0)) & (ow2 < vec4i(outW));
#endif
    for (var a = 0u; a < KHS; a++) {
      let kh = kh0 + a * S;
      let num = i32(ih + p.pad) - i32(kh);
      if (kh >= KH || num < 0) { break; }
      let oh = u32(num) / S;
      if (oh >= p.outH) { continue; }
      var yi = p.dyOff + n * p.O * outHW + oh * p.outW;
      var wi = p.wOff + (kh * KW + kw) * p.C4 + cg;
      for (var o = 0u; o < p.O; o++) {
        {{STEP}}
      }
    }
  }

  let ch = cg * 4u;
  let iw = vec4u(0u, 1u, 2u, 3u) * (S * IL) + (pw + S * q0);
  let iw2 = iw + vec4u(4u * S * IL);
  {{STORE}}
}
