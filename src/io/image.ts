/**
 * Image files in and out (Node only, with `sharp`). Images inside swagpu are planar float32 RGB in [0, 1]
 * (`Image` of src/style/image.ts, which also holds the byte conversions used here).
 *
 * Decoding is defensive: the pixel count is checked from the header before decoding (decompression
 * bombs are refused), EXIF orientation is applied, grey/alpha/16-bit/CMYK inputs become 8-bit sRGB
 * RGB, and every failure names the file and the problem.
 */
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { access, constants, open, realpath, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { interleavedToPlanar, toByte, type Image, type Resize } from '../style/image.js';

/** Largest input accepted (pixels), checked from the header before decoding: 100 megapixels. */
export const MAX_INPUT_PIXELS = 100_000_000;

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
export async function loadImage(path: string, resize: Resize = { kind: 'none' }): Promise<Image> {
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

/** Planar RGB floats → interleaved RGB bytes (toByte: clamped, rounded); a non-finite value is refused. */
export function planarToInterleaved(image: Image): Uint8Array {
  const plane = image.width * image.height;
  const out = new Uint8Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      const v = image.data[c * plane + i];
      if (!Number.isFinite(v)) throw new Error(`image has a non-finite value (${v}) at channel ${c}, pixel ${i}: refusing to write it`);
      out[i * 3 + c] = toByte(v);
    }
  }
  return out;
}

/**
 * Output formats, by file extension. Every one keeps the pixels exactly except JPEG, which the user asks
 * for by name (quality 95). Refused: HEIC (sharp's libvips has no HEVC encoder; it would write AVIF
 * under that name), GIF (256 colours), and anything without an extension.
 */
export const OUTPUT_FORMATS = {
  '.png': (p: Sharp) => p.png(),
  '.jpg': (p: Sharp) => p.jpeg({ quality: 95 }),
  '.jpeg': (p: Sharp) => p.jpeg({ quality: 95 }),
  '.webp': (p: Sharp) => p.webp({ lossless: true }),
  '.tif': (p: Sharp) => p.tiff({ compression: 'deflate' }),
  '.tiff': (p: Sharp) => p.tiff({ compression: 'deflate' }),
} as const satisfies Record<string, (p: Sharp) => Sharp>;
type OutputExtension = keyof typeof OUTPUT_FORMATS;

/** The output format of `path` from its extension; an error naming the supported ones otherwise. */
export function outputFormat(path: string): OutputExtension {
  const supported = `supported: ${Object.keys(OUTPUT_FORMATS).join(', ')}`;
  if (path.trim() === '') throw new Error(`output path is empty (give a file name ending in one of: ${Object.keys(OUTPUT_FORMATS).join(', ')})`);
  const ext = extname(path).toLowerCase();
  if (ext === '') throw new Error(`${path}: no file extension, so no image format (${supported})`);
  if (!(ext in OUTPUT_FORMATS)) {
    const why = ext === '.heic' || ext === '.heif' ? ' (HEIC needs an HEVC encoder this build of sharp lacks)' : ext === '.gif' ? ' (GIF keeps 256 colours)' : '';
    throw new Error(`${path}: cannot write ${ext} images${why} (${supported})`);
  }
  return ext as OutputExtension;
}

/**
 * Fail early (before any GPU work) when an output image could not be written: its format must be known
 * (outputFormat) and checkWritablePath must pass.
 */
export async function checkWritable(path: string): Promise<void> {
  outputFormat(path);
  await checkWritablePath(path);
}

/**
 * Fail early when a file could not be written at `path`: its folder must exist, be a folder, and be
 * writable (EROFS/EACCES), and the path itself must not be a folder.
 */
export async function checkWritablePath(path: string): Promise<void> {
  if (path.trim() === '') throw new Error('output path is empty');
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

/**
 * Refuse an output that is one of the inputs: the same path, a symlink to it, or a hard link (same
 * device and inode). An output that does not exist yet cannot be an input.
 */
export async function checkNotAnInput(out: string, inputs: ReadonlyArray<{ what: string; path: string }>): Promise<void> {
  const target = await stat(out).catch(() => null);
  if (!target) return;
  for (const input of inputs) {
    const source = await stat(input.path).catch(() => null);
    if (source && source.dev === target.dev && source.ino === target.ino) {
      const real = await realpath(out).catch(() => out);
      throw new Error(`${out}: this output is the ${input.what} image${real !== resolve(out) ? ` (${real})` : ''}; writing it would destroy the input: choose another --out`);
    }
  }
}

/**
 * Writes `bytes` to `path` without ever leaving a half-written file there: they go to a temporary file
 * in the same folder (same file system, so the rename is atomic), flushed to disk, then renamed over
 * `path`. On any failure (a full disk) the temporary file is removed and `path` keeps its old content.
 * A symlink at `path` is followed: the file it points to is replaced, as a plain write would.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const target = await realpath(path).catch(() => resolve(path));
  const temporary = join(dirname(target), `.${basename(target)}.${process.pid}-${Math.random().toString(36).slice(2, 10)}.tmp`);
  const previous = await stat(target).catch(() => null);
  let handle;
  try {
    handle = await open(temporary, 'wx', previous ? previous.mode & 0o777 : 0o666);
    await handle.writeFile(bytes);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await rename(temporary, target);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await rm(temporary, { force: true }).catch(() => undefined);
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EDQUOT' ? 'the disk quota is exceeded' : (error as Error).message;
    throw new Error(`${path}: could not write the image (${why}); ${await stat(path).then(() => 'the previous file there is unchanged', () => 'nothing was written')}`);
  }
}

/** Encodes a planar RGB image in the format of `path`'s extension. */
export async function encodeImageFile(path: string, image: Image): Promise<Buffer> {
  const encode = OUTPUT_FORMATS[outputFormat(path)];
  return encode(sharp(planarToInterleaved(image), { raw: { width: image.width, height: image.height, channels: 3 } })).toBuffer();
}

/**
 * Write a planar RGB image as PNG (or JPEG, lossless WebP, lossless TIFF, by extension), atomically
 * (writeFileAtomic): a failed write leaves the previous file as it was.
 */
export async function saveImage(path: string, image: Image): Promise<void> {
  await writeFileAtomic(path, await encodeImageFile(path, image));
}

/** Resize a planar RGB image (through sharp, 8-bit: used for inputs, never for results). */
export async function resizeImage(image: Image, resize: Resize): Promise<Image> {
  if (resize.kind === 'none') return image;
  const bytes = planarToInterleaved(image);
  let pipeline = sharp(bytes, { raw: { width: image.width, height: image.height, channels: 3 } });
  pipeline = resize.kind === 'exact'
    ? pipeline.resize(resize.width, resize.height, { fit: 'fill', kernel: 'linear' })
    : pipeline.resize(resize.size, resize.size, { fit: 'inside', kernel: 'linear' });
  const raw = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return { data: interleavedToPlanar(raw.data, raw.info.width, raw.info.height, raw.info.channels), width: raw.info.width, height: raw.info.height };
}
