/**
 * Image files in and out (Node only, with `sharp`). Images inside swagpu are float32 RGB in [0, 1],
 * planar (NCHW with N = 1): data[c·H·W + y·W + x].
 *
 * Decoding is defensive: the pixel count is checked from the header before decoding (decompression
 * bombs are refused), EXIF orientation is applied, grey/alpha/16-bit/CMYK inputs become 8-bit sRGB
 * RGB, and every failure names the file and the problem.
 */
import sharp, { type Metadata, type OutputInfo } from 'sharp';
import { access, constants, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

export interface RgbImage {
  /** Planar RGB, values in [0, 1], length 3·height·width. */
  data: Float32Array;
  width: number;
  height: number;
}

/** Largest input accepted (pixels), checked from the header before decoding: 100 megapixels. */
export const MAX_INPUT_PIXELS = 100_000_000;

export type Resize =
  | { kind: 'none' }
  /** Exactly width × height (the classifier's plain 224×224 resize; aspect ratio not kept). */
  | { kind: 'exact'; width: number; height: number }
  /** Longest side = size, aspect ratio kept. */
  | { kind: 'long-side'; size: number };

/** An image file that cannot be used; the message starts with the file name. */
export class ImageError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ImageError';
  }
}

/** Raises an error naming the file; keeps sharp's own text, which says what is wrong. */
function fileError(path: string, problem: string): ImageError {
  return new ImageError(path, problem);
}

/** Decode an image file to planar RGB floats in [0, 1], optionally resized (bilinear-like, by sharp). */
export async function loadImage(path: string, resize: Resize = { kind: 'none' }): Promise<RgbImage> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw fileError(path, 'not a regular file');
  } catch (error) {
    if (error instanceof ImageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw fileError(path, code === 'ENOENT' ? 'file not found' : `cannot read it (${code ?? (error as Error).message})`);
  }
  let meta: Metadata;
  try {
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch (error) {
    throw fileError(path, `not a readable image (${(error as Error).message})`);
  }
  if (!meta.width || !meta.height) throw fileError(path, 'image has no width/height in its header');
  if (meta.width * meta.height > MAX_INPUT_PIXELS) {
    throw fileError(path, `image is ${meta.width}x${meta.height} = ${(meta.width * meta.height / 1e6).toFixed(0)} megapixels, over the ${MAX_INPUT_PIXELS / 1e6} megapixel limit (refused before decoding)`);
  }
  let pipeline = sharp(path, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'truncated' })
    .rotate() // apply EXIF orientation
    .toColourspace('srgb') // CMYK, grey, 16-bit → 8-bit sRGB
    .removeAlpha();
  if (resize.kind === 'exact') {
    pipeline = pipeline.resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' });
  } else if (resize.kind === 'long-side') {
    pipeline = pipeline.resize(resize.size, resize.size, { fit: 'inside', kernel: 'linear' });
  }
  let raw: { data: Buffer; info: OutputInfo };
  try {
    raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw fileError(path, `cannot decode image (${(error as Error).message})`);
  }
  const { width, height, channels } = raw.info;
  return { data: interleavedToPlanar(raw.data, width, height, channels), width, height };
}

/** HWC bytes (≥ 3 channels) → planar RGB floats in [0, 1]. */
export function interleavedToPlanar(bytes: Uint8Array, width: number, height: number, channels: number): Float32Array {
  const plane = width * height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) out[c * plane + i] = bytes[i * channels + (channels >= 3 ? c : 0)] / 255;
  }
  return out;
}

/** Planar RGB floats → interleaved RGB bytes (clamped, rounded). */
export function planarToInterleaved(image: RgbImage): Uint8Array {
  const plane = image.width * image.height;
  const out = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[c * plane + i];
      if (!Number.isFinite(v)) throw new Error(`image has a non-finite value (${v}) at channel ${c}, pixel ${i}: refusing to write it`);
      out[i * 3 + c] = Math.round(Math.min(1, Math.max(0, v)) * 255);
    }
  }
  return out;
}

/**
 * Fail early (before any GPU work) when an output file could not be written: its folder must exist, be a
 * folder, and be writable (EROFS/EACCES), and the path itself must not be a folder.
 */
export async function checkWritable(path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const fail = (why: string) => new Error(`${path}: cannot write here (${why})`);
  try {
    if (!(await stat(folder)).isDirectory()) throw fail(`${folder} is a file, not a folder`);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fail(`folder ${folder} does not exist`);
    if (code === 'ENOTDIR') throw fail(`a part of ${folder} is a file, not a folder`);
    throw error;
  }
  try {
    await access(folder, constants.W_OK);
  } catch (error) {
    throw fail(`folder ${folder} is not writable (${(error as NodeJS.ErrnoException).code})`);
  }
  const target = await stat(path).catch(() => null);
  if (target?.isDirectory()) throw fail('it is a folder');
}

/** Write a planar RGB image as PNG (or JPEG/WebP by extension). */
export async function saveImage(path: string, image: RgbImage): Promise<void> {
  const bytes = planarToInterleaved(image);
  await sharp(bytes, { raw: { width: image.width, height: image.height, channels: 3 } }).toFile(path);
}

/** Resize a planar RGB image (through sharp, 8-bit: used for inputs, never for results). */
export async function resizeImage(image: RgbImage, resize: Resize): Promise<RgbImage> {
  if (resize.kind === 'none') return image;
  const bytes = planarToInterleaved(image);
  let pipeline = sharp(bytes, { raw: { width: image.width, height: image.height, channels: 3 } });
  pipeline = resize.kind === 'exact'
    ? pipeline.resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' })
    : pipeline.resize(resize.size, resize.size, { fit: 'inside', kernel: 'linear' });
  const raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data: interleavedToPlanar(raw.data, raw.info.width, raw.info.height, raw.info.channels), width: raw.info.width, height: raw.info.height };
}
