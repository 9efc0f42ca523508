/**
 * Messages between the page (main.ts) and the engine worker (worker.ts). Images travel as planar RGB
 * float32 (`Image` of src/style/image.ts); previews come back as RGBA8 pixels (its `toImageData`), transferred.
 */
import type { StyleRecipe } from '../src/style/stylize.js';
import type { LayerStats } from '../src/index.js';
import type { Image } from '../src/style/image.js';
import type { ModelName } from '../src/models/model.js';

export type ModelChoice = ModelName;

/** The recipe as sent: `init` is always a name (images travel separately). */
export type RecipeMessage = Omit<StyleRecipe, 'init'> & { init: 'content' | 'noise' };

export interface RunJob {
  /** Shown above the result canvas ('resnet50', 'resnet50-swag', ...). */
  label: string;
  /** A preset name from src/style/presets.ts; the worker hands it with the overrides to the library's stylize (planStylize). */
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
  | { type: 'run'; runId: number; model: ModelChoice; content: Image; style: Image; jobs: RunJob[]; contents?: Image[] }
  | { type: 'analyze'; runId: number; content: Image }
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
