// conv2d backward-input (conv2d_x_backward): dx = ∂(Σ y·dy)/∂x, a gather over the forward's terms.
//
//   dx[n,c,ih,iw] = Σ_o Σ_kh Σ_kw dy[n,o,oh,ow] · w[o,c,kh,kw],  oh = (ih + pad - kh)/S,
//                   ow = (iw + pad - kw)/S, only where the division is exact and 0 <= oh,ow < out.
//
// Layout: dy NCHW [N,O,outH,outW]; dx NCHW [N,C,H,W]. Weights come pre-transposed by
// conv2d-weight-transpose.wgsl to wb[(o·KH + kh)·KW + kw][c] with c padded to C4·4 (vec4 over input
// channels). No flipped copy is needed: the kernel indexes kh, kw directly.
//
// Stride S > 1 ("phase decomposition"): pixels with the same ih mod S and iw mod S are hit by the
// same taps (kh ≡ ih + pad mod S), so each workgroup handles one phase (ph, pw), taken from
// workgroup_id.z = (n·S + ph)·S + pw. Only the taps that hit are visited (no zero-inserted dy), and
// the TW pixels of one invocation, iw = pw + S·(qw0 + t), read TW consecutive dy columns.
//
// Bindings: 0 uniform Params; 1 dy; 2 wb (array<vec4f>, [O·KH·KW][C4]); 3 dx.
// Dispatch: (ceil(Hq·tilesW / WG), ceil(C / (4·TC4)), N·S·S), Hq = ceil(H/S),
//   tilesW = ceil(ceil(W/S) / TW); workgroup (WG, 1, 1).
// One invocation: row ih, TW same-phase columns, 4·TC4 input channels (vec4 accumulators).
// Compile-time constants: KH, KW, S, TW, TC4, WG.
// Reflect padding runs this kernel with pad 0 on the padded image (H + 2·pad, W + 2·pad) into a
// scratch buffer, then conv2d-reflect-fold.wgsl adds each padded pixel's gradient onto the pixel it
// mirrored.

struct Params {
  C: u32, H: u32, W: u32, O: u32,
  outH: u32, outW: u32, pad: u32, C4: u32,
  tilesW: u32, tiles: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> wb: array<vec4f>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

const KH = {{KH}}u;
const KW = {{KW}}u;
const S = {{S}}u;
const TW = {{TW}}u;
const TC4 = {{TC4}}u;
const WG = {{WG}}u;
const KHS = (KH + S - 1u) / S;   // taps per phase along each axis
const KWS = (KW + S - 1u) / S;
const SEG = TW + KWS - 1u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tile = wid.x * WG + lid.x;
  if (tile >= p.tiles) { return; }
  let pw = wid.z % S;
  let ph = (wid.z / S) % S;
  let n = wid.z / (S * S);
  let ih = ph + S * (tile / p.tilesW);
  let qw0 = (tile % p.tilesW) * TW;
  if (ih >= p.H || pw >= p.W) { return; }
  let cg = wid.y * TC4;
  let kh0 = (ph + p.pad) % S;
  let kw0 = (pw + p.pad) % S;
  // dy column read by tap kw0 + kk·S for pixel t: owB - kk + t
  let owB = i32((pw + p.pad - kw0) / S + qw0);
  let outW = i32(p.outW);

  var acc: array<vec4f, TW * TC4>;
  var seg: array<f32, SEG>;
  for (var o = 0u; o < p.O; o++) {
    let plane = (n * p.O + o) * p.outH;
    for (var a = 0u; a < KHS; a++) {
      let kh = kh0 + a * S;
      let num = i32(ih + p.pad) - i32(kh);
      if (kh >= KH || num < 0) { break; }
      let oh = u32(num) / S;
      if (oh >= p.outH) { continue; }
      let row = (plane + oh) * p.outW;
      for (var j = 0u; j < SEG; j++) {
        let ow = owB - i32(KWS - 1u) + i32(j);
        seg[j] = select(0.0, dy[row + u32(clamp(ow, 0, outW - 1))], ow >= 0 && ow < outW);
      }
      let wrow = (o * KH + kh) * KW;
      for (var kk = 0u; kk < KWS; kk++) {
        let kw = kw0 + kk * S;
        if (kw >= KW) { break; }
        for (var j = 0u; j < TC4; j++) {
          let wv = wb[(wrow + kw) * p.C4 + cg + j];
          for (var t = 0u; t < TW; t++) {
            acc[t * TC4 + j] = fma(vec4f(seg[t + KWS - 1u - kk]), wv, acc[t * TC4 + j]);
          }
        }
      }
    }
  }

  for (var j = 0u; j < TC4; j++) {
    for (var e = 0u; e < 4u; e++) {
      let c = (cg + j) * 4u + e;
      if (c >= p.C) { break; }
      let base = ((n * p.C + c) * p.H + ih) * p.W;
      for (var t = 0u; t < TW; t++) {
        let iw = pw + S * (qw0 + t);
        if (iw >= p.W) { break; }
        dx[base + iw] = acc[t * TC4 + j][e];
      }
    }
  }
}
