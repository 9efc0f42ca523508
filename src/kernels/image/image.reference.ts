/** Plain-TS clamp and RGBA8 packing, the references for image.wgsl. */
export function clamp(x: ArrayLike<number>, lo: number, hi: number): Float64Array {
  return Float64Array.from(x, (v) => Math.min(Math.max(v, lo), hi));
}

/** Masked gradient: dy where lo <= x <= hi. */
export function clampBackward(x: ArrayLike<number>, dy: ArrayLike<number>, lo: number, hi: number): Float64Array {
  return Float64Array.from(dy, (g, i) => (x[i] >= lo && x[i] <= hi ? g : 0));
}

/** RGB [N,3,H,W] -> u32 per pixel, bytes R,G,B,255 (float32 arithmetic, as on the GPU). */
export function toRGBA8(x: ArrayLike<number>, [n, c, h, w]: readonly number[]): Uint32Array {
  if (c !== 3) throw new Error(`reference toRGBA8: expected 3 channels, got [${[n, c, h, w]}]`);
  const hw = h * w;
  const out = new Uint32Array(n * hw);
  const byte = (v: number) => Math.floor(Math.fround(Math.fround(Math.min(Math.max(v, 0), 1) * 255) + 0.5));
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < hw; p++) {
      const base = b * 3 * hw + p;
      out[b * hw + p] = (byte(x[base]) | (byte(x[base + hw]) << 8) | (byte(x[base + 2 * hw]) << 16) | (255 << 24)) >>> 0;
    }
  }
  return out;
}
