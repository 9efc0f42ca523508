/**
 * swagpu in Node: the same API as src/index.ts, where an image may also be a file path (decoded and
 * resized with sharp, EXIF orientation applied) and weights default to the user cache (models/weights-home.ts)
 * ($SWAGPU_WEIGHTS_DIR), ResNet-50 being fetched there on first use. Adds saveImage/encodeImage.
 *
 *   import { stylize, saveImage } from 'swagpu';
 *   const result = await stylize({ content: 'cat.jpg', style: 'starry.jpg', size: 256, iterations: 100 });
 *   await saveImage('out.png', result.image);
 */
import sharp from 'sharp';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { projectRoot } from './models/weights-home.js';
import { galleryUrl } from './style/gallery.js';
import { createEngineWith, defaultEngine, type Engine, type EngineOptions, type Platform } from './api/engine.js';
import { readImageInput, type Image, type ImageInput } from './style/image.js';
import type { AnalysisResult, AnalyzeOptions, ClassifyOptions, Prediction, StylizeOptions, StylizeOutput } from './api/options.js';
import { loadImage, planarToInterleaved } from './io/image.js';
import { readWeightsFile, weightsFile } from './models/load.js';
import { loadWeights } from './models/weights.js';
import { readGalleryImage as browserReadGalleryImage, readWeightsSource } from './index.js';

export * from './index.js';
export { saveImage, checkWritable, MAX_INPUT_PIXELS } from './io/image.js';

/** An image in Node: planar RGB floats, RGBA bytes, or a file path (PNG, JPEG, WebP, ...). */
export type NodeImageInput = ImageInput | string;

/** The Node platform: file paths through sharp, weights from files (default: the user cache, fetched on first use). */
export const nodePlatform: Platform<NodeImageInput> = {
  async readImage(input, resize) {
    return typeof input === 'string' ? loadImage(input, resize) : readImageInput(input, resize);
  },
  async readGalleryImage(image, resize, what, base) {
    // The package's own assets/images (found from the package root, so the bundled CLI in dist/cli/chunks/ finds
    // it too), or an imagesBase given as a folder path or URL.
    const folder = base ?? join(projectRoot(), 'assets', 'images');
    const url = galleryUrl(image, typeof folder === 'string' && !/^[a-z]+:/i.test(folder) ? pathToFileURL(folder.endsWith('/') ? folder : `${folder}/`) : folder);
    if (url.protocol === 'file:') return loadImage(fileURLToPath(url), resize);
    return browserReadGalleryImage(image, resize, what, url);
  },
  readsPaths: true,
  async readWeights(model, source, log) {
    if (source === undefined) return readWeightsFile(await weightsFile(model, { log }), model, true);
    if (typeof source === 'string' && !/^https?:\/\//.test(source)) return loadWeights(source);
    if (source instanceof URL && source.protocol === 'file:') return loadWeights(fileURLToPath(source));
    return readWeightsSource(model, source);
  },
};

/** Opens a WebGPU device (Dawn: a GPU, else llvmpipe, else SwiftShader) and returns an engine on it. */
export function createEngine(options: EngineOptions = {}): Promise<Engine<NodeImageInput>> {
  return createEngineWith(nodePlatform, options);
}

const shared = defaultEngine(() => createEngine({ log: (line) => console.error(line) }));

/** Style transfer on a shared default engine (created on first use). */
export async function stylize(options: StylizeOptions<NodeImageInput> = {}): Promise<StylizeOutput> {
  return (await shared()).stylize(options);
}

/** ImageNet top-k on the shared default engine. */
export async function classify(image: NodeImageInput, options?: ClassifyOptions): Promise<Prediction[]> {
  return (await shared()).classify(image, options);
}

/** The peakiness analysis on the shared default engine. */
export async function analyze(image: NodeImageInput, options?: AnalyzeOptions): Promise<AnalysisResult> {
  return (await shared()).analyze(image, options);
}

/** Encodes a planar image as PNG (or 'jpeg'/'webp') bytes. */
export async function encodeImage(image: Image, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Uint8Array> {
  const raw = sharp(planarToInterleaved(image), { raw: { width: image.width, height: image.height, channels: 3 } });
  return new Uint8Array(await raw.toFormat(format).toBuffer());
}
