/**
 * CPU resampling of planar float images (C planes of H×W), separable: per axis, an area average when
 * shrinking (each output pixel averages the input interval it covers, with fractional end weights:
 * no aliasing, and a 0/1 mask becomes the fraction of each output pixel inside the region) and
 * bilinear interpolation with half-pixel centres (align_corners = false) when enlarging.
 *
 * Used for the small, fixed inputs of a style-transfer problem: content and style images at the coarse
 * scales of a multi-scale run, style scale, and region masks at each tap's resolution. The image being
 * optimised is upsampled on the GPU (ops.resize) instead.
 */
import type { Image } from './objective.js';

/** Sparse weights of one axis: output o reads inputs first[o] .. first[o] + w[o].length − 1 (each w[o] sums to 1). */
function axisWeights(inN: number, outN: number): { first: number[]; w: number[][] } {
  const first: number[] = [];
  const w: number[][] = [];
  const r = inN / outN;
  for (let o = 0; o < outN; o++) {
    if (outN <= inN) {
      // Area: input interval [o·r, (o+1)·r), each input pixel weighted by its overlap.
      const lo = o * r;
      const hi = (o + 1) * r;
      const i0 = Math.floor(lo);
      first.push(i0);
      const row: number[] = [];
      for (let i = i0; i < Math.min(inN, Math.ceil(hi)); i++) row.push((Math.min(hi, i + 1) - Math.max(lo, i)) / r);
      w.push(row);
    } else {
      // Bilinear: sample at (o + 0.5)·r − 0.5, clamped to the edge pixels.
      const s = Math.min(Math.max((o + 0.5) * r - 0.5, 0), inN - 1);
      const i0 = Math.min(Math.floor(s), inN - 2 < 0 ? 0 : inN - 2);
      first.push(i0);
      w.push(inN === 1 ? [1] : [1 - (s - i0), s - i0]);
    }
  }
  return { first, w };
}

/** C planes [C, H, W] → [C, outH, outW]. */
export function resamplePlanes(data: ArrayLike<number>, channels: number, height: number, width: number, outH: number, outW: number): Float32Array {
  if (![outH, outW].every((d) => Number.isInteger(d) && d >= 1)) throw new Error(`resample: output size ${outW}x${outH} must be positive integers (input ${width}x${height})`);
  if (data.length !== channels * height * width) throw new Error(`resample: ${data.length} values do not fill ${channels}x${height}x${width}`);
  const ay = axisWeights(height, outH);
  const ax = axisWeights(width, outW);
  const out = new Float32Array(channels * outH * outW);
  const rows = new Float64Array(outH * width);
  for (let c = 0; c < channels; c++) {
    const plane = c * height * width;
    rows.fill(0);
    for (let o = 0; o < outH; o++) {
      ay.w[o].forEach((k, j) => {
        const src = plane + (ay.first[o] + j) * width;
        for (let x = 0; x < width; x++) rows[o * width + x] += k * data[src + x];
      });
    }
    for (let o = 0; o < outH; o++) {
      for (let ox = 0; ox < outW; ox++) {
        let s = 0;
        ax.w[ox].forEach((k, j) => { s += k * rows[o * width + ax.first[ox] + j]; });
        out[(c * outH + o) * outW + ox] = s;
      }
    }
  }
  return out;
}

/** An RGB image resampled to width × height (a copy when the size is unchanged). */
export function resampleImage(image: Image, width: number, height: number): Image {
  if (width === image.width && height === image.height) return { ...image, data: image.data.slice() };
  return { data: resamplePlanes(image.data, 3, image.height, image.width, height, width), width, height };
}

/** Width and height with the long side `longSide`, aspect ratio kept (each at least 1). */
export function sizeForLongSide(width: number, height: number, longSide: number): { width: number; height: number } {
  const k = longSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}
