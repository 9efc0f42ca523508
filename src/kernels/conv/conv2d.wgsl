// conv2d forward: direct (implicit-GEMM) convolution with a register tile per invocation and no
// workgroup memory (on CPU adapters, workgroup memory and barriers cost more than they save).
//
// Layout: x NCHW f32; y NCHW f32; bias [O] f32. Weights come pre-transposed by
// gemm/transpose.wgsl to wt[k][o] with k = (c·KH + kh)·KW + kw and o padded with zeros to
// O4·4 (a whole number of channel groups), read as vec4 = 4 consecutive output channels.
//
// Bindings: 0 uniform Params; 1 x; 2 wt (array<vec4f>, [C·KH·KW][O4]); [3 bias if BIAS]; then y.
// Dispatch: (ceil(outH·tilesW / WG), O4 / G, N), workgroup (WG, 1, 1), G = 1, 2, 4 or 8 vec4 channel
//   groups per invocation. The channel group comes from workgroup_id.y and the image
//   from workgroup_id.z, so all invocations of a workgroup read the same weights (llvmpipe turns such
//   uniform loads into one scalar load + broadcast instead of a gather).
// One invocation: output row oh, PX output columns ow_t = ow0 + t·IL (t < PX = 4, or 8 with P8), 4·G channels:
//   a{g}_{t}[e] = Σ_kw Σ_kh Σ_c wt[k][og + g][e] · xpad[n, c, oh·S + kh - pad, ow_t·S + kw - pad]
//   Accumulators are named variables, not arrays: SwiftShader keeps dynamically indexed private arrays in memory,
//   and that made the array version 10x slower. conv/direct-tile.ts writes their lines out (as gemm.ts does
//   gemm's) into the placeholders DECLARE, STEP (one input channel: the PX values x{t} at the columns col, col2,
//   masked by inside, inside2; per channel group g the weights w{g} = wt[wi + g] and a{g}_{t} = fma(x{t}, w{g},
//   a{g}_{t}) for each pixel t; then xi and wi move on to the next channel) and STORE (one store() per accumulator).
// Loop order kw, kh, c (c innermost): the PX clamped columns and their masks depend only on kw, the
//   row only on kh, so the innermost loop is PX loads, G vec4 weight loads and PX·G vec4 FMAs with
//   constant index strides.
// Compile-time constants: KH, KW, S (stride), WG, IL (interleave), PX, G; variants: P8, BIAS, RELU, REFLECT, ACCUM.
// Channel bands (tensors larger than one storage binding, see banding.ts): x and y may be bound as byte
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

  {{DECLARE}}

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
        {{STEP}}
      }
    }
  }

  let o0 = og * 4u;
  {{STORE}}
}
