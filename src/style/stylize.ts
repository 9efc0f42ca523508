/**
 * Style transfer by optimisation (Gatys et al. 2016) with SWAG smoothing (Wang et al. 2021): the image
 * x is optimised so its features match the content image's and its Gram matrices match the style
 * image's. Everything runs on the GPU; the loss is read back only every `reportEvery` iterations.
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { backward } from '../engine/autograd.js';
import { keep, noGrad, scope } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import type { FeatureModel } from '../models/model.js';
import {
  contentLoss, contentTermWeight, smoothNormalised, styleLoss, styleTermWeight, type Smoothing,
} from './losses.js';
import { createOptimizer, type OptimizerName } from './optimize.js';
import type { Preset, SmoothingMode } from './presets.js';

/** A planar RGB image, values in [0, 1] (the layout of src/io/image.ts, and of the GPU tensors here). */
export interface Image {
  data: Float32Array;
  width: number;
  height: number;
}

export interface StyleRecipe {
  contentLayers: string[];
  styleLayers: string[];
  styleLayerWeights: number[];
  smoothing: SmoothingMode;
  smoothLayers: string[] | 'all';
  temperature: number;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  optimizer: OptimizerName;
  iterations: number;
  learningRate?: number;
  lbfgsHistory?: number;
  init: 'content' | 'noise' | Image;
  seed: number;
  /** Read the loss back (and call onProgress) every this many iterations. */
  reportEvery: number;
}

export interface LayerLoss { name: string; kind: 'content' | 'style'; value: number }

export interface Progress {
  iteration: number;
  evaluations: number;
  loss: number;
  layers: LayerLoss[];
  tv: number;
  elapsedSeconds: number;
}

export interface StylizeResult {
  image: Image;
  iterations: number;
  evaluations: number;
  seconds: number;
  loss: { start: number; end: number };
  layers: Array<{ name: string; kind: 'content' | 'style'; start: number; end: number }>;
}

export function recipeFromPreset(preset: Preset, overrides: Partial<StyleRecipe> = {}): StyleRecipe {
  return {
    contentLayers: preset.contentLayers, styleLayers: preset.styleLayers, styleLayerWeights: preset.styleLayerWeights,
    smoothing: preset.smoothing, smoothLayers: preset.smoothLayers, temperature: preset.temperature,
    contentWeight: preset.contentWeight, styleWeight: preset.styleWeight, tvWeight: preset.tvWeight,
    optimizer: preset.optimizer, iterations: preset.iterations, init: preset.init, seed: 0, reportEvery: 10,
    ...overrides,
  };
}

/** Seeded uniform noise in [0, 1] (mulberry32), for `init: 'noise'`. */
function noiseImage(width: number, height: number, seed: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(3 * width * height);
  for (let i = 0; i < out.length; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

function imageTensor(ctx: GpuContext, image: Image, label: string, requiresGrad = false): Tensor {
  return Tensor.from(ctx, image.data, [1, 3, image.height, image.width], { label, requiresGrad });
}

/** Validates a recipe against the model before any GPU work. */
function checkRecipe(model: FeatureModel, recipe: StyleRecipe): void {
  for (const t of [...recipe.contentLayers, ...recipe.styleLayers, ...(recipe.smoothLayers === 'all' ? [] : recipe.smoothLayers)]) {
    if (!model.taps.includes(t)) throw new Error(`${model.name} has no layer '${t}' (layers: ${model.taps.join(', ')})`);
  }
  if (recipe.styleLayerWeights.length !== recipe.styleLayers.length) {
    throw new Error(`style layer weights (${recipe.styleLayerWeights.length}) must match style layers (${recipe.styleLayers.length})`);
  }
  if (!(recipe.iterations >= 1 && Number.isInteger(recipe.iterations))) throw new Error(`iterations must be a positive integer, got ${recipe.iterations}`);
  for (const [name, v] of Object.entries({ contentWeight: recipe.contentWeight, styleWeight: recipe.styleWeight, tvWeight: recipe.tvWeight, temperature: recipe.temperature })) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a finite number >= 0, got ${v}`);
  }
  if (recipe.temperature === 0) throw new Error('temperature must be > 0');
}

export interface StylizeHooks {
  onProgress?: (p: Progress, preview: () => Promise<Image>) => void | Promise<void>;
  signal?: AbortSignal;
}

export class NonFiniteLossError extends Error {
  constructor(message: string, readonly lastGood: Image | null, readonly iteration: number) { super(message); }
}

/**
 * Optimise an image. `content` fixes the output size; `style` is used at its own size (resize it
 * beforehand for style scale). Returns the image (clamped to [0, 1]) and a summary.
 */
export async function stylize(
  ctx: GpuContext, model: FeatureModel, content: Image, style: Image, recipe: StyleRecipe, hooks: StylizeHooks = {},
): Promise<StylizeResult> {
  checkRecipe(model, recipe);
  const started = performance.now();
  const smoothed = (tap: string): Smoothing => ({
    mode: recipe.smoothLayers === 'all' || recipe.smoothLayers.includes(tap) ? recipe.smoothing : 'none',
    temperature: recipe.temperature,
  });
  const taps = [...new Set([...recipe.contentLayers, ...recipe.styleLayers])];

  // Targets: content features and style Grams, computed once without recording.
  const targets = noGrad(() => scope(() => {
    const contentFeatures = model.features(ops.preprocess(imageTensor(ctx, content, 'content'), model.preprocess), recipe.contentLayers);
    const styleFeatures = model.features(ops.preprocess(imageTensor(ctx, style, 'style'), model.preprocess), recipe.styleLayers);
    const content_ = recipe.contentLayers.map((t) => keep(smoothNormalised(contentFeatures.get(t)!, smoothed(t))));
    const style_ = recipe.styleLayers.map((t) => keep(ops.gram(smoothNormalised(styleFeatures.get(t)!, smoothed(t)))));
    return { content: content_, style: style_ };
  }));

  const initData = recipe.init === 'content' ? content.data.slice()
    : recipe.init === 'noise' ? noiseImage(content.width, content.height, recipe.seed) : recipe.init.data.slice();
  if (typeof recipe.init === 'object' && (recipe.init.width !== content.width || recipe.init.height !== content.height)) {
    throw new Error(`init image is ${recipe.init.width}x${recipe.init.height}, output is ${content.width}x${content.height}`);
  }
  const x = keep(imageTensor(ctx, { ...content, data: initData }, 'image', true));

  // Layer weights on the normalised GPU losses (see losses.ts), fixed by the tap shapes.
  let termWeights: number[] | null = null;
  const termNames: Array<{ name: string; kind: 'content' | 'style' }> = [
    ...recipe.contentLayers.map((name) => ({ name, kind: 'content' as const })),
    ...recipe.styleLayers.map((name) => ({ name, kind: 'style' as const })),
  ];

  /** One loss evaluation: forward, backward into x.grad. Returns the scalars (kept; caller disposes). */
  const evaluate = (): { loss: Tensor; terms: Tensor[] } => scope(() => {
    x.grad?.dispose();
    x.grad = null;
    const features = model.features(ops.preprocess(x, model.preprocess), taps);
    termWeights ??= [
      ...recipe.contentLayers.map((t) => contentTermWeight(recipe.contentWeight, smoothed(t).mode, features.get(t)!.shape)),
      ...recipe.styleLayers.map((t, i) => styleTermWeight(recipe.styleWeight, recipe.styleLayerWeights[i], smoothed(t).mode, features.get(t)!.shape)),
    ];
    const terms = [
      ...recipe.contentLayers.map((t, i) => contentLoss(smoothNormalised(features.get(t)!, smoothed(t)), targets.content[i])),
      ...recipe.styleLayers.map((t, i) => styleLoss(smoothNormalised(features.get(t)!, smoothed(t)), targets.style[i])),
    ];
    const weights = [...termWeights];
    if (recipe.tvWeight > 0) { terms.push(ops.tvLoss(x)); weights.push(recipe.tvWeight); }
    const loss = ops.weightedSum(terms, weights);
    backward(loss);
    return { loss: keep(loss), terms: terms.map(keep) };
  });

  const optimizer = createOptimizer(ctx, recipe.optimizer, x, { learningRate: recipe.learningRate, history: recipe.lbfgsHistory });
  const lastGood = ctx.pool.acquire(x.size * 4, 'last good image');
  let evaluations = 0;
  let firstLayers: number[] | null = null;
  let lastLayers: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  let iteration = 0;
  const readImage = async (buffer: GPUBuffer): Promise<Image> => {
    const data = await ctx.readF32(buffer, x.size);
    for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]));
    return { data, width: content.width, height: content.height };
  };
  try {
    for (iteration = 1; iteration <= recipe.iterations; iteration++) {
      if (hooks.signal?.aborted) break;
      const report = iteration === 1 || iteration % recipe.reportEvery === 0 || iteration === recipe.iterations;
      // Before stepping: remember x so a non-finite loss at this evaluation leaves a good image behind.
      if (report) ctx.commandEncoder().copyBufferToBuffer(x.buffer, 0, lastGood, 0, x.size * 4);
      const { loss, terms, evals } = optimizer.step(evaluate);
      evaluations += evals;
      if (report) {
        const values = await Promise.all([loss.read(), ...terms.map((t) => t.read())]);
        const total = values[0][0];
        const termValues = values.slice(1).map((v, i) => v[0] * (i < termWeights!.length ? termWeights![i] : recipe.tvWeight));
        const bad = termValues.findIndex((v) => !Number.isFinite(v));
        if (!Number.isFinite(total) || bad >= 0) {
          const which = bad >= 0 ? (bad < termNames.length ? `${termNames[bad].kind} loss at ${termNames[bad].name}` : 'total variation') : 'total loss';
          throw new NonFiniteLossError(`loss became ${total} at iteration ${iteration} (${which}); the last good image was kept`, await readImage(lastGood), iteration);
        }
        if (Number.isNaN(firstLoss)) { firstLoss = total; firstLayers = termValues; }
        lastLoss = total;
        lastLayers = termValues;
        await hooks.onProgress?.({
          iteration, evaluations, loss: total, tv: recipe.tvWeight > 0 ? termValues[termValues.length - 1] : 0,
          layers: termNames.map((t, i) => ({ ...t, value: termValues[i] })),
          elapsedSeconds: (performance.now() - started) / 1000,
        }, () => readImage(x.buffer));
      }
      loss.dispose();
      for (const t of terms) t.dispose();
      if (optimizer.converged) break;
    }
    const image = await readImage(x.buffer);
    return {
      image, iterations: Math.min(iteration, recipe.iterations), evaluations,
      seconds: (performance.now() - started) / 1000,
      loss: { start: firstLoss, end: lastLoss },
      layers: termNames.map((t, i) => ({ ...t, start: firstLayers?.[i] ?? NaN, end: lastLayers[i] ?? NaN })),
    };
  } finally {
    optimizer.dispose();
    ctx.pool.release(lastGood);
    x.dispose();
    for (const t of [...targets.content, ...targets.style]) t.dispose();
  }
}
