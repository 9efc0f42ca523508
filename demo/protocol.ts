/**
 * Messages between the page (main.ts) and the engine worker (worker.ts). Images travel as planar RGB
 * float32 (the layout of src/style/stylize.ts); previews come back as RGBA8 pixels, transferred.
 */
import type { StyleRecipe } from '../src/style/stylize.js';
import type { LayerStats } from '../src/index.js';

export type ModelChoice = 'resnet50' | 'vgg19';

/** A planar RGB image in [0, 1], as stylize() takes it. */
export interface PlanarImage { data: Float32Array; width: number; height: number }

/** The recipe as sent: `init` is always a name (images travel separately). */
export type RecipeMessage = Omit<StyleRecipe, 'init'> & { init: 'content' | 'noise' };

export interface RunJob {
  /** Shown above the result canvas ('resnet50', 'resnet50-swag', ...). */
  label: string;
  /** A preset name from src/style/presets.ts; the worker builds the recipe with recipeFromPreset. */
  preset: string;
  overrides: Partial<RecipeMessage>;
  /** Which content image (index into the run's `contents`; absent: `content`). Several contents make a grid. */
  content?: number;
}

export type ToWorker =
  /** `tuning`: the page's ?tuning= (a route family forced on the adapter: 'gpu' runs the hardware-GPU routes anywhere). */
  | { type: 'init'; tuning?: string }
  /** `bytes`: the file's size from weights/index.json, when known; a cached copy of another size is refetched. */
  | { type: 'load'; model: ModelChoice; url: string; bytes?: number; pooling?: 'max' | 'avg' }
  | { type: 'run'; runId: number; model: ModelChoice; content: PlanarImage; style: PlanarImage; jobs: RunJob[]; contents?: PlanarImage[] }
  | { type: 'analyze'; runId: number; content: PlanarImage }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  /** Test hook: destroy the device, to exercise the device-lost path. */
  | { type: 'lose-device' };

export interface AdapterInfo {
  vendor: string; architecture: string; description: string; isCPU: boolean;
  /** The route family the kernels take, and whether the page forced it (?tuning=) or the adapter chose it. */
  tuning: string; tuningForced: boolean;
}

export type FromWorker =
  | { type: 'ready'; adapter: AdapterInfo }
  | { type: 'load-progress'; model: ModelChoice; loaded: number; total: number; cached: boolean }
  | { type: 'loaded'; model: ModelChoice; seconds: number; cached: boolean }
  | { type: 'started'; runId: number; job: number; label: string; width: number; height: number; iterations: number }
  | {
    type: 'progress'; runId: number; job: number; iteration: number; iterations: number; loss: number;
    elapsedSeconds: number; width: number; height: number; pixels: Uint8ClampedArray;
  }
  | { type: 'done'; runId: number; job: number; iterations: number; seconds: number; lossStart: number; lossEnd: number; width: number; height: number; pixels: Uint8ClampedArray; stopped: boolean }
  /** The optimisation is now blocked at a preview point (after Pause). */
  | { type: 'paused'; runId: number; job: number; iteration: number }
  | { type: 'all-done'; runId: number }
  | { type: 'analysis'; runId: number; none: LayerStats[]; softmax: LayerStats[] }
  | { type: 'device-lost'; reason: string; message: string }
  | { type: 'error'; runId?: number; message: string };

/** Planar RGB float [0,1] → RGBA8 rows (for canvases and PNGs). */
export function planarToRGBA(image: PlanarImage): Uint8ClampedArray {
  const { data, width, height } = image;
  const plane = width * height;
  const out = new Uint8ClampedArray(plane * 4);
  // Uint8ClampedArray clamps to 0..255 and rounds to nearest on assignment.
  for (let i = 0; i < plane; i++) {
    out[4 * i] = data[i] * 255;
    out[4 * i + 1] = data[plane + i] * 255;
    out[4 * i + 2] = data[2 * plane + i] * 255;
    out[4 * i + 3] = 255;
  }
  return out;
}

/** RGBA8 rows → planar RGB float [0,1]. */
export function rgbaToPlanar(rgba: Uint8ClampedArray, width: number, height: number): PlanarImage {
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    data[i] = rgba[4 * i] / 255;
    data[plane + i] = rgba[4 * i + 1] / 255;
    data[2 * plane + i] = rgba[4 * i + 2] / 255;
  }
  return { data, width, height };
}
