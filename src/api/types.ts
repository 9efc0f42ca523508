/**
 * The library's options and results as typed objects: what `stylize`, `classify` and `analyze` take and give.
 * Their ranges, allowed values, defaults and help text are rows of the options table (options.ts), which
 * checks them. Types only; browser-safe.
 */
import type { AdapterReport } from '../gpu/device.js';
import type { ModelName } from '../models/model.js';
import type { Prediction } from '../models/classify.js';
import type { SmoothingMode } from '../engine/ops.js';
import type { LayerStats } from '../style/analysis.js';
import type { OptimizerName } from '../style/optimize.js';
import type { Progress, StyleControls, StylizeResult } from '../style/stylize.js';
import type { Image, RgbaImage } from '../style/image.js';

export type { Prediction } from '../models/classify.js';
export type { LayerStats } from '../style/analysis.js';
export type { RgbaImage };

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
   * Output long side in pixels (default: the preset's; CPU_DEFAULTS.size on CPU adapters), or 'keep' to use the
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
