/**
 * Content and style sources: the built-in gallery (src/style/gallery.ts: photos and public-domain paintings
 * shipped with swagpu, served by Vite as assets), or a user image from a file picker, drag-and-drop or
 * paste. Everything is turned into a planar RGB float image at the run size just before a run.
 */
import { galleryImage, type GalleryImage } from '../src/style/gallery.js';

/** Literal URLs, so that Vite copies each built-in image into the page's assets (keys: GalleryImage.file). */
const ASSET_URLS: Record<string, string> = {
  'content/chelsea.png': new URL('../assets/images/content/chelsea.png', import.meta.url).href,
  'content/coffee.png': new URL('../assets/images/content/coffee.png', import.meta.url).href,
  'content/astronaut.jpg': new URL('../assets/images/content/astronaut.jpg', import.meta.url).href,
  'style/starry_night.jpg': new URL('../assets/images/style/starry_night.jpg', import.meta.url).href,
  'style/great_wave_hokusai.jpg': new URL('../assets/images/style/great_wave_hokusai.jpg', import.meta.url).href,
  'style/shipwreck_turner.jpg': new URL('../assets/images/style/shipwreck_turner.jpg', import.meta.url).href,
  'style/woman_with_hat_matisse.jpg': new URL('../assets/images/style/woman_with_hat_matisse.jpg', import.meta.url).href,
};

/** The served URL of a built-in image. */
export function galleryAssetUrl(image: GalleryImage): string {
  const url = ASSET_URLS[image.file];
  if (!url) throw new Error(`demo/images.ts: no asset URL for ${image.file} (add it to ASSET_URLS)`);
  return url;
}
import { sizeForLongSide, toImageData, toPlanar, type Image } from '../src/style/image.js';

export type Slot = 'content' | 'style';

/** A decoded image: a built-in one (`builtIn` names it) or the user's file. */
export type Source = { kind: 'gallery' | 'file'; name: string; bitmap: ImageBitmap };

const decoded = new Map<string, Promise<Source>>();

/** A built-in image, fetched and decoded once. */
export function gallerySource(name: string): Promise<Source> {
  const entry: GalleryImage | undefined = galleryImage(name);
  if (!entry) return Promise.reject(new Error(`no built-in image '${name}'`));
  let p = decoded.get(name);
  if (!p) {
    p = (async () => {
      const url = galleryAssetUrl(entry);
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
      return { kind: 'gallery' as const, name, bitmap: await createImageBitmap(await response.blob()) };
    })();
    decoded.set(name, p);
    p.catch(() => decoded.delete(name));
  }
  return p;
}

/** The source as a planar image whose longest side is `size`. */
export function renderSource(source: Source, size: number): Image {
  const { width, height } = sizeForLongSide(source.bitmap.width, source.bitmap.height, size);
  const canvas = new OffscreenCanvas(width, height);
  const g = canvas.getContext('2d')!;
  g.imageSmoothingQuality = 'high';
  g.drawImage(source.bitmap, 0, 0, width, height);
  return toPlanar(g.getImageData(0, 0, width, height));
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
  putPixels(canvas, toImageData(image).data, image.width, image.height);
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
