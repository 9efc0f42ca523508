/**
 * The options of the library calls, as typed objects (the CLI's flags map onto them one to one), and
 * how stylize options become a recipe: preset → overrides → sizes. This is the only place those rules
 * live; the CLI and the demo call it through the Engine. Browser-safe.
 */
import type { AdapterReport } from '../gpu/device.js';
import type { ModelName } from '../models/model.js';
import type { Prediction } from '../models/classify.js';
import type { LayerStats } from '../style/analysis.js';
import { DEFAULT_PRESET, getPreset, type OptimizerName, type Preset, type SmoothingMode } from '../style/presets.js';
import { recipeFromPreset, type Progress, type StyleControls, type StyleRecipe, type StylizeResult } from '../style/stylize.js';
import type { Image, RgbaImage, Resize } from './images.js';

export type { Prediction } from '../models/classify.js';
export type { LayerStats } from '../style/analysis.js';

/**
 * Sizes and counts that finish in a few minutes on a CPU (software) adapter: `npx swagpu stylize` with no flags
 * on the 2-core reference machine (llvmpipe) writes 256 px in under 3 minutes (measured, docs/ANALYSIS.md). Coarse
 * to fine over `scales` sizes (stylize.ts) unless the options choose scales or minSize themselves.
 */
export const CPU_DEFAULTS = { size: 256, iterations: 45, scales: 3 } as const;
/** Largest output long side accepted. */
export const MAX_SIZE = 8192;
/** Seeds are the noise generator's 32-bit state (stylize.ts noiseImage). */
export const MAX_SEED = 0xffffffff;

/** A style image with its blend weight (weights are normalised to sum 1). */
export interface StyleInput<I> { image: I; weight?: number }

/**
 * Options of `stylize`. Every field is optional: the defaults are the preset's (`swag`: SWAG on ResNet-50 with
 * normalised losses), on the built-in pair chelsea × starry-night (style/gallery.ts). `I` is the image type:
 * planar RGB floats or RGBA bytes everywhere, and also a file path in Node; a string naming a built-in image
 * works everywhere.
 */
export interface StylizeOptions<I> extends Omit<StyleControls, 'mask'> {
  /**
   * Content image, or a built-in photo's name (style/gallery.ts: 'chelsea', 'coffee', 'astronaut'); fixes the
   * output's aspect ratio. Default: 'chelsea'.
   */
  content?: I | string;
  /**
   * One style image, or several blended (`[{ image, weight }]`); each may be a built-in painting's name
   * ('starry-night', 'great-wave', 'shipwreck', 'woman-with-hat'). Default: 'starry-night'.
   */
  style?: I | string | ReadonlyArray<StyleInput<I | string>>;
  /** Region mask: region r (k-th darkest colour) takes style r; needs one style per region. */
  mask?: I;
  /**
   * 'swag' (default: ResNet-50, SWAG smoothing, normalised losses; content 1 / style 1 = balanced),
   * 'resnet50-swag' (the paper's literal recipe), 'resnet50' (its baseline, no smoothing), 'vgg19' (Gatys).
   */
  preset?: string;
  /** Normalised losses (losses.ts): each term over its target's mean square. Default: the preset's. */
  normalize?: boolean;
  /** Must match the preset's model (its layers are that model's). */
  model?: ModelName;
  smoothing?: SmoothingMode;
  temperature?: number;
  /**
   * Output long side in pixels (default: the preset's; 192 on CPU adapters), or 'keep' to use the
   * content image at its own size (and the style at its own).
   */
  size?: number | 'keep';
  /** Force size × size, as the paper does (the default for the paper's preset on a GPU). */
  square?: boolean;
  /** Iterations (default: the preset's; CPU_DEFAULTS on CPU adapters when size is not given either). */
  iterations?: number;
  optimizer?: OptimizerName;
  learningRate?: number;
  lbfgsHistory?: number;
  contentWeight?: number;
  styleWeight?: number;
  tvWeight?: number;
  contentLayers?: string[];
  styleLayers?: string[];
  styleLayerWeights?: number[];
  smoothLayers?: string[] | 'all';
  /** Start from the content (default), seeded noise, or an image (resized to the output). */
  init?: 'content' | 'noise' | I;
  seed?: number;
  /** Read the loss back and call onProgress every this many iterations (default 10). */
  reportEvery?: number;
  /** VGG-19 pooling (default: the preset's). */
  pooling?: 'max' | 'avg';
  /** Called at each report; the run waits for a returned promise (a UI can pause here). */
  onProgress?: (progress: StylizeProgress) => void | Promise<void>;
  /** Attach an RGBA `preview` of the current image to each progress report. */
  preview?: boolean;
  /** Stop early: the call resolves with the current image and `aborted: true`. */
  signal?: AbortSignal;
  /**
   * GPU memory budget in MiB (pooled buffers, weights included). Over it by the estimate of
   * models/memory.ts, activations are recomputed in the backward pass from checkpoints (same loss, one
   * more forward pass per evaluation); over it even then, the call fails naming the largest size that
   * fits. Default: unlimited (WebGPU does not tell how much memory a device has), no recomputation.
   */
  maxMemory?: number;
}

export interface StylizeProgress extends Progress {
  /** The current image as RGBA bytes (ImageData-like), when `preview: true`. */
  preview?: { data: Uint8ClampedArray; width: number; height: number };
  /** Reads the current image back, planar and clamped to [0, 1]. */
  snapshot(): Promise<Image>;
}

export interface StylizeOutput extends StylizeResult {
  /** Pooled GPU memory peak of this call in bytes, weights included (not the cached conv weight layouts). */
  peakBytes: number;
  /**
   * The memory plan: the estimate it was chosen by, the budget, the checkpoints (null: no recomputation),
   * the L-BFGS history run with (the requested one unless the budget needed fewer pairs) and the cap on the
   * backward kernels' temporaries (null: none; 0: direct backward kernels), and whether the loss targets were
   * kept in CPU memory (uploaded per term).
   */
  memory: { estimatedBytes: number; budgetBytes: number | null; checkpoints: string[] | null; lbfgsHistory: number; backwardScratchBytes: number | null; targetsOnHost: boolean };
  /** True when the signal stopped the run (`image` is the image at that point). */
  aborted: boolean;
  preset: string;
  model: ModelName;
  adapter: AdapterReport;
}

export interface ClassifyOptions {
  /** How many classes to return (default 5; 1000 for all). */
  top?: number;
  /** Input side (default 224: a plain resize, as Keras' ResNet-50 was evaluated). */
  size?: number;
}

export interface AnalyzeOptions {
  model?: ModelName;
  smoothing?: SmoothingMode;
  temperature?: number;
  /** The image is resized to size × size (default 224), or used as it is with 'keep'. */
  size?: number | 'keep';
  /** Only these taps (default: all, in network order). */
  layers?: string[];
  /** Also analyse with the other smoothing (none ↔ the chosen one, softmax when none) and draw the SVG chart. */
  plot?: boolean;
  /** Chart title (with `plot`). */
  title?: string;
  pooling?: 'max' | 'avg';
}

export interface AnalysisResult {
  model: ModelName;
  smoothing: SmoothingMode;
  temperature: number;
  width: number;
  height: number;
  layers: LayerStats[];
  /** With `plot`: the same image under the other smoothing, and the chart of both. */
  compare?: { smoothing: SmoothingMode; layers: LayerStats[] };
  svg?: string;
}

/** Checks a number option; the error names the option, like the CLI's name the flag. */
export function checkNumber(name: string, value: unknown, rule: { integer?: boolean; min?: number; positive?: boolean; max?: number }): number {
  const n = value as number;
  const ok = typeof n === 'number' && Number.isFinite(n) && (!rule.integer || Number.isInteger(n))
    && (rule.min === undefined || n >= rule.min) && (!rule.positive || n > 0) && (rule.max === undefined || n <= rule.max);
  if (!ok) {
    const want = [rule.integer ? 'an integer' : 'a number', rule.positive ? '> 0' : rule.min !== undefined ? `>= ${rule.min}` : '', rule.max !== undefined ? `<= ${rule.max}` : ''].filter(Boolean).join(' ');
    throw new Error(`${name} must be ${want}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  }
  return n;
}

/** What a stylize call runs: the recipe (init and mask still as inputs) and how to size the inputs. */
export interface StylizePlan<I> {
  preset: Preset;
  model: ModelName;
  pooling: 'max' | 'avg';
  recipe: Omit<StyleRecipe, 'init' | 'mask'>;
  init: 'content' | 'noise' | I;
  content: Resize;
  style: Resize;
  /** Messages worth showing (e.g. the CPU defaults taking over). */
  notes: string[];
}

const RECIPE_KEYS = [
  'smoothing', 'temperature', 'iterations', 'optimizer', 'learningRate', 'lbfgsHistory', 'contentWeight', 'styleWeight', 'tvWeight',
  'contentLayers', 'styleLayers', 'styleLayerWeights', 'smoothLayers', 'seed', 'reportEvery',
  'styleScale', 'originalColors', 'matchStyleColors', 'scales', 'minSize', 'normalize',
] as const satisfies ReadonlyArray<keyof StyleRecipe & keyof StylizeOptions<unknown>>;

/**
 * Options → plan. `adapter` decides the CPU defaults: on a software adapter, when neither size nor
 * iterations is given, 192 px and 120 iterations replace the preset's (512 px, 1000), and the paper's
 * forced square is dropped unless `square` is set.
 */
export function planStylize<I>(options: StylizeOptions<I>, adapter: Pick<AdapterReport, 'isCPU' | 'kind'>): StylizePlan<I> {
  const preset = getPreset(options.preset ?? DEFAULT_PRESET);
  const model = options.model ?? preset.model;
  if (model !== preset.model) {
    throw new Error(`model ${model} does not fit preset ${preset.name} (its layers are ${preset.model}'s); choose preset ${model === 'vgg19' ? 'vgg19' : 'resnet50-swag'}`);
  }
  const overrides: Partial<StyleRecipe> = {};
  for (const key of RECIPE_KEYS) if (options[key] !== undefined) (overrides as Record<string, unknown>)[key] = options[key];
  if (options.iterations !== undefined) checkNumber('iterations', options.iterations, { integer: true, min: 1 });
  if (options.reportEvery !== undefined) checkNumber('reportEvery', options.reportEvery, { integer: true, min: 1 });
  if (options.seed !== undefined) checkNumber('seed', options.seed, { integer: true, min: 0, max: MAX_SEED });
  if (options.styleScale !== undefined) checkNumber('styleScale', options.styleScale, { positive: true });
  if (options.learningRate !== undefined) checkNumber('learningRate', options.learningRate, { positive: true });
  if (options.maxMemory !== undefined) checkNumber('maxMemory', options.maxMemory, { positive: true });
  if (typeof options.size === 'number') checkNumber('size', options.size, { integer: true, min: 1, max: MAX_SIZE });
  else if (options.size !== undefined && options.size !== 'keep') throw new Error(`size must be a positive integer or 'keep', got ${String(options.size)}`);
  const recipe = recipeFromPreset(preset, overrides);
  const notes: string[] = [];
  const cpu = adapter.isCPU;
  let size = options.size;
  if (cpu && size === undefined && options.iterations === undefined) {
    const multi = options.scales === undefined && options.minSize === undefined;
    notes.push(`${adapter.kind} is a CPU adapter: using size ${CPU_DEFAULTS.size} and ${CPU_DEFAULTS.iterations} iterations${multi ? ` over ${CPU_DEFAULTS.scales} scales` : ''} instead of the preset's ${preset.size} px x ${preset.iterations} (give size/iterations to override)`);
    size = CPU_DEFAULTS.size;
    recipe.iterations = CPU_DEFAULTS.iterations;
    if (multi) recipe.scales = CPU_DEFAULTS.scales;
  }
  size ??= cpu ? CPU_DEFAULTS.size : preset.size;
  const { init: _init, mask: _mask, ...rest } = recipe;
  const plan = { preset, model, pooling: options.pooling ?? preset.pooling ?? 'max', recipe: rest, init: options.init ?? preset.init, notes };
  if (size === 'keep') return { ...plan, content: { kind: 'none' }, style: { kind: 'none' } };
  const square = options.square === true || (preset.square && options.size === undefined && !cpu);
  return {
    ...plan,
    content: square ? { kind: 'exact', width: size, height: size } : { kind: 'long-side', size },
    // The output's long side is `size` either way; with styleScale the style is read at its final size.
    style: { kind: 'long-side', size: recipe.styleScale ? Math.max(1, Math.round(recipe.styleScale * size)) : size },
  };
}

export type { RgbaImage };
