/**
 * Style transfer by optimisation (Gatys et al. 2016) with SWAG smoothing (Wang et al. 2021): the image
 * x is optimised so its features match the content image's and its Gram matrices match the style
 * image's. Everything runs on the GPU; the loss is read back only every `reportEvery` iterations.
 */
import type { GpuContext } from '../gpu/context.js';
import { keep } from '../engine/scope.js';
import type { FeatureModel } from '../models/model.js';
import { vectorReduce } from '../kernels/optim.js';
import { createObjective, imageTensor, type Image, type LossSpec, type TermInfo } from './objective.js';
import { createOptimizer, type OptimizerName } from './optimize.js';
import type { Preset } from './presets.js';

export type { Image } from './objective.js';

export interface StyleRecipe extends LossSpec {
  optimizer: OptimizerName;
  iterations: number;
  learningRate?: number;
  lbfgsHistory?: number;
  init: 'content' | 'noise' | Image;
  seed: number;
  /** Read the loss back (and call onProgress) every this many iterations. */
  reportEvery: number;
}

export interface LayerLoss extends TermInfo { value: number }

export interface Progress {
  iteration: number;
  iterations: number;
  evaluations: number;
  loss: number;
  /** Weighted terms (their sum is the loss). */
  layers: LayerLoss[];
  elapsedSeconds: number;
}

export interface StylizeResult {
  image: Image;
  iterations: number;
  evaluations: number;
  seconds: number;
  loss: { start: number; end: number };
  layers: Array<TermInfo & { start: number; end: number }>;
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
export function noiseImage(width: number, height: number, seed: number): Float32Array {
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

export interface StylizeHooks {
  /** Called every `reportEvery` iterations; `preview()` reads the current image back (clamped). */
  onProgress?: (p: Progress, preview: () => Promise<Image>) => void | Promise<void>;
  signal?: AbortSignal;
}

/** The loss or the image stopped being finite; `lastGood` is the image at the previous report. */
export class NonFiniteLossError extends Error {
  constructor(message: string, readonly lastGood: Image, readonly iteration: number) { super(message); }
}

/**
 * Optimise an image. `content` fixes the output size; `style` is used at its own size (resize it
 * beforehand for style scale). Returns the image (clamped to [0, 1]) and a summary. Aborting (signal)
 * returns the current image.
 */
export async function stylize(
  ctx: GpuContext, model: FeatureModel, content: Image, style: Image, recipe: StyleRecipe, hooks: StylizeHooks = {},
): Promise<StylizeResult> {
  if (!(recipe.iterations >= 1 && Number.isInteger(recipe.iterations))) throw new Error(`iterations must be a positive integer, got ${recipe.iterations}`);
  if (!(recipe.reportEvery >= 1)) throw new Error(`reportEvery must be >= 1, got ${recipe.reportEvery}`);
  if (typeof recipe.init === 'object' && (recipe.init.width !== content.width || recipe.init.height !== content.height)) {
    throw new Error(`init image is ${recipe.init.width}x${recipe.init.height}, but the output is ${content.width}x${content.height}`);
  }
  const started = performance.now();
  const objective = createObjective(ctx, model, content, style, recipe);
  const initData = recipe.init === 'content' ? content.data.slice()
    : recipe.init === 'noise' ? noiseImage(content.width, content.height, recipe.seed) : recipe.init.data.slice();
  const x = keep(imageTensor(ctx, { ...content, data: initData }, 'image', true));
  await objective.calibrate(x);
  const optimizer = createOptimizer(ctx, recipe.optimizer, x, { learningRate: recipe.learningRate, history: recipe.lbfgsHistory });
  const lastGood = ctx.pool.acquire(x.size * 4, 'last good image');
  // Σ|x| on the GPU, read with the loss: a NaN/Inf in the image shows here even where ReLUs hide it from the loss.
  const imageCheck = ctx.pool.acquire(4, 'image check');
  ctx.commandEncoder().copyBufferToBuffer(x.buffer, 0, lastGood, 0, x.size * 4);
  const readImage = async (buffer: GPUBuffer): Promise<Image> => {
    const data = await ctx.readF32(buffer, x.size);
    for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]));
    return { data, width: content.width, height: content.height };
  };
  let evaluations = 0;
  let first: number[] | null = null;
  let last: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  let done = 0;
  try {
    for (let iteration = 1; iteration <= recipe.iterations; iteration++) {
      if (hooks.signal?.aborted) break;
      const report = iteration === 1 || iteration % recipe.reportEvery === 0 || iteration === recipe.iterations;
      const { loss, terms, evals } = optimizer.step(() => objective.evaluate(x));
      evaluations += evals;
      done = iteration;
      if (report) {
        vectorReduce(ctx, { x: x.use('stylize'), out: imageCheck, n: x.size, op: 'abssum' });
        const [lossValue, check, ...termValues] = await Promise.all([loss.read(), ctx.readF32(imageCheck, 1), ...terms.map((t) => t.read())]);
        const weights = objective.weights();
        const weighted = termValues.map((v, i) => v[0] * weights[i]);
        const total = lossValue[0] / objective.lossScale;
        const bad = weighted.findIndex((v) => !Number.isFinite(v));
        if (!Number.isFinite(total) || bad >= 0 || !Number.isFinite(check[0])) {
          const which = bad >= 0 ? `${objective.terms[bad].kind} term at ${objective.terms[bad].name}` : Number.isFinite(total) ? 'the image itself' : 'the total loss';
          throw new NonFiniteLossError(`the loss became non-finite at iteration ${iteration} (${which})`, await readImage(lastGood), iteration);
        }
        ctx.commandEncoder().copyBufferToBuffer(x.buffer, 0, lastGood, 0, x.size * 4);
        if (first === null) { firstLoss = total; first = weighted; }
        lastLoss = total;
        last = weighted;
        await hooks.onProgress?.({
          iteration, iterations: recipe.iterations, evaluations, loss: total,
          layers: objective.terms.map((t, i) => ({ ...t, value: weighted[i] })),
          elapsedSeconds: (performance.now() - started) / 1000,
        }, () => readImage(x.buffer));
      }
      loss.dispose();
      for (const t of terms) t.dispose();
    }
    return {
      image: await readImage(x.buffer), iterations: done, evaluations,
      seconds: (performance.now() - started) / 1000,
      loss: { start: firstLoss, end: lastLoss },
      layers: objective.terms.map((t, i) => ({ ...t, start: first?.[i] ?? NaN, end: last[i] ?? NaN })),
    };
  } finally {
    optimizer.dispose();
    ctx.pool.release(lastGood);
    ctx.pool.release(imageCheck);
    x.dispose();
    objective.dispose();
  }
}
