/**
 * Images, browser-safe: the one planar image type, the one RGBA ↔ planar conversion, the one size rule and
 * the CPU resampling. Node (src/node.ts, src/io/image.ts for files), the demo's worker and page, and the
 * style code all use this file; file IO (sharp) stays in src/io/image.ts.
 *
 * Inside swagpu an image is planar RGB float32 in [0, 1]: data[c·H·W + y·W + x] (NCHW with N = 1, the
 * layout of the GPU tensors). Browsers hand out ImageData (interleaved RGBA bytes); both are accepted wherever
 * the API takes an image (`toPlanar`), and results go back to bytes with `toImageData` (canvases) or
 * `planarToInterleaved` (files), both rounding with `toByte`.
 *
 * Resampling is separable: per axis, an area average when shrinking (each output pixel averages the input
 * interval it covers, with fractional end weights: no aliasing, and a 0/1 mask becomes the fraction of each
 * output pixel inside the region) and bilinear interpolation with half-pixel centres (align_corners = false)
 * when enlarging. Used for the small, fixed inputs of a style-transfer problem: content and style images at
 * the coarse scales of a multi-scale run, style scale, region masks at each tap's resolution, and library
 * inputs. The image being optimised is upsampled on the GPU (ops.resize) instead.
 */

/** A planar RGB image, values in [0, 1], length 3·height·width. */
export interface Image {
  data: Float32Array;
  width: number;
  height: number;
}

/** ImageData-like: interleaved RGBA bytes, row-major (what a canvas gives and takes). */
export interface RgbaImage {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

/** An image the browser-safe API accepts: planar RGB floats in [0, 1], or RGBA bytes (ImageData). */
export type ImageInput = Image | RgbaImage;

/** How an input image is brought to the working size. */
export type Resize =
  | { kind: 'none' }
  /** Exactly width × height (the classifier's plain 224×224 resize; aspect ratio not kept). */
  | { kind: 'exact'; width: number; height: number }
  /** Longest side = size, aspect ratio kept. */
  | { kind: 'long-side'; size: number };

/** Width and height with the long side `longSide`, aspect ratio kept (each at least 1). */
export function sizeForLongSide(width: number, height: number, longSide: number): { width: number; height: number } {
  const k = longSide / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

/** The size an image of width × height gets under `resize`. */
export function resizedSize(width: number, height: number, resize: Resize): { width: number; height: number } {
  if (resize.kind === 'exact') return { width: resize.width, height: resize.height };
  if (resize.kind === 'long-side') return sizeForLongSide(width, height, resize.size);
  return { width, height };
}

/**
 * A value in [0, 1] as a byte: clamped, then rounded to the nearest (halves up), so that v = k/255 gives k
 * back. Canvases and files get the same bytes. (A Uint8ClampedArray would round halves to even on its own;
 * adding 0.5 before storing into one, as a copy did, rounded 10.3 up to 11.)
 */
export function toByte(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** Interleaved bytes, `channels` per pixel (grey: 1 or 2, RGB: 3, RGBA: 4; alpha dropped) → planar RGB in [0, 1]. */
export function interleavedToPlanar(bytes: ArrayLike<number>, width: number, height: number, channels: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = bytes[i * channels + (channels >= 3 ? c : 0)] / 255;
  }
  return out;
}

/** Planar RGB floats → ImageData-like RGBA bytes (toByte; alpha 255). A non-finite value becomes 0. */
export function toImageData(image: Image): { data: Uint8ClampedArray; width: number; height: number } {
  const { data, width, height } = image;
  const plane = width * height;
  const out = new Uint8ClampedArray(4 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[4 * i + c] = toByte(data[c * plane + i]);
    out[4 * i + 3] = 255;
  }
  return { data: out, width, height };
}

function isImageLike(v: unknown): v is { data: ArrayLike<number>; width: number; height: number } {
  const o = v as { data?: unknown; width?: unknown; height?: unknown } | null;
  return !!o && typeof o === 'object' && ArrayBuffer.isView(o.data) && Number.isInteger(o.width) && Number.isInteger(o.height);
}

/**
 * Planar RGB floats from a planar image (checked, not copied) or RGBA bytes (converted).
 * @param what names the input in errors, e.g. 'content'.
 */
export function toPlanar(input: ImageInput, what = 'image'): Image {
  if (!isImageLike(input)) throw new Error(`${what}: expected {data, width, height} (planar RGB Float32Array or RGBA bytes), got ${typeof input === 'object' ? JSON.stringify(Object.keys(input ?? {})) : typeof input}`);
  const { data, width, height } = input;
  if (!(width >= 1 && height >= 1)) throw new Error(`${what}: size ${width}x${height} must be at least 1x1`);
  const plane = width * height;
  if (data instanceof Float32Array) {
    if (data.length !== 3 * plane) throw new Error(`${what}: a planar RGB Float32Array of ${width}x${height} needs ${3 * plane} values, got ${data.length}`);
    return input as Image;
  }
  if (data.length !== 4 * plane) throw new Error(`${what}: RGBA bytes of ${width}x${height} need ${4 * plane} values, got ${data.length}`);
  return { data: interleavedToPlanar(data, width, height, 4), width, height };
}

/** An input image as planar floats at the size `resize` asks for (CPU resampling). */
export function readImageInput(input: ImageInput, resize: Resize, what = 'image'): Image {
  const image = toPlanar(input, what);
  const size = resizedSize(image.width, image.height, resize);
  return size.width === image.width && size.height === image.height ? image : resampleImage(image, size.width, size.height);
}

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
