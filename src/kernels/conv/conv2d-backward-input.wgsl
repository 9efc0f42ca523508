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
// the PX pixels of one invocation, iw_t = pw + S·q_t, read dy columns ow_t = owB + q_t - kk.
//
// Bindings: 0 uniform Params; 1 dy; [2 ym with MASK]; then wb (array<vec4f>, [O·KH·KW][C4]); then dx.
// MASK (a fused ReLU's backward): every dy value is read as dy·[ym > 0], ym = the forward output
//   (NCHW like dy), so the masked gradient never goes through a separate pass and temporary.
// Dispatch: (ceil(Hq·tilesW / WG), C4 / G, N·S·S), Hq = ceil(H/S),
//   tilesW = ceil(ceil(W/S) / (PX·IL))·IL; workgroup (WG, 1, 1).
// One invocation: row ih, PX same-phase columns q_t = q0 + t·IL (PX = 4, or 8 with P8), interleaved as in conv2d.wgsl so
//   neighbouring lanes read neighbouring dy columns), 4·G input channels in named vec4 accumulators
//   (a_t .. h_t; not arrays, which SwiftShader keeps in memory). Loop order: column taps,
//   row taps, output channels o innermost (constant index strides).
// Compile-time constants: KH, KW, S, WG, IL, PX, G (vec4 channel groups per invocation: 1, 2, 4 or 8);
// flags G2, G4, G8 (G >= 2, 4, 8) switch on accumulator blocks b, c-d, e-h.
// Channel bands (tensors larger than one storage binding, see conv2d.ts): dy (and ym) may be bound as
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

  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
#if P8
  var a4 = vec4f(0.0); var a5 = vec4f(0.0); var a6 = vec4f(0.0); var a7 = vec4f(0.0);
#endif
#if G2
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
#if P8
  var b4 = vec4f(0.0); var b5 = vec4f(0.0); var b6 = vec4f(0.0); var b7 = vec4f(0.0);
#endif
#endif
#if G4
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
#if P8
  var c4 = vec4f(0.0); var c5 = vec4f(0.0); var c6 = vec4f(0.0); var c7 = vec4f(0.0);
#endif
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0);
#if P8
  var d4 = vec4f(0.0); var d5 = vec4f(0.0); var d6 = vec4f(0.0); var d7 = vec4f(0.0);
#endif
#endif
#if G8
  var e0 = vec4f(0.0); var e1 = vec4f(0.0); var e2 = vec4f(0.0); var e3 = vec4f(0.0);
#if P8
  var e4 = vec4f(0.0); var e5 = vec4f(0.0); var e6 = vec4f(0.0); var e7 = vec4f(0.0);
#endif
  var f0 = vec4f(0.0); var f1 = vec4f(0.0); var f2 = vec4f(0.0); var f3 = vec4f(0.0);
#if P8
  var f4 = vec4f(0.0); var f5 = vec4f(0.0); var f6 = vec4f(0.0); var f7 = vec4f(0.0);
#endif
  var g0 = vec4f(0.0); var g1 = vec4f(0.0); var g2 = vec4f(0.0); var g3 = vec4f(0.0);
#if P8
  var g4 = vec4f(0.0); var g5 = vec4f(0.0); var g6 = vec4f(0.0); var g7 = vec4f(0.0);
#endif
  var h0 = vec4f(0.0); var h1 = vec4f(0.0); var h2 = vec4f(0.0); var h3 = vec4f(0.0);
#if P8
  var h4 = vec4f(0.0); var h5 = vec4f(0.0); var h6 = vec4f(0.0); var h7 = vec4f(0.0);
#endif
#endif

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
        let gv = select(vec4f(0.0), vec4f(dyAt(yi + col.x), dyAt(yi + col.y), dyAt(yi + col.z), dyAt(yi + col.w)), inside);
        let v0 = vec4f(gv.x); let v1 = vec4f(gv.y); let v2 = vec4f(gv.z); let v3 = vec4f(gv.w);
#if P8
        let gu = select(vec4f(0.0), vec4f(dyAt(yi + col2.x), dyAt(yi + col2.y), dyAt(yi + col2.z), dyAt(yi + col2.w)), inside2);
        let v4 = vec4f(gu.x); let v5 = vec4f(gu.y); let v6 = vec4f(gu.z); let v7 = vec4f(gu.w);
#endif
        let wa = wb[wi];
        a0 = fma(v0, wa, a0); a1 = fma(v1, wa, a1); a2 = fma(v2, wa, a2); a3 = fma(v3, wa, a3);
#if P8
        a4 = fma(v4, wa, a4); a5 = fma(v5, wa, a5); a6 = fma(v6, wa, a6); a7 = fma(v7, wa, a7);
#endif
#if G2
        let wB = wb[wi + 1u];
        b0 = fma(v0, wB, b0); b1 = fma(v1, wB, b1); b2 = fma(v2, wB, b2); b3 = fma(v3, wB, b3);
#if P8
        b4 = fma(v4, wB, b4); b5 = fma(v5, wB, b5); b6 = fma(v6, wB, b6); b7 = fma(v7, wB, b7);
#endif
#endif
#if G4
        let wC = wb[wi + 2u];
        c0 = fma(v0, wC, c0); c1 = fma(v1, wC, c1); c2 = fma(v2, wC, c2); c3 = fma(v3, wC, c3);
#if P8
        c4 = fma(v4, wC, c4); c5 = fma(v5, wC, c5); c6 = fma(v6, wC, c6); c7 = fma(v7, wC, c7);
#endif
        let wD = wb[wi + 3u];
        d0 = fma(v0, wD, d0); d1 = fma(v1, wD, d1); d2 = fma(v2, wD, d2); d3 = fma(v3, wD, d3);
#if P8
        d4 = fma(v4, wD, d4); d5 = fma(v5, wD, d5); d6 = fma(v6, wD, d6); d7 = fma(v7, wD, d7);
#endif
#endif
#if G8
        let wE = wb[wi + 4u];
        e0 = fma(v0, wE, e0); e1 = fma(v1, wE, e1); e2 = fma(v2, wE, e2); e3 = fma(v3, wE, e3);
#if P8
        e4 = fma(v4, wE, e4); e5 = fma(v5, wE, e5); e6 = fma(v6, wE, e6); e7 = fma(v7, wE, e7);
#endif
        let wF = wb[wi + 5u];
        f0 = fma(v0, wF, f0); f1 = fma(v1, wF, f1); f2 = fma(v2, wF, f2); f3 = fma(v3, wF, f3);
#if P8
        f4 = fma(v4, wF, f4); f5 = fma(v5, wF, f5); f6 = fma(v6, wF, f6); f7 = fma(v7, wF, f7);
#endif
        let wG = wb[wi + 6u];
        g0 = fma(v0, wG, g0); g1 = fma(v1, wG, g1); g2 = fma(v2, wG, g2); g3 = fma(v3, wG, g3);
#if P8
        g4 = fma(v4, wG, g4); g5 = fma(v5, wG, g5); g6 = fma(v6, wG, g6); g7 = fma(v7, wG, g7);
#endif
        let wH = wb[wi + 7u];
        h0 = fma(v0, wH, h0); h1 = fma(v1, wH, h1); h2 = fma(v2, wH, h2); h3 = fma(v3, wH, h3);
#if P8
        h4 = fma(v4, wH, h4); h5 = fma(v5, wH, h5); h6 = fma(v6, wH, h6); h7 = fma(v7, wH, h7);
#endif
#endif
        yi += outHW;
        wi += wStep;
      }
    }
  }

  let ch = cg * 4u;
  let iw = vec4u(0u, 1u, 2u, 3u) * (S * IL) + (pw + S * q0);
  let iw2 = iw + vec4u(4u * S * IL);
  store(n, ch, ih, iw.x, a0); store(n, ch, ih, iw.y, a1); store(n, ch, ih, iw.z, a2); store(n, ch, ih, iw.w, a3);
#if P8
  store(n, ch, ih, iw2.x, a4); store(n, ch, ih, iw2.y, a5); store(n, ch, ih, iw2.z, a6); store(n, ch, ih, iw2.w, a7);
#endif
#if G2
  store(n, ch + 4u, ih, iw.x, b0); store(n, ch + 4u, ih, iw.y, b1); store(n, ch + 4u, ih, iw.z, b2); store(n, ch + 4u, ih, iw.w, b3);
#if P8
  store(n, ch + 4u, ih, iw2.x, b4); store(n, ch + 4u, ih, iw2.y, b5); store(n, ch + 4u, ih, iw2.z, b6); store(n, ch + 4u, ih, iw2.w, b7);
#endif
#endif
#if G4
  store(n, ch + 8u, ih, iw.x, c0); store(n, ch + 8u, ih, iw.y, c1); store(n, ch + 8u, ih, iw.z, c2); store(n, ch + 8u, ih, iw.w, c3);
#if P8
  store(n, ch + 8u, ih, iw2.x, c4); store(n, ch + 8u, ih, iw2.y, c5); store(n, ch + 8u, ih, iw2.z, c6); store(n, ch + 8u, ih, iw2.w, c7);
#endif
  store(n, ch + 12u, ih, iw.x, d0); store(n, ch + 12u, ih, iw.y, d1); store(n, ch + 12u, ih, iw.z, d2); store(n, ch + 12u, ih, iw.w, d3);
#if P8
  store(n, ch + 12u, ih, iw2.x, d4); store(n, ch + 12u, ih, iw2.y, d5); store(n, ch + 12u, ih, iw2.z, d6); store(n, ch + 12u, ih, iw2.w, d7);
#endif
#endif
#if G8
  store(n, ch + 16u, ih, iw.x, e0); store(n, ch + 16u, ih, iw.y, e1); store(n, ch + 16u, ih, iw.z, e2); store(n, ch + 16u, ih, iw.w, e3);
#if P8
  store(n, ch + 16u, ih, iw2.x, e4); store(n, ch + 16u, ih, iw2.y, e5); store(n, ch + 16u, ih, iw2.z, e6); store(n, ch + 16u, ih, iw2.w, e7);
#endif
  store(n, ch + 20u, ih, iw.x, f0); store(n, ch + 20u, ih, iw.y, f1); store(n, ch + 20u, ih, iw.z, f2); store(n, ch + 20u, ih, iw.w, f3);
#if P8
  store(n, ch + 20u, ih, iw2.x, f4); store(n, ch + 20u, ih, iw2.y, f5); store(n, ch + 20u, ih, iw2.z, f6); store(n, ch + 20u, ih, iw2.w, f7);
#endif
  store(n, ch + 24u, ih, iw.x, g0); store(n, ch + 24u, ih, iw.y, g1); store(n, ch + 24u, ih, iw.z, g2); store(n, ch + 24u, ih, iw.w, g3);
#if P8
  store(n, ch + 24u, ih, iw2.x, g4); store(n, ch + 24u, ih, iw2.y, g5); store(n, ch + 24u, ih, iw2.z, g6); store(n, ch + 24u, ih, iw2.w, g7);
#endif
  store(n, ch + 28u, ih, iw.x, h0); store(n, ch + 28u, ih, iw.y, h1); store(n, ch + 28u, ih, iw.z, h2); store(n, ch + 28u, ih, iw.w, h3);
#if P8
  store(n, ch + 28u, ih, iw2.x, h4); store(n, ch + 28u, ih, iw2.y, h5); store(n, ch + 28u, ih, iw2.z, h6); store(n, ch + 28u, ih, iw2.w, h7);
#endif
#endif
}
