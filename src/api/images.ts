/**
 * Images at the library's boundary. Inside swagpu an image is planar RGB float32 in [0, 1]
 * (data[c·H·W + y·W + x], `Image`); browsers hand out ImageData (interleaved RGBA bytes). Both are
 * accepted wherever the API takes an image, and results come back planar, with `toImageData` to draw
 * them. Resizing here is on the CPU (area average down, bilinear up: style/resample.ts). Browser-safe.
 */
import type { Image } from '../style/objective.js';
import { resampleImage, sizeForLongSide } from '../style/resample.js';

export type { Image } from '../style/objective.js';

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
  /** Exactly width × height (aspect ratio not kept). */
  | { kind: 'exact'; width: number; height: number }
  /** Longest side = size, aspect ratio kept. */
  | { kind: 'long-side'; size: number };

/** The size an image of width × height gets under `resize`. */
export function resizedSize(width: number, height: number, resize: Resize): { width: number; height: number } {
  if (resize.kind === 'exact') return { width: resize.width, height: resize.height };
  if (resize.kind === 'long-side') return sizeForLongSide(width, height, resize.size);
  return { width, height };
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
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    out[i] = data[4 * i] / 255;
    out[plane + i] = data[4 * i + 1] / 255;
    out[2 * plane + i] = data[4 * i + 2] / 255;
  }
  return { data: out, width, height };
}

/** Planar RGB floats → ImageData-like RGBA bytes (clamped, rounded, alpha 255). */
export function toImageData(image: Image): { data: Uint8ClampedArray; width: number; height: number } {
  const { data, width, height } = image;
  const plane = width * height;
  const out = new Uint8ClampedArray(4 * plane);
  for (let i = 0; i < plane; i++) {
    out[4 * i] = data[i] * 255 + 0.5;
    out[4 * i + 1] = data[plane + i] * 255 + 0.5;
    out[4 * i + 2] = data[2 * plane + i] * 255 + 0.5;
    out[4 * i + 3] = 255;
  }
  return { data: out, width, height };
}

/** An input image as planar floats at the size `resize` asks for (CPU resampling). */
export function readImageInput(input: ImageInput, resize: Resize, what = 'image'): Image {
  const image = toPlanar(input, what);
  const size = resizedSize(image.width, image.height, resize);
  return size.width === image.width && size.height === image.height ? image : resampleImage(image, size.width, size.height);
}
