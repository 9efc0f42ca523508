/**
 * Style transfer by optimisation (Gatys et al. 2016) with SWAG smoothing (Wang et al. 2021): the image
 * x is optimised so its features match the content image's and its Gram matrices match the style
 * image's. Everything runs on the GPU; the loss is read back only every `reportEvery` iterations.
 *
 * Controls (StyleControls, all optional; the CLI flags in brackets):
 * - Several styles [--style a --style b --style-blend 0.7,0.3]: target Gram per layer Σᵢ wᵢ G(styleᵢ),
 *   weights normalised to sum 1 (objective.ts).
 * - styleScale [--style-scale s]: each style image is resized so its long side is s × the output's long
 *   side (at every scale) before its features are computed. Unset: the style's own size.
 * - matchStyleColors [--match-style-colors]: each style's colour mean/covariance set to the content's
 *   first (Gatys et al. 2017, linear colour transfer; colors.ts).
 * - originalColors [--original-colors]: output = YUV⁻¹(Y of the result, U,V of the content), at the end, on the GPU.
 * - mask [--mask m.png]: region r of the output takes style r, by masked Grams (regions.ts).
 * - Multi-scale [--scales S, --min-size M]: coarse to fine over S sizes, long sides geometric from M
 *   (default: output/2^(S−1), i.e. ×2 per scale) to the output's. `iterations` is the total: each scale
 *   gets ⌊N/S⌋, the finest also the remainder. Scale 1 starts from `init` (resized); each later scale
 *   starts from the previous result, bilinearly upsampled on the GPU (ops.resize), with a fresh
 *   optimiser (L-BFGS history does not carry across sizes). Content, styles and mask are resized on the
 *   CPU for each scale (area averaging; image.ts); styles keep their size relative to the output.
 *   Cost: a scale with p pixels costs ~p/P of a final-size iteration, so with ×2 per scale a run of N
 *   iterations over S scales costs N/S·(1 + 1/4 + 1/16 + …) ≤ 0.45·N final-size iterations for S ≥ 3.
 */
import type { GpuContext } from '../gpu/context.js';
import { keep, noGrad } from '../engine/scope.js';
import type { FeatureModel } from '../models/model.js';
import type { Checkpoints } from '../engine/checkpoint.js';
import type { StyleCache } from './style-cache.js';
import { vectorReduce } from '../kernels/optim/optim.js';
import type { Tensor } from '../engine/tensor.js';
import * as ops from '../engine/ops.js';
import { createObjective, imageTensor, normalizeStyles, type LossSpec, type TermInfo, type WeightedStyle } from './objective.js';
import { createOptimizer, type OptimizerName } from './optimize.js';
import type { Preset } from './presets.js';
import { keepContentColors, matchColors } from './colors.js';
import { maskRegions, resizeRegions, type Regions } from './regions.js';
import { resampleImage, sizeForLongSide, type Image } from './image.js';

export type { WeightedStyle } from './objective.js';
export type { Image } from './image.js';

/** The controls of the file header; all optional, all off by default. */
export interface StyleControls {
  /** Style long side = styleScale × output long side (at each scale). */
  styleScale?: number;
  /** Keep the content's chrominance (YUV), transfer luminance only. */
  originalColors?: boolean;
  /** Match each style image's colour mean and covariance to the content's before its features. */
  matchStyleColors?: boolean;
  /** Number of scales, coarse to fine (default 1; see minSize). */
  scales?: number;
  /** Long side of the coarsest scale. */
  minSize?: number;
  /** Region mask (any size; resized to the output): region r takes style r (see regions.ts). */
  mask?: Image;
}

export interface StyleRecipe extends LossSpec, StyleControls {
  optimizer: OptimizerName;
  iterations: number;
  learningRate?: number;
  lbfgsHistory?: number;
  init: 'content' | 'noise' | Image;
  seed: number;
  /** Read the loss back (and call onProgress) every this many iterations. */
  reportEvery: number;
  /** Recompute activations, keeping only these unit outputs (models/memory.ts planMemory); absent: keep all. */
  checkpoints?: Checkpoints;
  /** With checkpoints: loss targets in CPU memory, uploaded per term (objective.ts targetsOnHost; a memory plan's choice). */
  targetsOnHost?: boolean;
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
  /** Which scale of a multi-scale run (index 0 = coarsest) and its size. */
  scale: ScaleInfo;
}

export interface ScaleInfo { index: number; count: number; width: number; height: number }

export interface ScaleResult {
  width: number;
  height: number;
  iterations: number;
  evaluations: number;
  /** Loss at this scale's size: first and last reported. */
  loss: { start: number; end: number };
}

export interface StylizeResult {
  image: Image;
  iterations: number;
  evaluations: number;
  seconds: number;
  /** Loss at the output size (the finest scale): first and last reported. */
  loss: { start: number; end: number };
  layers: Array<TermInfo & { start: number; end: number }>;
  /** Per scale, coarse to fine (one entry for a single-scale run). */
  scales: ScaleResult[];
  /** Sizes of the style images whose features were used at the finest scale. */
  styleSizes: Array<{ width: number; height: number }>;
}

export function recipeFromPreset(preset: Preset, overrides: Partial<StyleRecipe> = {}): StyleRecipe {
  return {
    contentLayers: preset.contentLayers, styleLayers: preset.styleLayers, styleLayerWeights: preset.styleLayerWeights,
    smoothing: preset.smoothing, smoothLayers: preset.smoothLayers, temperature: preset.temperature,
    contentWeight: preset.contentWeight, styleWeight: preset.styleWeight, tvWeight: preset.tvWeight, normalize: preset.normalize ?? false,
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
  /** Stop early, within about STEP_CHUNK_SECONDS on a CPU adapter (GpuContext.paceStep): the last finished iterate is returned. */
  signal?: AbortSignal;
  /** Style Grams kept across calls (batch); not used with matchStyleColors (its styles depend on the content). */
  styleCache?: StyleCache;
}

/** The loss or the image stopped being finite; `lastGood` is the image at the previous report. */
export class NonFiniteLossError extends Error {
  constructor(message: string, readonly lastGood: Image, readonly iteration: number) { super(message); }
}

/**
 * The GPU device was lost mid-run (driver reset, device destroyed); `lastGood` is the image at the last
 * report, read back to the CPU then (at that scale's size), so nothing before it is lost.
 */
export class DeviceLostError extends Error {
  constructor(message: string, readonly lastGood: Image, readonly iteration: number) { super(message); }
}

/** One scale of a multi-scale run: the image size there and its share of the iterations. */
export interface ScaleStep { width: number; height: number; iterations: number }

/** Smallest side allowed at any scale (the networks downsample by up to 32). */
export const MIN_SCALE_SIDE = 16;

/**
 * The coarse-to-fine schedule (see the file header): `scales` sizes whose long sides grow geometrically
 * from `minSize` (default: the output long side / 2^(scales−1), i.e. ×2 per scale) to the output's;
 * `iterations` split equally, the remainder to the finest. With only `minSize`, scales = 1 + ⌈log₂(L/minSize)⌉.
 */
export function scaleSchedule(width: number, height: number, iterations: number, scales?: number, minSize?: number): ScaleStep[] {
  const long = Math.max(width, height);
  if (minSize !== undefined && !(Number.isInteger(minSize) && minSize >= 1)) throw new Error(`minSize must be a positive integer, got ${minSize}`);
  const count = scales ?? (minSize !== undefined && minSize < long ? 1 + Math.ceil(Math.log2(long / minSize)) : 1);
  if (!(Number.isInteger(count) && count >= 1)) throw new Error(`scales must be a positive integer, got ${scales}`);
  if (count === 1) return [{ width, height, iterations }];
  if (iterations < count) throw new Error(`${iterations} iterations cannot be split over ${count} scales (at least one each)`);
  const lo = minSize ?? long / 2 ** (count - 1);
  if (lo >= long) throw new Error(`minSize (${minSize}) must be smaller than the output's long side (${long}) for ${count} scales`);
  const each = Math.floor(iterations / count);
  return Array.from({ length: count }, (_, i) => {
    const last = i === count - 1;
    const size = last ? { width, height } : sizeForLongSide(width, height, Math.round(lo * (long / lo) ** (i / (count - 1))));
    if (Math.min(size.width, size.height) < MIN_SCALE_SIDE) {
      throw new Error(`scale ${i + 1} of ${count} would be ${size.width}x${size.height}, under ${MIN_SCALE_SIDE} px: use fewer scales or a larger minSize`);
    }
    return { ...size, iterations: last ? iterations - each * (count - 1) : each };
  });
}

/**
 * The size of a style image when the output's long side is `outLong` (of a final `finalLong`): with
 * `styleScale`, long side = styleScale × outLong; without, the image's own size times outLong/finalLong
 * (its own size at the final scale).
 */
export function styleSizeAt(style: Image, outLong: number, finalLong: number, styleScale?: number): { width: number; height: number } {
  const own = Math.max(style.width, style.height);
  const long = Math.max(1, Math.round(styleScale !== undefined ? styleScale * outLong : own * (outLong / finalLong)));
  return long === own ? { width: style.width, height: style.height } : sizeForLongSide(style.width, style.height, long);
}

/** Check the recipe and the images before any GPU work. */
function checkInputs(content: Image, styles: WeightedStyle[], recipe: StyleRecipe): void {
  if (!(recipe.iterations >= 1 && Number.isInteger(recipe.iterations))) throw new Error(`iterations must be a positive integer, got ${recipe.iterations}`);
  if (!(recipe.reportEvery >= 1)) throw new Error(`reportEvery must be >= 1, got ${recipe.reportEvery}`);
  if (typeof recipe.init === 'object' && (recipe.init.width !== content.width || recipe.init.height !== content.height)) {
    throw new Error(`init image is ${recipe.init.width}x${recipe.init.height}, but the output is ${content.width}x${content.height}`);
  }
  if (recipe.styleScale !== undefined && !(Number.isFinite(recipe.styleScale) && recipe.styleScale > 0)) throw new Error(`styleScale must be a number > 0, got ${recipe.styleScale}`);
  if (recipe.mask && styles.length < 2) throw new Error(`a mask needs one style per region (at least 2 styles), got ${styles.length}`);
}

/**
 * Optimise an image. `content` fixes the output size. `style` is one image or several with blend
 * weights; each is used at its own size unless `recipe.styleScale` is set. The controls of
 * `StyleControls` (multi-scale, mask, colours) apply as documented in the file header. Returns the image
 * (clamped to [0, 1]) and a summary. Aborting (signal) returns the current image, at the output size.
 */
export async function stylize(
  ctx: GpuContext, model: FeatureModel, content: Image, style: Image | readonly WeightedStyle[], recipe: StyleRecipe, hooks: StylizeHooks = {},
): Promise<StylizeResult> {
  const styles = normalizeStyles(style);
  checkInputs(content, styles, recipe);
  const schedule = scaleSchedule(content.width, content.height, recipe.iterations, recipe.scales, recipe.minSize);
  const sources = recipe.matchStyleColors ? styles.map((s) => ({ ...s, image: matchColors(s.image, content) })) : styles;
  const regions = recipe.mask ? maskRegions(recipe.mask, styles.length) : undefined;
  const finalLong = Math.max(content.width, content.height);
  const run: RunState = { started: performance.now(), done: 0, evaluations: 0, total: recipe.iterations, scales: [] };
  let x: Tensor | null = null;
  try {
    for (const [index, step] of schedule.entries()) {
      const outLong = Math.max(step.width, step.height);
      const problem: Problem = {
        content: resampleImage(content, step.width, step.height),
        styles: sources.map((s) => {
          const size = styleSizeAt(s.image, outLong, finalLong, recipe.styleScale);
          return { weight: s.weight, image: resampleImage(s.image, size.width, size.height) };
        }),
        regions: regions && resizeRegions(regions, step.width, step.height),
        scale: { index, count: schedule.length, width: step.width, height: step.height },
      };
      let next: Tensor;
      if (x === null) next = keep(imageTensor(ctx, initialImage(content, recipe, step), 'image', true));
      else {
        // Coarse to fine: the previous result, bilinearly upsampled on the GPU, starts this scale.
        const prev: Tensor = x;
        next = keep(noGrad(() => ops.resize(prev, step.height, step.width)));
        next.requiresGrad = true;
        prev.dispose();
      }
      x = next;
      await optimizeAt(ctx, model, problem, recipe, step.iterations, x, hooks, run);
      if (hooks.signal?.aborted) break;
    }
    const image = x!;
    if (image.shape[3] !== content.width || image.shape[2] !== content.height) { // aborted at a coarse scale
      x = keep(noGrad(() => ops.resize(image, content.height, content.width)));
      image.dispose();
    }
    const final = run.scales[run.scales.length - 1];
    return {
      image: recipe.originalColors ? await keepContentColors(ctx, x!.buffer, content) : await readClamped(ctx, x!.buffer, content.width, content.height),
      iterations: run.done, evaluations: run.evaluations,
      seconds: (performance.now() - run.started) / 1000,
      loss: final?.loss ?? { start: NaN, end: NaN },
      layers: run.layers ?? [],
      scales: run.scales,
      styleSizes: run.styleSizes ?? [],
    };
  } finally {
    x?.dispose();
  }
}

/** The image one scale optimises for: content and styles resized to it, regions at its size. */
interface Problem {
  content: Image;
  styles: WeightedStyle[];
  regions?: Regions;
  scale: ScaleInfo;
}

interface RunState {
  started: number;
  done: number;
  evaluations: number;
  total: number;
  scales: ScaleResult[];
  layers?: StylizeResult['layers'];
  styleSizes?: Array<{ width: number; height: number }>;
}

/** The initial image at the first (coarsest) scale's size. */
function initialImage(content: Image, recipe: StyleRecipe, step: ScaleStep): Image {
  const { width, height } = step;
  if (recipe.init === 'noise') return { data: noiseImage(width, height, recipe.seed), width, height };
  return resampleImage(recipe.init === 'content' ? content : recipe.init, width, height);
}

async function readClamped(ctx: GpuContext, buffer: GPUBuffer, width: number, height: number): Promise<Image> {
  const data = await ctx.readF32(buffer, 3 * width * height);
  for (let i = 0; i < data.length; i++) data[i] = Math.min(1, Math.max(0, data[i]));
  return { data, width, height };
}

/** `iterations` optimiser steps on x at one scale; progress and results go into `run`. */
async function optimizeAt(
  ctx: GpuContext, model: FeatureModel, problem: Problem, recipe: StyleRecipe, iterations: number, x: Tensor, hooks: StylizeHooks, run: RunState,
): Promise<void> {
  const { content, scale } = problem;
  const objective = createObjective(ctx, model, content, problem.styles, recipe, {
    regions: problem.regions, checkpoints: recipe.checkpoints, targetsOnHost: recipe.targetsOnHost, styleCache: recipe.matchStyleColors ? undefined : hooks.styleCache,
  });
  await objective.calibrate(x);
  const optimizer = createOptimizer(ctx, recipe.optimizer, x, { learningRate: recipe.learningRate, history: recipe.lbfgsHistory });
  const readImage = (buffer: GPUBuffer) => readClamped(ctx, buffer, content.width, content.height);
  // The image at the last good report, on the CPU: it survives a lost device, and is what a NaN loss falls back to.
  let lastGood = await readImage(x.buffer);
  let lastGoodAt = run.done;
  // Σ|x| on the GPU, read with the loss: a NaN/Inf in the image shows here even where ReLUs hide it from the loss.
  const imageCheck = ctx.pool.acquire(4, 'image check');
  const evaluationsBefore = run.evaluations;
  let first: number[] | null = null;
  let last: number[] = [];
  let firstLoss = NaN;
  let lastLoss = NaN;
  let done = 0;
  // The last finished step's loss and terms, kept until the next step finishes: an aborted run reads its loss from them.
  let unread: { loss: Tensor; terms: Tensor[]; iteration: number } | null = null;
  const dispose = (step: { loss: Tensor; terms: Tensor[] } | null) => {
    step?.loss.dispose();
    for (const t of step?.terms ?? []) t.dispose();
  };
  const release = () => {
    dispose(unread);
    unread = null;
  };
  const stop = () => hooks.signal?.aborted === true;
  try {
    for (let local = 1; local <= iterations; local++) {
      if (stop()) break;
      const iteration = run.done + 1;
      const report = local === 1 || iteration % recipe.reportEvery === 0 || local === iterations;
      // Paced: the queue never runs more than a step ahead (memory stays flat whatever reportEvery is),
      // and on a CPU adapter, where a step takes seconds, a stop (Ctrl-C) is answered within a fraction
      // of one: the rest of the step is dropped, so x is still the previous iterate, and this step's
      // loss, maybe never computed, is not read.
      const step = await ctx.paceStep(() => optimizer.step(() => objective.evaluate(x)), stop);
      if (!step.completed) {
        dispose(step.value);
        break;
      }
      release();
      const { loss, terms, evals } = step.value;
      run.evaluations += evals;
      run.done = iteration;
      done = local;
      if (report) {
        vectorReduce(ctx, { x: x.use('stylize'), out: imageCheck, n: x.size, op: 'abssum' });
        const [image, lossValue, check, ...termValues] = await Promise.all([readImage(x.buffer), loss.read(), ctx.readF32(imageCheck, 1), ...terms.map((t) => t.read())]);
        const weights = objective.weights();
        const weighted = termValues.map((v, i) => v[0] * weights[i]);
        const total = lossValue[0] / objective.lossScale;
        const bad = weighted.findIndex((v) => !Number.isFinite(v));
        if (!Number.isFinite(total) || bad >= 0 || !Number.isFinite(check[0])) {
          const which = bad >= 0 ? `${objective.terms[bad].kind} term at ${objective.terms[bad].name}` : Number.isFinite(total) ? 'the image itself' : 'the total loss';
          loss.dispose();
          for (const t of terms) t.dispose();
          throw new NonFiniteLossError(`the loss became non-finite at iteration ${iteration} (${which})`, lastGood, iteration);
        }
        lastGood = image as Image;
        lastGoodAt = iteration;
        if (first === null) { firstLoss = total; first = weighted; }
        lastLoss = total;
        last = weighted;
        await hooks.onProgress?.({
          iteration, iterations: run.total, evaluations: run.evaluations, loss: total,
          layers: objective.terms.map((t, i) => ({ ...t, value: weighted[i] })),
          elapsedSeconds: (performance.now() - run.started) / 1000, scale,
        }, () => readImage(x.buffer));
        loss.dispose();
        for (const t of terms) t.dispose();
      } else {
        unread = { loss, terms, iteration };
      }
    }
    // A stopped run saves x: never a NaN image (diverged since the last report), but the last good one.
    if (stop()) {
      vectorReduce(ctx, { x: x.use('stylize'), out: imageCheck, n: x.size, op: 'abssum' });
      if (!Number.isFinite((await ctx.readF32(imageCheck, 1))[0])) ctx.upload(x.buffer, lastGood.data);
    }
    // Stopped between reports (aborted): the loss at the last step is the run's end, not the last report's.
    const stopped = unread as { loss: Tensor; terms: Tensor[]; iteration: number } | null;
    if (stopped) {
      const [lossValue, ...termValues] = await Promise.all([stopped.loss.read(), ...stopped.terms.map((t) => t.read())]);
      const weights = objective.weights();
      const total = lossValue[0] / objective.lossScale;
      if (Number.isFinite(total)) {
        lastLoss = total;
        last = termValues.map((v, i) => v[0] * weights[i]);
      }
      release();
    }
    run.scales.push({
      width: scale.width, height: scale.height, iterations: done, evaluations: run.evaluations - evaluationsBefore,
      loss: { start: firstLoss, end: lastLoss },
    });
    run.layers = objective.terms.map((t, i) => ({ ...t, start: first?.[i] ?? NaN, end: last[i] ?? NaN }));
    run.styleSizes = problem.styles.map((s) => ({ width: s.image.width, height: s.image.height }));
  } catch (error) {
    if (error instanceof NonFiniteLossError) throw error;
    await new Promise((resolve) => setTimeout(resolve, 0)); // let device.lost settle into ctx.gpu.lost
    if (ctx.gpu.lost || /device (is |was )?(lost|destroyed)/i.test((error as Error).message)) {
      throw new DeviceLostError(`the GPU device was lost after iteration ${run.done} (${(error as Error).message}); the image at iteration ${lastGoodAt} is kept`, lastGood, run.done);
    }
    throw error;
  } finally {
    release();
    optimizer.dispose();
    ctx.pool.release(imageCheck);
    objective.dispose();
  }
}
