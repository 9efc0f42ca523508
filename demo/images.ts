/**
 * Content and style sources: the procedural defaults (src/style/default-images.ts, drawn at whatever
 * size is asked, so they stay sharp), or a user image from a file picker, drag-and-drop or paste.
 * Everything is turned into a planar RGB float image at the run size just before a run.
 */
import { defaultContent, defaultStyle } from '../src/style/default-images.js';
import { planarToRGBA, rgbaToPlanar, type PlanarImage } from './protocol.js';

export type Slot = 'content' | 'style';

export type Source =
  | { kind: 'default'; slot: Slot }
  | { kind: 'file'; name: string; bitmap: ImageBitmap };

/** Width and height with the longest side = `size`, keeping the aspect ratio. */
export function fitSize(width: number, height: number, size: number): { width: number; height: number } {
  const s = size / Math.max(width, height);
  return { width: Math.max(1, Math.round(width * s)), height: Math.max(1, Math.round(height * s)) };
}

function aspectOf(source: Source): { width: number; height: number } {
  if (source.kind === 'file') return { width: source.bitmap.width, height: source.bitmap.height };
  return source.slot === 'content' ? { width: 3, height: 2 } : { width: 1, height: 1 };
}

/** The source as a planar image whose longest side is `size`. */
export function renderSource(source: Source, size: number): PlanarImage {
  const aspect = aspectOf(source);
  const { width, height } = fitSize(aspect.width, aspect.height, size);
  if (source.kind === 'default') return source.slot === 'content' ? defaultContent(width, height) : defaultStyle(width, height);
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  g.imageSmoothingQuality = 'high';
  g.drawImage(source.bitmap, 0, 0, width, height);
  return rgbaToPlanar(g.getImageData(0, 0, width, height).data, width, height);
}

/** Draw RGBA8 pixels onto a canvas, resizing the canvas to the image. */
export function putPixels(canvas: HTMLCanvasElement, pixels: Uint8ClampedArray, width: number, height: number): void {
  if (canvas.width !== width || canvas.height !== height) {
    canvas.width = width;
    canvas.height = height;
  }
  canvas.getContext('2d')!.putImageData(new ImageData(new Uint8ClampedArray(pixels), width, height), 0, 0);
}

/** A thumbnail of the source on a canvas (longest side 160 px). */
export function drawThumbnail(canvas: HTMLCanvasElement, source: Source): void {
  const image = renderSource(source, 160);
  putPixels(canvas, planarToRGBA(image), image.width, image.height);
}

export async function decodeImage(blob: Blob, name: string): Promise<Source> {
  if (!blob.type.startsWith('image/')) throw new Error(`${name}: not an image (${blob.type || 'unknown type'})`);
  try {
    return { kind: 'file', name, bitmap: await createImageBitmap(blob) };
  } catch {
    throw new Error(`${name}: the browser could not decode this image`);
  }
}

/** The first image file in a drop or paste, if any. */
export function imageFromTransfer(data: DataTransfer | null): File | null {
  if (!data) return null;
  for (const file of Array.from(data.files)) if (file.type.startsWith('image/')) return file;
  for (const item of Array.from(data.items ?? [])) {
    if (item.kind === 'file' && item.type.startsWith('image/')) return item.getAsFile();
  }
  return null;
}
