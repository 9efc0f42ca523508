// conv2d forward: direct (implicit-GEMM) convolution with a register tile per invocation and no
// workgroup memory (on CPU adapters, workgroup memory and barriers cost more than they save).
//
// Layout: x NCHW f32; y NCHW f32; bias [O] f32. Weights come pre-transposed by
// conv2d-weight-transpose.wgsl to wt[k][o] with k = (c·KH + kh)·KW + kw and o padded to O4·4 with
// zeros, read as vec4 = 4 consecutive output channels, so one load feeds 4 accumulators.
//
// Bindings: 0 uniform Params; 1 x; 2 wt (array<vec4f>, [C·KH·KW][O4]); [3 bias if BIAS]; then y.
// Dispatch: (ceil(outH·tilesW / WG), ceil(O / (4·TO4)), N), workgroup (WG, 1, 1).
//   The output-channel group comes from workgroup_id.y and the image from workgroup_id.z, so every
//   invocation of a workgroup reads the same weights (llvmpipe turns such uniform loads into one
//   scalar load + broadcast instead of a gather).
// One invocation: output row oh, TW consecutive output columns ow0..ow0+TW-1, 4·TO4 output channels:
//   acc[t·TO4 + j][e] = Σ_c Σ_kh Σ_kw wt[k][og·TO4 + j][e] · xpad[n, c, oh·S + kh - pad, (ow0+t)·S + kw - pad]
// The TW outputs along a row share their inputs: per (c, kh) the row segment of (TW-1)·S + KW
// input pixels is loaded once into registers and reused by every kw.
// Compile-time constants: KH, KW, S (stride), TW, TO4, WG; variants: BIAS, RELU, REFLECT.
// Padding: zeros (out-of-image reads are 0) or REFLECT (mirror without repeating the edge).

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
const TW = {{TW}}u;
const TO4 = {{TO4}}u;
const WG = {{WG}}u;
const SEG = (TW - 1u) * S + KW;

// Mirror index i into [0, n): -1 -> 1, n -> n-2 (valid because pad < n).
fn reflectIndex(i: i32, n: i32) -> i32 {
  let j = select(i, -i, i < 0);
  return select(j, 2 * (n - 1) - j, j >= n);
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tile = wid.x * WG + lid.x;
  if (tile >= p.tiles) { return; }
  let oh = tile / p.tilesW;
  let ow0 = (tile % p.tilesW) * TW;
  let og = wid.y * TO4;          // first vec4 column of this invocation's output channels
  let n = wid.z;
  let H = i32(p.H);
  let W = i32(p.W);
  let ih0 = i32(oh * S) - i32(p.pad);
  let iw0 = i32(ow0 * S) - i32(p.pad);

  var acc: array<vec4f, TW * TO4>;
  var seg: array<f32, SEG>;
  for (var c = 0u; c < p.C; c++) {
    let plane = (n * p.C + c) * p.H;
    for (var kh = 0u; kh < KH; kh++) {
#if REFLECT
      let ih = reflectIndex(ih0 + i32(kh), H);
      let row = (plane + u32(ih)) * p.W;
      for (var j = 0u; j < SEG; j++) {
        seg[j] = x[row + u32(reflectIndex(iw0 + i32(j), W))];
      }
#else
      let ih = ih0 + i32(kh);
      if (ih < 0 || ih >= H) { continue; }
      let row = (plane + u32(ih)) * p.W;
      for (var j = 0u; j < SEG; j++) {
        let iw = iw0 + i32(j);
        // clamp keeps the read in bounds; select zeroes the padding
        seg[j] = select(0.0, x[row + u32(clamp(iw, 0, W - 1))], iw >= 0 && iw < W);
      }
#endif
      let wrow = (c * KH + kh) * KW * p.O4 + og;
      for (var kw = 0u; kw < KW; kw++) {
        for (var j = 0u; j < TO4; j++) {
          let wv = wt[wrow + kw * p.O4 + j];
          for (var t = 0u; t < TW; t++) {
            acc[t * TO4 + j] = fma(vec4f(seg[t * S + kw]), wv, acc[t * TO4 + j]);
          }
        }
      }
    }
  }

  let plane = p.outH * p.outW;
  for (var j = 0u; j < TO4; j++) {
    let o0 = (og + j) * 4u;
    for (var e = 0u; e < 4u; e++) {
      let o = o0 + e;
      if (o >= p.O) { break; }
#if BIAS
      let b = bias[o];
#else
      let b = 0.0;
#endif
      let base = ((n * p.O + o) * p.outH + oh) * p.outW;
      for (var t = 0u; t < TW; t++) {
        if (ow0 + t >= p.outW) { break; }
        var v = acc[t * TO4 + j][e] + b;
#if RELU
        v = max(v, 0.0);
#endif
        y[base + ow0 + t] = v;
      }
    }
  }
}
