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
// One invocation: output row oh, 4 output columns ow_t = ow0 + t·IL (t = 0..3), 4·G channels:
//   a_t[e] = Σ_kw Σ_kh Σ_c wt[k][og][e] · xpad[n, c, oh·S + kh - pad, ow_t·S + kw - pad]
//   (b_t .. h_t: the next channel groups). Accumulators are named variables, not arrays: SwiftShader
//   keeps dynamically indexed private arrays in memory, and that made the array version 10x slower.
// Loop order kw, kh, c (c innermost): the 4 clamped columns and their masks depend only on kw, the
//   row only on kh, so the innermost loop is 4 loads, G vec4 weight loads and 4·G vec4 FMAs with
//   constant index strides.
// Compile-time constants: KH, KW, S (stride), WG, IL (interleave), G; variants: G2, G4, G8, BIAS, RELU, REFLECT.
// Padding: zeros (columns clamped in bounds and masked to 0; rows outside skipped) or REFLECT (mirror
// without repeating the edge: index -1 reads 1, index n reads n-2; pad < n is checked on the host).

struct Params {
  C: u32, H: u32, W: u32, O: u32,
  outH: u32, outW: u32, pad: u32, O4: u32,
  tilesW: u32, tiles: u32,
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
#if BIAS
    var r = v[e] + bias[o];
#else
    var r = v[e];
#endif
#if RELU
    r = max(r, 0.0);
#endif
    y[((n * p.O + o) * p.outH + oh) * p.outW + ow] = r;
  }
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tile = wid.x * WG + lid.x;
  if (tile >= p.tiles) { return; }
  let oh = tile / p.tilesW;
  // IL consecutive invocations share a strip of 4·IL columns, interleaved: invocation r of the strip
  // takes columns r, r + IL, r + 2·IL, r + 3·IL, so at stride 1 neighbouring invocations (SIMD lanes)
  // read neighbouring addresses, which SwiftShader turns into one vector load instead of a gather.
  let r = tile % p.tilesW;
  let ow0 = (r / IL) * (4u * IL) + r % IL;
  let og = wid.y * {{G}}u;
  let n = wid.z;
  let H = i32(p.H);
  let W = i32(p.W);
  let HW = p.H * p.W;
  let wStep = KH * KW * p.O4;   // wt stride from channel c to c+1
  let ih0 = i32(oh * S) - i32(p.pad);
  let iw0 = i32(ow0 * S) - i32(p.pad);

  var a0 = vec4f(0.0); var a1 = vec4f(0.0); var a2 = vec4f(0.0); var a3 = vec4f(0.0);
#if G2
  var b0 = vec4f(0.0); var b1 = vec4f(0.0); var b2 = vec4f(0.0); var b3 = vec4f(0.0);
#endif
#if G4
  var c0 = vec4f(0.0); var c1 = vec4f(0.0); var c2 = vec4f(0.0); var c3 = vec4f(0.0);
  var d0 = vec4f(0.0); var d1 = vec4f(0.0); var d2 = vec4f(0.0); var d3 = vec4f(0.0);
#endif
#if G8
  var e0 = vec4f(0.0); var e1 = vec4f(0.0); var e2 = vec4f(0.0); var e3 = vec4f(0.0);
  var f0 = vec4f(0.0); var f1 = vec4f(0.0); var f2 = vec4f(0.0); var f3 = vec4f(0.0);
  var g0 = vec4f(0.0); var g1 = vec4f(0.0); var g2 = vec4f(0.0); var g3 = vec4f(0.0);
  var h0 = vec4f(0.0); var h1 = vec4f(0.0); var h2 = vec4f(0.0); var h3 = vec4f(0.0);
#endif

  for (var kw = 0u; kw < KW; kw++) {
    let iw = vec4i(0, 1, 2, 3) * i32(IL * S) + (iw0 + i32(kw));
#if REFLECT
    let col = vec4u(u32(reflectIndex(iw.x, W)), u32(reflectIndex(iw.y, W)), u32(reflectIndex(iw.z, W)), u32(reflectIndex(iw.w, W)));
    let inside = vec4<bool>(true);
#else
    let col = vec4u(clamp(iw, vec4i(0), vec4i(W - 1)));
    let inside = (iw >= vec4i(0)) & (iw < vec4i(W));
#endif
    for (var kh = 0u; kh < KH; kh++) {
#if REFLECT
      let ih = reflectIndex(ih0 + i32(kh), H);
#else
      let ih = ih0 + i32(kh);
      if (ih < 0 || ih >= H) { continue; }
#endif
      var xi = n * p.C * HW + u32(ih) * p.W;
      var wi = (kh * KW + kw) * p.O4 + og;
      for (var c = 0u; c < p.C; c++) {
        let xv = select(vec4f(0.0), vec4f(x[xi + col.x], x[xi + col.y], x[xi + col.z], x[xi + col.w]), inside);
        let x0 = vec4f(xv.x); let x1 = vec4f(xv.y); let x2 = vec4f(xv.z); let x3 = vec4f(xv.w);
        let wa = wt[wi];
        a0 = fma(x0, wa, a0); a1 = fma(x1, wa, a1); a2 = fma(x2, wa, a2); a3 = fma(x3, wa, a3);
#if G2
        let wB = wt[wi + 1u];
        b0 = fma(x0, wB, b0); b1 = fma(x1, wB, b1); b2 = fma(x2, wB, b2); b3 = fma(x3, wB, b3);
#endif
#if G4
        let wC = wt[wi + 2u];
        c0 = fma(x0, wC, c0); c1 = fma(x1, wC, c1); c2 = fma(x2, wC, c2); c3 = fma(x3, wC, c3);
        let wD = wt[wi + 3u];
        d0 = fma(x0, wD, d0); d1 = fma(x1, wD, d1); d2 = fma(x2, wD, d2); d3 = fma(x3, wD, d3);
#endif
#if G8
        let wE = wt[wi + 4u];
        e0 = fma(x0, wE, e0); e1 = fma(x1, wE, e1); e2 = fma(x2, wE, e2); e3 = fma(x3, wE, e3);
        let wF = wt[wi + 5u];
        f0 = fma(x0, wF, f0); f1 = fma(x1, wF, f1); f2 = fma(x2, wF, f2); f3 = fma(x3, wF, f3);
        let wG = wt[wi + 6u];
        g0 = fma(x0, wG, g0); g1 = fma(x1, wG, g1); g2 = fma(x2, wG, g2); g3 = fma(x3, wG, g3);
        let wH = wt[wi + 7u];
        h0 = fma(x0, wH, h0); h1 = fma(x1, wH, h1); h2 = fma(x2, wH, h2); h3 = fma(x3, wH, h3);
#endif
        xi += HW;
        wi += wStep;
      }
    }
  }

  let o0 = og * 4u;
  store(n, o0, oh, ow0, a0); store(n, o0, oh, ow0 + IL, a1); store(n, o0, oh, ow0 + 2u * IL, a2); store(n, o0, oh, ow0 + 3u * IL, a3);
#if G2
  store(n, o0 + 4u, oh, ow0, b0); store(n, o0 + 4u, oh, ow0 + IL, b1); store(n, o0 + 4u, oh, ow0 + 2u * IL, b2); store(n, o0 + 4u, oh, ow0 + 3u * IL, b3);
#endif
#if G4
  store(n, o0 + 8u, oh, ow0, c0); store(n, o0 + 8u, oh, ow0 + IL, c1); store(n, o0 + 8u, oh, ow0 + 2u * IL, c2); store(n, o0 + 8u, oh, ow0 + 3u * IL, c3);
  store(n, o0 + 12u, oh, ow0, d0); store(n, o0 + 12u, oh, ow0 + IL, d1); store(n, o0 + 12u, oh, ow0 + 2u * IL, d2); store(n, o0 + 12u, oh, ow0 + 3u * IL, d3);
#endif
#if G8
  store(n, o0 + 16u, oh, ow0, e0); store(n, o0 + 16u, oh, ow0 + IL, e1); store(n, o0 + 16u, oh, ow0 + 2u * IL, e2); store(n, o0 + 16u, oh, ow0 + 3u * IL, e3);
  store(n, o0 + 20u, oh, ow0, f0); store(n, o0 + 20u, oh, ow0 + IL, f1); store(n, o0 + 20u, oh, ow0 + 2u * IL, f2); store(n, o0 + 20u, oh, ow0 + 3u * IL, f3);
  store(n, o0 + 24u, oh, ow0, g0); store(n, o0 + 24u, oh, ow0 + IL, g1); store(n, o0 + 24u, oh, ow0 + 2u * IL, g2); store(n, o0 + 24u, oh, ow0 + 3u * IL, g3);
  store(n, o0 + 28u, oh, ow0, h0); store(n, o0 + 28u, oh, ow0 + IL, h1); store(n, o0 + 28u, oh, ow0 + 2u * IL, h2); store(n, o0 + 28u, oh, ow0 + 3u * IL, h3);
#endif
}
