// Bilinear resize of NCHW float32 tensors, align_corners = false with half-pixel centres, as PyTorch's
// F.interpolate(mode='bilinear', align_corners=False) and tf.image.resizeBilinear(halfPixelCenters=true).
// Layout: x [N, C, inH, inW], y [N, C, outH, outW], row-major; each of the N·C planes is resized alone.
// Bindings: 0 uniform {n, rowStride, inH, inW, outH, outW, scaleH = inH/outH, scaleW = inW/outW};
//   FORWARD: 1 x (read), 2 y (read_write); BACKWARD: 1 dy (read), 2 dx (read_write).
// Dispatch: 1-D, 256 threads per workgroup, folded into y past 65535 workgroups (i = gid.y · rowStride + gid.x).
//   FORWARD: one invocation per output element; BACKWARD: one invocation per input element.
//
// Along one axis, output index d samples the source coordinate s = max((d + 0.5)·scale − 0.5, 0) with
// i0 = floor(s), i1 = min(i0 + 1, in − 1), weights (1 − λ, λ), λ = s − i0 (PyTorch clamps s at 0; TF's
// floor/ceil clamping gives the same values). y[d, e] = Σ wy·wx·x over the 2x2 taps.
// Backward as a gather, no atomics: dx[i, j] = Σ_d Σ_e wy(d → i)·wx(e → j)·dy[d, e], where only outputs
// whose i0 is i − 1 or i can touch i, i.e. d in [(i − 0.5)/scale − 0.5, (i + 1.5)/scale − 0.5); the loop
// widens that range by one on each side (float rounding) and recomputes each tap with the forward's
// own `tap` function, so forward and backward agree on every weight.
struct Params { n: u32, rowStride: u32, inH: u32, inW: u32, outH: u32, outW: u32, scaleH: f32, scaleW: f32 }
@group(0) @binding(0) var<uniform> p: Params;

struct Tap { i0: u32, i1: u32, w1: f32 }

fn tap(d: u32, scale: f32, inSize: u32) -> Tap {
  let s = max((f32(d) + 0.5) * scale - 0.5, 0.0);
  let i0 = min(u32(floor(s)), inSize - 1u);
  return Tap(i0, min(i0 + 1u, inSize - 1u), s - f32(i0));
}

#if FORWARD
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let ox = i % p.outW;
  let oy = (i / p.outW) % p.outH;
  let plane = i / (p.outW * p.outH);
  let ty = tap(oy, p.scaleH, p.inH);
  let tx = tap(ox, p.scaleW, p.inW);
  let base = plane * p.inH * p.inW;
  let r0 = base + ty.i0 * p.inW;
  let r1 = base + ty.i1 * p.inW;
  let top = x[r0 + tx.i0] * (1.0 - tx.w1) + x[r0 + tx.i1] * tx.w1;
  let bottom = x[r1 + tx.i0] * (1.0 - tx.w1) + x[r1 + tx.i1] * tx.w1;
  y[i] = top * (1.0 - ty.w1) + bottom * ty.w1;
}
#else
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;

// Weight with which output index d reads input index i along one axis (0 when it does not).
fn weight(d: u32, i: u32, scale: f32, inSize: u32) -> f32 {
  let t = tap(d, scale, inSize);
  return select(0.0, 1.0 - t.w1, t.i0 == i) + select(0.0, t.w1, t.i1 == i);
}

// The output indices [lo, hi] that may read input index i (widened by one each side).
fn outputRange(i: u32, scale: f32, outSize: u32) -> vec2u {
  let lo = i32(floor((f32(i) - 0.5) / scale - 0.5)) - 1;
  let hi = i32(ceil((f32(i) + 1.5) / scale - 0.5)) + 1;
  return vec2u(u32(max(lo, 0)), u32(clamp(hi, 0, i32(outSize) - 1)));
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
  let ix = i % p.inW;
  let iy = (i / p.inW) % p.inH;
  let plane = i / (p.inW * p.inH);
  let ry = outputRange(iy, p.scaleH, p.outH);
  let rx = outputRange(ix, p.scaleW, p.outW);
  let base = plane * p.outH * p.outW;
  var sum = 0.0;
  for (var d = ry.x; d <= ry.y; d++) {
    let wy = weight(d, iy, p.scaleH, p.inH);
    if (wy == 0.0) { continue; }
    var row = 0.0;
    for (var e = rx.x; e <= rx.y; e++) {
      row += weight(e, ix, p.scaleW, p.inW) * dy[base + d * p.outW + e];
    }
    sum += wy * row;
  }
  dx[i] = sum;
}
#endif
