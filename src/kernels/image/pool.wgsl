// 2-D pooling over NCHW float32: max (with argmax), average (count_include_pad = false), global average.
// Every (n, c) plane is pooled on its own, so the launcher may split the N·C planes into chunks whose
// bindings fit; element i of a chunk lives at [skipIn + ...] of the input binding and [skipOut + ...]
// of the output binding (the bindings start at aligned offsets, skip* is the rest).
// Geometry: OH = floor((H + 2·pad − k) / s) + 1 (likewise OW); window (oh, ow) covers input rows
//   oh·s − pad .. oh·s − pad + k − 1; positions in the padding are skipped (for max they act as −∞).
// Bindings: 0 uniform Params; storage buffers per variant (below).
// Dispatch: 1-D, 256 threads per workgroup folded into y past 65535 workgroups, i = gid.y·rowStride + gid.x,
//   except GLOBAL_FORWARD: one 256-thread workgroup per plane.
//   MAX_FORWARD / AVG_FORWARD: one invocation per output element (plane, oh, ow): scans its k×k window.
//     MAX_FORWARD also writes argmax = ih·W + iw (index inside the plane, u32; first maximum wins).
//   MAX_BACKWARD / AVG_BACKWARD: one invocation per input element (plane, ih, iw); it gathers dy from
//     every window that contains it (windows overlap when s < k), so no atomics are needed:
//       max: dx = Σ_{windows o ∋ (ih,iw), argmax[o] = ih·W+iw} dy[o]
//       avg: dx = Σ_{windows o ∋ (ih,iw)} dy[o] / count(o),  count(o) = valid (non-pad) cells of o
//   GLOBAL_FORWARD: y[plane] = mean over the plane's H·W.   GLOBAL_BACKWARD: dx[plane, ·] = dy[plane] / (H·W).
struct Params {
  n: u32, rowStride: u32, h: u32, w: u32,
  oh: u32, ow: u32, k: u32, s: u32,
  pad: u32, skipIn: u32, skipOut: u32,
}
@group(0) @binding(0) var<uniform> p: Params;

#if MAX_FORWARD
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
#elif AVG_FORWARD
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
#elif MAX_BACKWARD
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;
#elif AVG_BACKWARD
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
#elif GLOBAL_FORWARD
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> partial: array<f32, 256>;
#else
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;
#endif

// Number of input cells of window (oh, ow) that are not padding.
fn validCount(oh: u32, ow: u32) -> f32 {
  let h0 = i32(oh * p.s) - i32(p.pad);
  let w0 = i32(ow * p.s) - i32(p.pad);
  let rows = min(h0 + i32(p.k), i32(p.h)) - max(h0, 0);
  let cols = min(w0 + i32(p.k), i32(p.w)) - max(w0, 0);
  return f32(rows * cols);
}

#if GLOBAL_FORWARD
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32) {
  let plane = wid.x;
  let hw = p.h * p.w;
  var acc = 0.0;
  for (var k = t; k < hw; k += 256u) { acc += x[p.skipIn + plane * hw + k]; }
  partial[t] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { partial[t] += partial[t + s]; }
    workgroupBarrier();
  }
  if (t == 0u) { y[p.skipOut + plane] = partial[0] / f32(hw); }
}
#else
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let i = gid.y * p.rowStride + gid.x;
  if (i >= p.n) { return; }
#if MAX_FORWARD
  let ow = i % p.ow;
  let oh = (i / p.ow) % p.oh;
  let plane = i / (p.ow * p.oh);
  let base = p.skipIn + plane * p.h * p.w;
  let h0 = i32(oh * p.s) - i32(p.pad);
  let w0 = i32(ow * p.s) - i32(p.pad);
  var best = 0.0;
  var bestAt = 0xffffffffu;
  for (var dh = 0; dh < i32(p.k); dh++) {
    let ih = h0 + dh;
    if (ih < 0 || ih >= i32(p.h)) { continue; }
    for (var dw = 0; dw < i32(p.k); dw++) {
      let iw = w0 + dw;
      if (iw < 0 || iw >= i32(p.w)) { continue; }
      let at = u32(ih) * p.w + u32(iw);
      let v = x[base + at];
      if (bestAt == 0xffffffffu || v > best) { best = v; bestAt = at; }
    }
  }
  y[p.skipOut + i] = best;
  argmax[p.skipOut + i] = bestAt;
#elif AVG_FORWARD
  let ow = i % p.ow;
  let oh = (i / p.ow) % p.oh;
  let plane = i / (p.ow * p.oh);
  let base = p.skipIn + plane * p.h * p.w;
  let h0 = i32(oh * p.s) - i32(p.pad);
  let w0 = i32(ow * p.s) - i32(p.pad);
  var acc = 0.0;
  for (var ih = max(h0, 0); ih < min(h0 + i32(p.k), i32(p.h)); ih++) {
    for (var iw = max(w0, 0); iw < min(w0 + i32(p.k), i32(p.w)); iw++) {
      acc += x[base + u32(ih) * p.w + u32(iw)];
    }
  }
  y[p.skipOut + i] = acc / validCount(oh, ow);
#elif GLOBAL_BACKWARD
  dx[p.skipIn + i] = dy[p.skipOut + i / (p.h * p.w)] / f32(p.h * p.w);
#else
  // MAX_BACKWARD / AVG_BACKWARD: gather from the windows containing input (ih, iw):
  // oh·s − pad <= ih <= oh·s − pad + k − 1  ⇔  ceil((ih + pad − k + 1) / s) <= oh <= floor((ih + pad) / s).
  let iw = i32(i % p.w);
  let ih = i32((i / p.w) % p.h);
  let plane = i / (p.w * p.h);
  let base = p.skipOut + plane * p.oh * p.ow;
  let s = i32(p.s);
  let ohLo = max(0, (ih + i32(p.pad) - i32(p.k) + s) / s);
  let ohHi = min(i32(p.oh) - 1, (ih + i32(p.pad)) / s);
  let owLo = max(0, (iw + i32(p.pad) - i32(p.k) + s) / s);
  let owHi = min(i32(p.ow) - 1, (iw + i32(p.pad)) / s);
  let me = u32(ih) * p.w + u32(iw);
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi; oh++) {
    for (var ow = owLo; ow <= owHi; ow++) {
      let o = base + u32(oh) * p.ow + u32(ow);
#if MAX_BACKWARD
      if (argmax[o] == me) { acc += dy[o]; }
#else
      acc += dy[o] / validCount(u32(oh), u32(ow));
#endif
    }
  }
  dx[p.skipIn + i] = acc;
#endif
}
#endif
