/// <reference types="@webgpu/types" />
/**
 * swagpu, the library (browser-safe entry; Node gets src/node.ts, which adds file paths and the
 * auto-fetched ResNet-50 weights):
 *
 *   import { createEngine, stylize, classify, analyze } from 'swagpu';
 *   const engine = await createEngine({ weights: { resnet50: '/weights/resnet50-keras.safetensors' } });
 *   const { image } = await engine.stylize({ content, style, size: 256, iterations: 100, onProgress });
 *
 * Images are `{ data, width, height }`: planar RGB Float32Array in [0, 1], or RGBA bytes (ImageData).
 * Weights are URLs (fetched), bytes, or a function returning bytes.
 */
import { createEngineWith, defaultEngine, type Engine, type EngineOptions, type Platform, type WeightsSource } from './api/engine.js';
import { readImageInput, type Image, type ImageInput, type Resize } from './style/image.js';
import { galleryUrl, type GalleryImage } from './style/gallery.js';
import type { AnalysisResult, AnalyzeOptions, ClassifyOptions, Prediction, StylizeOptions, StylizeOutput } from './api/options.js';
import { loadWeightsFromBytes, type LoadedWeights } from './models/weights.js';
import type { ModelName } from './models/model.js';

export { Engine, type EngineOptions, type Platform, type WeightsSource } from './api/engine.js';
export { toImageData, toPlanar, sizeForLongSide, type Image, type ImageInput, type RgbaImage, type Resize } from './style/image.js';
export {
  CPU_DEFAULTS, MAX_SIZE, planStylize, STYLIZE_OPTIONS, ANALYZE_OPTIONS, CLASSIFY_OPTIONS, checkOptions,
  type OptionSpec, type AnalysisResult, type AnalyzeOptions, type ClassifyOptions, type LayerStats, type Prediction, type StyleInput,
  type StylizeOptions, type StylizeOutput, type StylizeProgress, type StylizePlan,
} from './api/options.js';
export { DeviceLostError, NonFiniteLossError, type Progress, type StylizeResult, type LayerLoss, type ScaleInfo, type ScaleResult } from './style/stylize.js';
export type { BatchItem, BatchOptions, NamedInput } from './api/batch.js';
export { PRESETS, getPreset, type Preset } from './style/presets.js';
export { OPTIMIZER_NAMES, type OptimizerName } from './style/optimize.js';
export { SMOOTHING_MODES, type SmoothingMode } from './engine/ops.js';
export { MODEL_NAMES, type ModelName } from './models/model.js';
export { GALLERY, DEFAULT_CONTENT, DEFAULT_STYLE, galleryImage, galleryNames, galleryUrl, type GalleryImage } from './style/gallery.js';
export { edgeCorrelation, colorDistance, colorTransfer } from './style/metrics.js';
export { analysisSvg } from './style/plot.js';
export { analysisTable, predictionsTable } from './api/format.js';
export { loadWeightsFromBytes } from './models/weights.js';
export type { AdapterChoice, AdapterReport } from './gpu/device.js';

/** Reads weights given as bytes, a function returning bytes, or a URL (fetched). */
export async function readWeightsSource(model: ModelName, source: WeightsSource | undefined): Promise<LoadedWeights> {
  if (source === undefined) {
    throw new Error(`no weights for ${model}: pass createEngine({ weights: { ${model}: URL or bytes } }) ` +
      '(`npx swagpu weights fetch resnet50` writes resnet50-keras.safetensors to serve into the folder `npx swagpu weights path` prints)');
  }
  const name = typeof source === 'function' ? `${model} weights` : String(source instanceof Uint8Array || source instanceof ArrayBuffer ? `${model} weights` : source);
  if (typeof source === 'function') source = await source();
  if (typeof source === 'string' || source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`${name}: HTTP ${response.status} ${response.statusText}`);
    source = await response.arrayBuffer();
  }
  return loadWeightsFromBytes(source instanceof Uint8Array ? source : new Uint8Array(source), name);
}

/** The browser platform: images are planar floats or RGBA bytes, resized on the CPU; weights from URLs or bytes. */
export const browserPlatform: Platform<ImageInput> = {
  readImage: async (input, resize, what) => readImageInput(input, resize, what),
  readGalleryImage: (image, resize, what, base) => readGalleryImage(image, resize, what, base),
  readsPaths: false,
  readWeights: (model, source) => readWeightsSource(model, source),
};

/** A built-in image (style/gallery.ts) fetched from its URL and decoded by the browser (window or worker). */
export async function readGalleryImage(image: GalleryImage, resize: Resize, what: string, base?: string | URL): Promise<Image> {
  const url = galleryUrl(image, base);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${what}: ${url.href}: HTTP ${response.status} ${response.statusText}`);
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') throw new Error(`${what}: cannot decode ${url.href} here (no createImageBitmap/OffscreenCanvas)`);
  const bitmap = await createImageBitmap(await response.blob());
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const g = canvas.getContext('2d')!;
  g.drawImage(bitmap, 0, 0);
  const rgba = g.getImageData(0, 0, bitmap.width, bitmap.height);
  bitmap.close();
  return readImageInput({ data: rgba.data, width: rgba.width, height: rgba.height }, resize, what);
}

/** Opens a WebGPU device and returns an engine on it. */
export function createEngine(options: EngineOptions = {}): Promise<Engine<ImageInput>> {
  return createEngineWith(browserPlatform, options);
}

const shared = defaultEngine(() => createEngine());

/** Style transfer on a shared default engine (weights must be given in the options' engine: use createEngine in browsers). */
export async function stylize(options: StylizeOptions<ImageInput> = {}): Promise<StylizeOutput> {
  return (await shared()).stylize(options);
}

/** ImageNet top-k on the shared default engine. */
export async function classify(image: ImageInput, options?: ClassifyOptions): Promise<Prediction[]> {
  return (await shared()).classify(image, options);
}

/** The peakiness analysis on the shared default engine. */
export async function analyze(image: ImageInput, options?: AnalyzeOptions): Promise<AnalysisResult> {
  return (await shared()).analyze(image, options);
}
