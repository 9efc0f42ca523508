// conv2d forward: direct (implicit-GEMM) convolution with a register tile per invocation and no
// workgroup memory (on CPU adapters, workgroup memory and barriers cost more than they save).
//
// Layout: x NCHW f32; y NCHW f32; bias [O] f32. Weights come pre-transposed by
// conv2d-weight-transpose.wgsl to wt[k][o] with k = (c·KH + kh)·KW + kw and o padded with zeros to
// O4·4 (a whole number of channel groups), read as vec4 = 4 consecutive output channels.
//
// Bindings: 0 uniform Params; 1 x; 2 wt (array<vec4f>, [C·KH·KW][O4]); [3 bias if BIAS]; then y.
// Dispatch: (ceil(outH·tilesW / WG), O4 / G, N), workgroup (WG, 1, 1), G = 1, 2, 4 or 8 vec4 channel
//   groups per invocation; flags G2, G4, G8 (G >= 2, 4, 8) switch on accumulator blocks b, c-d, e-h. The channel group comes from workgroup_id.y and the image
//   from workgroup_id.z, so all invocations of a workgroup read the same weights (llvmpipe turns such
//   uniform loads into one scalar load + broadcast instead of a gather).
// One invocation: output row oh, PX output columns ow_t = ow0 + t·IL (t < PX = 4, or 8 with P8), 4·G channels:
//   a_t[e] = Σ_kw Σ_kh Σ_c wt[k][og][e] · xpad[n, c, oh·S + kh - pad, ow_t·S + kw - pad]
//   (b_t .. h_t: the next channel groups; t = 4..7 only with P8). Accumulators are named variables, not arrays: SwiftShader
//   keeps dynamically indexed private arrays in memory, and that made the array version 10x slower.
// Loop order kw, kh, c (c innermost): the PX clamped columns and their masks depend only on kw, the
//   row only on kh, so the innermost loop is PX loads, G vec4 weight loads and PX·G vec4 FMAs with
//   constant index strides.
// Compile-time constants: KH, KW, S (stride), WG, IL (interleave), PX, G; variants: P8, G2, G4, G8, BIAS, RELU, REFLECT, ACCUM.
// Channel bands (tensors larger than one storage binding, see conv2d.ts): x and y may be bound as byte
//   ranges holding channels [cBase, cBase + C) of x and [oBase, O) of y of one image (dispatch z = 1);
//   xOff / yOff are the element offsets of those first channels inside their bindings (binding offsets
//   are aligned down to 256 bytes), wOff (vec4s) the first transposed-weight row of channel cBase, ogBase
//   the first channel group. ACCUM adds the partial sum over this input band to y; bias and ReLU are
//   applied only with the last input band. The whole tensor in one dispatch is the case of all offsets 0.
// Padding: zeros (columns clamped in bounds and masked to 0; rows outside skipped) or REFLECT (mirror
// without repeating the edge: index -1 reads 1, index n reads n-2; pad < n is checked on the host).

struct Params {
  C: u32, H: u32, W: u32, O: u32,
  outH: u32, outW: u32, pad: u32, O4: u32,
  tilesW: u32, tiles: u32, xOff: u32, yOff: u32,
  wOff: u32, ogBase: u32, oBase: u32,
}
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> wt: array<vec4f>;
#if BIAS
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
#else
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
#endif

const KH = {{KH}}u;
const KW = {{KW}}u;
const S = {{S}}u;
const WG = {{WG}}u;
const IL = {{IL}}u;
const PX = {{PX}}u;   // pixels per invocation: 4, or 8 with P8

fn reflectIndex(i: i32, n: i32) -> i32 {
  let j = select(i, -i, i < 0);
  return select(j, 2 * (n - 1) - j, j >= n);
}

// Adds bias, applies ReLU and stores channels o0..o0+3 of pixel (n, oh, ow); skips what is past O, outW.
fn store(n: u32, o0: u32, oh: u32, ow: u32, v: vec4f) {
  if (ow >= p.outW) { return; }
  for (var e = 0u; e < 4u; e++) {
    let o = o0 + e;
    if (o >= p.O) { return; }
    let i = p.yOff + ((n * p.O + o - p.oBase) * p.outH + oh) * p.outW + ow;
    var r = v[e];
#if ACCUM
    r += y[i];
#endif
#if BIAS
    r += bias[o];
#endif
#if RELU
    r = max(r, 0.0);
#endif
    y[i] = r;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tile = wid.x * WG + lid.x;
  if (tile >= p.tiles) { return; }
  let oh = tile / p.tilesW;
  // IL consecutive invocations share a strip of PX·IL columns, interleaved: invocation r of the strip
  // takes columns r, r + IL, r + 2·IL, ..., so at stride 1 neighbouring invocations (SIMD lanes)
  // read neighbouring addresses, which SwiftShader turns into one vector load instead of a gather.
  let r = tile % p.tilesW;
  let ow0 = (r / IL) * (PX * IL) + r % IL;
  let og = p.ogBase + wid.y * {{G}}u;
  let n = wid.z;
  let H = i32(p.H);
  let W = i32(p.W);
  let HW = p.H * p.W;
  let wStep = KH * KW * p.O4;   // wt stride from channel c to c+1
  let ih0 = i32(oh * S) - i32(p.pad);
  let iw0 = i32(ow0 * S) - i32(p.pad);

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

  for (var kw = 0u; kw < KW; kw++) {
    let iw = vec4i(0, 1, 2, 3) * i32(IL * S) + (iw0 + i32(kw));
#if REFLECT
    let col = vec4u(u32(reflectIndex(iw.x, W)), u32(reflectIndex(iw.y, W)), u32(reflectIndex(iw.z, W)), u32(reflectIndex(iw.w, W)));
    let inside = vec4<bool>(true);
#if P8
    let iw2 = iw + vec4i(i32(4u * IL * S));
    let col2 = vec4u(u32(reflectIndex(iw2.x, W)), u32(reflectIndex(iw2.y, W)), u32(reflectIndex(iw2.z, W)), u32(reflectIndex(iw2.w, W)));
    let inside2 = vec4<bool>(true);
#endif
#else
    let col = vec4u(clamp(iw, vec4i(0), vec4i(W - 1)));
    let inside = (iw >= vec4i(0)) & (iw < vec4i(W));
#if P8
    let iw2 = iw + vec4i(i32(4u * IL * S));
    let col2 = vec4u(clamp(iw2, vec4i(0), vec4i(W - 1)));
    let inside2 = (iw2 >= vec4i(0)) & (iw2 < vec4i(W));
#endif
#endif
    for (var kh = 0u; kh < KH; kh++) {
#if REFLECT
      let ih = reflectIndex(ih0 + i32(kh), H);
#else
      let ih = ih0 + i32(kh);
      if (ih < 0 || ih >= H) { continue; }
#endif
      var xi = p.xOff + n * p.C * HW + u32(ih) * p.W;
      var wi = p.wOff + (kh * KW + kw) * p.O4 + og;
      for (var c = 0u; c < p.C; c++) {
        let xv = select(vec4f(0.0), vec4f(x[xi + col.x], x[xi + col.y], x[xi + col.z], x[xi + col.w]), inside);
        let x0 = vec4f(xv.x); let x1 = vec4f(xv.y); let x2 = vec4f(xv.z); let x3 = vec4f(xv.w);
#if P8
        let xu = select(vec4f(0.0), vec4f(x[xi + col2.x], x[xi + col2.y], x[xi + col2.z], x[xi + col2.w]), inside2);
        let x4 = vec4f(xu.x); let x5 = vec4f(xu.y); let x6 = vec4f(xu.z); let x7 = vec4f(xu.w);
#endif
        let wa = wt[wi];
        a0 = fma(x0, wa, a0); a1 = fma(x1, wa, a1); a2 = fma(x2, wa, a2); a3 = fma(x3, wa, a3);
#if P8
        a4 = fma(x4, wa, a4); a5 = fma(x5, wa, a5); a6 = fma(x6, wa, a6); a7 = fma(x7, wa, a7);
#endif
#if G2
        let wB = wt[wi + 1u];
        b0 = fma(x0, wB, b0); b1 = fma(x1, wB, b1); b2 = fma(x2, wB, b2); b3 = fma(x3, wB, b3);
#if P8
        b4 = fma(x4, wB, b4); b5 = fma(x5, wB, b5); b6 = fma(x6, wB, b6); b7 = fma(x7, wB, b7);
#endif
#endif
#if G4
        let wC = wt[wi + 2u];
        c0 = fma(x0, wC, c0); c1 = fma(x1, wC, c1); c2 = fma(x2, wC, c2); c3 = fma(x3, wC, c3);
#if P8
        c4 = fma(x4, wC, c4); c5 = fma(x5, wC, c5); c6 = fma(x6, wC, c6); c7 = fma(x7, wC, c7);
#endif
        let wD = wt[wi + 3u];
        d0 = fma(x0, wD, d0); d1 = fma(x1, wD, d1); d2 = fma(x2, wD, d2); d3 = fma(x3, wD, d3);
#if P8
        d4 = fma(x4, wD, d4); d5 = fma(x5, wD, d5); d6 = fma(x6, wD, d6); d7 = fma(x7, wD, d7);
#endif
#endif
#if G8
        let wE = wt[wi + 4u];
        e0 = fma(x0, wE, e0); e1 = fma(x1, wE, e1); e2 = fma(x2, wE, e2); e3 = fma(x3, wE, e3);
#if P8
        e4 = fma(x4, wE, e4); e5 = fma(x5, wE, e5); e6 = fma(x6, wE, e6); e7 = fma(x7, wE, e7);
#endif
        let wF = wt[wi + 5u];
        f0 = fma(x0, wF, f0); f1 = fma(x1, wF, f1); f2 = fma(x2, wF, f2); f3 = fma(x3, wF, f3);
#if P8
        f4 = fma(x4, wF, f4); f5 = fma(x5, wF, f5); f6 = fma(x6, wF, f6); f7 = fma(x7, wF, f7);
#endif
        let wG = wt[wi + 6u];
        g0 = fma(x0, wG, g0); g1 = fma(x1, wG, g1); g2 = fma(x2, wG, g2); g3 = fma(x3, wG, g3);
#if P8
        g4 = fma(x4, wG, g4); g5 = fma(x5, wG, g5); g6 = fma(x6, wG, g6); g7 = fma(x7, wG, g7);
#endif
        let wH = wt[wi + 7u];
        h0 = fma(x0, wH, h0); h1 = fma(x1, wH, h1); h2 = fma(x2, wH, h2); h3 = fma(x3, wH, h3);
#if P8
        h4 = fma(x4, wH, h4); h5 = fma(x5, wH, h5); h6 = fma(x6, wH, h6); h7 = fma(x7, wH, h7);
#endif
#endif
        xi += HW;
        wi += wStep;
      }
    }
  }

  let o0 = og * 4u;
  store(n, o0, oh, ow0, a0); store(n, o0, oh, ow0 + 1u * IL, a1); store(n, o0, oh, ow0 + 2u * IL, a2); store(n, o0, oh, ow0 + 3u * IL, a3);
#if P8
  store(n, o0, oh, ow0 + 4u * IL, a4); store(n, o0, oh, ow0 + 5u * IL, a5); store(n, o0, oh, ow0 + 6u * IL, a6); store(n, o0, oh, ow0 + 7u * IL, a7);
#endif
#if G2
  store(n, o0 + 4u, oh, ow0, b0); store(n, o0 + 4u, oh, ow0 + 1u * IL, b1); store(n, o0 + 4u, oh, ow0 + 2u * IL, b2); store(n, o0 + 4u, oh, ow0 + 3u * IL, b3);
#if P8
  store(n, o0 + 4u, oh, ow0 + 4u * IL, b4); store(n, o0 + 4u, oh, ow0 + 5u * IL, b5); store(n, o0 + 4u, oh, ow0 + 6u * IL, b6); store(n, o0 + 4u, oh, ow0 + 7u * IL, b7);
#endif
#endif
#if G4
  store(n, o0 + 8u, oh, ow0, c0); store(n, o0 + 8u, oh, ow0 + 1u * IL, c1); store(n, o0 + 8u, oh, ow0 + 2u * IL, c2); store(n, o0 + 8u, oh, ow0 + 3u * IL, c3);
#if P8
  store(n, o0 + 8u, oh, ow0 + 4u * IL, c4); store(n, o0 + 8u, oh, ow0 + 5u * IL, c5); store(n, o0 + 8u, oh, ow0 + 6u * IL, c6); store(n, o0 + 8u, oh, ow0 + 7u * IL, c7);
#endif
  store(n, o0 + 12u, oh, ow0, d0); store(n, o0 + 12u, oh, ow0 + 1u * IL, d1); store(n, o0 + 12u, oh, ow0 + 2u * IL, d2); store(n, o0 + 12u, oh, ow0 + 3u * IL, d3);
#if P8
  store(n, o0 + 12u, oh, ow0 + 4u * IL, d4); store(n, o0 + 12u, oh, ow0 + 5u * IL, d5); store(n, o0 + 12u, oh, ow0 + 6u * IL, d6); store(n, o0 + 12u, oh, ow0 + 7u * IL, d7);
#endif
#endif
#if G8
  store(n, o0 + 16u, oh, ow0, e0); store(n, o0 + 16u, oh, ow0 + 1u * IL, e1); store(n, o0 + 16u, oh, ow0 + 2u * IL, e2); store(n, o0 + 16u, oh, ow0 + 3u * IL, e3);
#if P8
  store(n, o0 + 16u, oh, ow0 + 4u * IL, e4); store(n, o0 + 16u, oh, ow0 + 5u * IL, e5); store(n, o0 + 16u, oh, ow0 + 6u * IL, e6); store(n, o0 + 16u, oh, ow0 + 7u * IL, e7);
#endif
  store(n, o0 + 20u, oh, ow0, f0); store(n, o0 + 20u, oh, ow0 + 1u * IL, f1); store(n, o0 + 20u, oh, ow0 + 2u * IL, f2); store(n, o0 + 20u, oh, ow0 + 3u * IL, f3);
#if P8
  store(n, o0 + 20u, oh, ow0 + 4u * IL, f4); store(n, o0 + 20u, oh, ow0 + 5u * IL, f5); store(n, o0 + 20u, oh, ow0 + 6u * IL, f6); store(n, o0 + 20u, oh, ow0 + 7u * IL, f7);
#endif
  store(n, o0 + 24u, oh, ow0, g0); store(n, o0 + 24u, oh, ow0 + 1u * IL, g1); store(n, o0 + 24u, oh, ow0 + 2u * IL, g2); store(n, o0 + 24u, oh, ow0 + 3u * IL, g3);
#if P8
  store(n, o0 + 24u, oh, ow0 + 4u * IL, g4); store(n, o0 + 24u, oh, ow0 + 5u * IL, g5); store(n, o0 + 24u, oh, ow0 + 6u * IL, g6); store(n, o0 + 24u, oh, ow0 + 7u * IL, g7);
#endif
  store(n, o0 + 28u, oh, ow0, h0); store(n, o0 + 28u, oh, ow0 + 1u * IL, h1); store(n, o0 + 28u, oh, ow0 + 2u * IL, h2); store(n, o0 + 28u, oh, ow0 + 3u * IL, h3);
#if P8
  store(n, o0 + 28u, oh, ow0 + 4u * IL, h4); store(n, o0 + 28u, oh, ow0 + 5u * IL, h5); store(n, o0 + 28u, oh, ow0 + 6u * IL, h6); store(n, o0 + 28u, oh, ow0 + 7u * IL, h7);
#endif
#endif
}
