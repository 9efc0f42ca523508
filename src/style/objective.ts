/**
 * The objective of one style-transfer problem: fixed targets (content features, style Grams) and an
 * `evaluate(x)` that computes the weighted loss of an image and its gradient into `x.grad`.
 * Shared by stylize(), the benchmarks and the tests.
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { backward } from '../engine/autograd.js';
import { keep, noGrad, scope } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import type { FeatureModel } from '../models/model.js';
import { recompute, type Checkpoints } from '../engine/checkpoint.js';
import type { StyleCache } from './style-cache.js';
import { contentLoss, contentTermWeight, meanSquare, normalizedTermWeight, smoothNormalised, styleLoss, styleTermWeight, type Smoothing } from './losses.js';
import type { SmoothingMode } from '../engine/ops.js';
import { resizeRegions, type Regions } from './regions.js';
import type { Image } from './image.js';
import { axpy } from '../kernels/optim/optim.js';

/** Σᵢ wᵢ·tᵢ of same-shape tensors (a weight-1 single tensor is returned as is). Not differentiated: targets only. */
function blend(ctx: GpuContext, ts: Tensor[], ws: number[]): Tensor {
  if (ts.length === 1 && ws[0] === 1) return ts[0];
  const y = Tensor.zeros(ctx, ts[0].shape, { label: 'style blend' });
  ts.forEach((t, i) => axpy(ctx, { y: y.use('style blend'), x: t.use('style blend'), n: t.size, alpha: ws[i] }));
  return y;
}

export interface LossSpec {
  contentLayers: string[];
  styleLayers: string[];
  styleLayerWeights: number[];
  smoothing: SmoothingMode;
  smoothLayers: string[] | 'all';
  temperature: number;
  contentWeight: number;
  styleWeight: number;
  tvWeight: number;
  /**
   * Divide each content/style term by the mean square of its own target (losses.ts, "Normalised losses"):
   * weights become shares that mean the same on every image, size and model. Off (the paper's raw sums) when unset.
   */
  normalize?: boolean;
}

/** A loss term: its tap (or 'tv'), kind, and for masked styles the region (0-based; style `region`). */
export interface TermInfo { name: string; kind: 'content' | 'style' | 'tv'; region?: number }

export interface Evaluation {
  /** Total loss, a [1] GPU tensor (kept: the caller disposes it). */
  loss: Tensor;
  /** Unweighted normalised terms (content, style..., tv), [1] tensors, kept. */
  terms: Tensor[];
}

export interface Objective {
  /** Names and kinds of `Evaluation.terms`, in order. */
  readonly terms: TermInfo[];
  /** Weight of each term in the total (known after the first evaluation or prepare(); fixed by the tap shapes or, normalised, by the targets). */
  weights(): number[];
  /**
   * Reads what the weights need from the GPU: with `normalize`, the mean square of each target (the
   * denominators). Must run before evaluate() when normalising; calibrate() calls it. Idempotent.
   */
  prepare(): Promise<void>;
  /** Loss of x, with its gradient left in x.grad (replacing any previous one). */
  evaluate(x: Tensor): Evaluation;
  /**
   * Loss of x without gradient, read back; then every later evaluation is scaled by 1/that loss, so
   * the optimiser works near 1 whatever the weights (1e17 in the paper's preset): float32 dot products
   * of gradients stay far from overflow. Reported values are unscaled by the caller with `lossScale`.
   */
  calibrate(x: Tensor): Promise<number>;
  /**
   * Target Grams, [style layer][region] (one entry per layer without a mask: the blend). With a mask,
   * region r's entry is T_r / a_r (see createObjective).
   */
  readonly styleTargets: readonly (readonly Tensor[])[];
  /** Factor applied to the loss and its gradient (1 until calibrate). */
  readonly lossScale: number;
  dispose(): void;
}

export function imageTensor(ctx: GpuContext, image: Image, label: string, requiresGrad = false): Tensor {
  return Tensor.from(ctx, image.data, [1, 3, image.height, image.width], { label, requiresGrad });
}

/** Validates a loss spec against the model before any GPU work. */
export function checkLossSpec(model: FeatureModel, spec: LossSpec): void {
  for (const t of [...spec.contentLayers, ...spec.styleLayers, ...(spec.smoothLayers === 'all' ? [] : spec.smoothLayers)]) {
    if (!model.taps.includes(t)) throw new Error(`${model.name} has no layer '${t}' (layers: ${model.taps.join(', ')})`);
  }
  if (spec.styleLayerWeights.length !== spec.styleLayers.length) {
    throw new Error(`style layer weights (${spec.styleLayerWeights.length}) must match style layers (${spec.styleLayers.length})`);
  }
  for (const [name, v] of Object.entries({ contentWeight: spec.contentWeight, styleWeight: spec.styleWeight, tvWeight: spec.tvWeight, temperature: spec.temperature })) {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a finite number >= 0, got ${v}`);
  }
  if (spec.temperature === 0) throw new Error('temperature must be > 0');
}

/** A style image and its blend weight (weights are normalised to sum 1, as neural-style's -style_blend_weights). */
export interface WeightedStyle { image: Image; weight: number }

/** One image, or a list with blend weights → the list with weights summing to 1. */
export function normalizeStyles(style: Image | readonly WeightedStyle[]): WeightedStyle[] {
  const list = 'data' in style ? [{ image: style, weight: 1 }] : [...style];
  if (list.length === 0) throw new Error('style: no style image given');
  list.forEach((s, i) => { if (!(Number.isFinite(s.weight) && s.weight >= 0)) throw new Error(`style blend weight ${i + 1} must be a finite number >= 0, got ${s.weight}`); });
  const total = list.reduce((a, s) => a + s.weight, 0);
  if (!(total > 0)) throw new Error(`style blend weights must not all be 0 (got ${list.map((s) => s.weight).join(',')})`);
  return list.map((s) => ({ image: s.image, weight: s.weight / total }));
}

export interface ObjectiveOptions {
  /** Spatial control (regions.ts): region r of the output takes style r. Planes at the content's size. */
  regions?: Regions;
  /** Recompute activations in the backward pass, keeping only these unit outputs and the taps (engine/checkpoint.ts). */
  checkpoints?: Checkpoints;
  /** Style Grams shared across objectives (batch); they stay the cache's to free. */
  styleCache?: StyleCache;
  /**
   * Under a memory plan (with `checkpoints`; models/memory.ts): keep the content targets and style Grams in CPU
   * memory once prepare() has read them, and upload each only while its own term is computed (its forward, its
   * recomputed backward), so none is in GPU memory at the backward pass's peak. The same values: the same loss.
   * The style cache is not used then (its Grams would stay on the GPU).
   */
  targetsOnHost?: boolean;
}

/**
 * Several styles. Without regions the target Gram of each style layer is the blend Σᵢ wᵢ G(styleᵢ).
 * With regions, each (layer, region r) is its own term mse(G_r, G(style r)) with the masked Gram
 * G_r = (F ⊙ m_r)(F ⊙ m_r)ᵀ / (C·Σm_r) = a_r · gram(F ⊙ m_r), a_r = H·W / Σm_r (gram divides by C·H·W).
 * Since mse(a·g, T) = a²·mse(g, T/a), the GPU keeps the target T/a_r and the term weight carries a_r²:
 * no extra launch per evaluation. Region r's terms are also weighted by k·w_r (1 for equal weights).
 */
export function createObjective(
  ctx: GpuContext, model: FeatureModel, content: Image, style: Image | readonly WeightedStyle[], spec: LossSpec, options: ObjectiveOptions = {},
): Objective {
  checkLossSpec(model, spec);
  const styles = normalizeStyles(style);
  const { regions } = options;
  if (options.targetsOnHost && !options.checkpoints) throw new Error('objective: targetsOnHost needs a checkpoint plan (the terms are recomputed)');
  if (options.targetsOnHost) options = { ...options, styleCache: undefined };
  if (regions && regions.planes.length !== styles.length) throw new Error(`mask has ${regions.planes.length} regions but ${styles.length} styles were given (one style per region)`);
  if (regions && (regions.width !== content.width || regions.height !== content.height)) {
    throw new Error(`mask regions are ${regions.width}x${regions.height}, but the output is ${content.width}x${content.height}`);
  }
  const smoothing = (tap: string): Smoothing => ({
    mode: spec.smoothLayers === 'all' || spec.smoothLayers.includes(tap) ? spec.smoothing : 'none',
    temperature: spec.temperature,
  });
  const taps = [...new Set([...spec.contentLayers, ...spec.styleLayers])];
  // Targets: content features and style Grams, computed once without recording.
  const targets = noGrad(() => scope(() => {
    // With regions the content pass also visits the style taps: their sizes fix the masks.
    const c = model.features(ops.preprocess(imageTensor(ctx, content, 'content'), model.preprocess), regions ? taps : spec.contentLayers);
    const compute = (s: WeightedStyle) => () => {
      const f = model.features(ops.preprocess(imageTensor(ctx, s.image, 'style'), model.preprocess), spec.styleLayers);
      return spec.styleLayers.map((t) => ops.gram(smoothNormalised(f.get(t)!, smoothing(t))));
    };
    const grams = (s: WeightedStyle) => options.styleCache
      ? options.styleCache.grams(s.image, `${model.name}:${JSON.stringify([spec.styleLayers, spec.smoothing, spec.smoothLayers, spec.temperature])}`, compute(s)) : compute(s)();
    const used = regions ? styles : styles.filter((s) => s.weight > 0);
    const perStyle = used.map(grams);
    const style: Tensor[][] = [];
    const masks: Tensor[][] = [];
    const regionWeights: number[][] = [];
    // Normalised weights: region r's term over the mean square of its stored target T_r/a_r (the a_r² cancel).
    const regionShares: number[][] = [];
    spec.styleLayers.forEach((t, l) => {
      if (!regions) {
        style.push([keep(blend(ctx, perStyle.map((g) => g[l]), used.map((s) => s.weight)))]);
        regionWeights.push([1]);
        regionShares.push([1]);
        return;
      }
      const [, , h, w] = c.get(t)!.shape;
      const planes = resizeRegions(regions, w, h).planes;
      const areas = planes.map((p) => p.reduce((a, v) => a + v, 0));
      // a_r = H·W/Σm_r; a region that vanishes at this tap's resolution gets weight 0.
      const a = areas.map((s) => (s > 1e-6 * h * w ? (h * w) / s : 0));
      masks.push(planes.map((p) => keep(Tensor.from(ctx, p, [1, 1, h, w], { label: `mask ${t}` }))));
      style.push(perStyle.map((g, r) => keep(ops.mulScalar(g[l], a[r] > 0 ? 1 / a[r] : 0))));
      regionWeights.push(a.map((ar, r) => styles.length * styles[r].weight * ar * ar));
      regionShares.push(a.map((ar, r) => (ar > 0 ? styles.length * styles[r].weight : 0)));
    });
    return {
      content: spec.contentLayers.map((t) => keep(smoothNormalised(c.get(t)!, smoothing(t)))),
      style, masks, regionWeights, regionShares,
    };
  }));
  const terms: TermInfo[] = [
    ...spec.contentLayers.map((name) => ({ name, kind: 'content' as const })),
    ...spec.styleLayers.flatMap((name) => (regions ? styles.map((_, r) => ({ name, kind: 'style' as const, region: r })) : [{ name, kind: 'style' as const }])),
    ...(spec.tvWeight > 0 ? [{ name: 'tv', kind: 'tv' as const }] : []),
  ];
  let weights: number[] | null = null;
  let lossScale = 1;
  const termWeights = (features: Map<string, Tensor>) => [
    ...spec.contentLayers.map((t) => contentTermWeight(spec.contentWeight, smoothing(t).mode, features.get(t)!.shape)),
    ...spec.styleLayers.flatMap((t, i) => targets.regionWeights[i].map((rw) => rw * styleTermWeight(spec.styleWeight, spec.styleLayerWeights[i], smoothing(t).mode, features.get(t)!.shape))),
    ...(spec.tvWeight > 0 ? [spec.tvWeight] : []),
  ];
  /** Normalised weights (losses.ts): user × layer weight over the mean square of each target, read back once. */
  const normalizedWeights = async () => {
    const content = await Promise.all(targets.content.map((t) => t.read()));
    const style = await Promise.all(targets.style.map((l) => Promise.all(l.map((t) => t.read()))));
    return [
      ...spec.contentLayers.map((t, i) => normalizedTermWeight(spec.contentWeight, meanSquare(content[i]), `content (${t})`)),
      ...spec.styleLayers.flatMap((t, i) => style[i].map((g, r) => {
        const share = targets.regionShares[i][r];
        return share === 0 ? 0 : normalizedTermWeight(spec.styleWeight * spec.styleLayerWeights[i] * share, meanSquare(g), `style (${t}${regions ? `, region ${r + 1}` : ''})`);
      })),
      ...(spec.tvWeight > 0 ? [spec.tvWeight] : []),
    ];
  };
  // Targets on the host (options.targetsOnHost): the values, read once by prepare(); each term uploads its own.
  let hostTargets: { content: Float32Array[]; style: Float32Array[][] } | null = null;
  const prepare = async () => {
    if (spec.normalize && !weights) weights = await normalizedWeights();
    if (options.targetsOnHost && !hostTargets) {
      hostTargets = {
        content: await Promise.all(targets.content.map((t) => t.read())),
        style: await Promise.all(targets.style.map((l) => Promise.all(l.map((t) => t.read())))),
      };
      for (const t of [...targets.content, ...targets.style.flat()]) t.dispose();
    }
  };
  /** A target for one term's computation: the kept GPU tensor, or an upload freed with the term's scope. */
  const target = (kind: 'content' | 'style', i: number, r = 0): Tensor => {
    const kept = kind === 'content' ? targets.content[i] : targets.style[i][r];
    if (!options.targetsOnHost) return kept;
    if (!hostTargets) throw new Error('objective: targets on the host are read by prepare() (or calibrate()) before evaluate()');
    return Tensor.from(ctx, kind === 'content' ? hostTargets.content[i] : hostTargets.style[i][r], kept.shape, { label: `${kind} target (uploaded)` });
  };
  // The network order of the terms' taps (TV, on the image, first): the loss sums the terms in this order, so
  // the backward pass (autograd's depth-first order from the sum) takes each term's gradient just before its
  // tap's unit, not all of them first: the gradients of the shallow, large taps are not held through the
  // backward of the deep units. The same order with and without a memory plan: the same loss.
  const tapOrder = model.taps;
  const termTaps = [...spec.contentLayers, ...spec.styleLayers.flatMap((t, i) => targets.style[i].map(() => t))];
  const sumOrder = termTaps.map((t, i) => ({ i, depth: tapOrder.indexOf(t) }))
    .sort((a, b) => a.depth - b.depth || a.i - b.i).map((o) => o.i);
  if (spec.tvWeight > 0) sumOrder.unshift(termTaps.length);
  const summed = (values: Tensor[], w: number[]) => ops.weightedSum(sumOrder.map((i) => values[i]), sumOrder.map((i) => w[i]));
  /** The loss terms of x (unweighted) and the feature map, inside the caller's scope. */
  const lossTerms = (x: Tensor) => {
    const features = model.features(ops.preprocess(x, model.preprocess), taps, options.checkpoints ?? null);
    const smoothedCache = new Map<string, Tensor>();
    const smoothed = (t: string) => {
      let v = smoothedCache.get(t);
      if (!v) smoothedCache.set(t, (v = smoothNormalised(features.get(t)!, smoothing(t))));
      return v;
    };
    if (!weights && spec.normalize) throw new Error('objective: normalised weights need the targets read back first: await prepare() (or calibrate()) before evaluate()');
    weights ??= termWeights(features);
    // Under a memory plan each term is recomputed from its tap during the backward pass: its smoothed copy
    // and Gram matrix are not kept from the forward (the same kernels on the same tap: the same values).
    const term = (t: string, name: string, loss: (s: Tensor) => Tensor) => (options.checkpoints
      ? recompute(features.get(t)!, `${name} ${t}`, (f) => loss(smoothNormalised(f, smoothing(t))))
      : loss(smoothed(t)));
    return [
      ...spec.contentLayers.map((t, i) => term(t, 'content loss', (s) => contentLoss(s, target('content', i)))),
      ...spec.styleLayers.flatMap((t, i) => targets.style[i].map((_, r) =>
        term(t, 'style loss', (s) => styleLoss(regions ? ops.mulMask(s, targets.masks[i][r]) : s, target('style', i, r))))),
      ...(spec.tvWeight > 0 ? [ops.tvLoss(x)] : []),
    ];
  };

  return {
    terms,
    styleTargets: targets.style,
    get lossScale() { return lossScale; },
    prepare,
    async calibrate(x: Tensor): Promise<number> {
      await prepare();
      const loss = noGrad(() => scope(() => summed(lossTerms(x), weights!)));
      const value = (await loss.read())[0];
      loss.dispose();
      if (!Number.isFinite(value)) throw new Error(`the loss of the initial image is ${value}: check the weights (style ${spec.styleWeight}, content ${spec.contentWeight})`);
      lossScale = value > 0 ? 1 / value : 1;
      return value;
    },
    weights() {
      if (!weights) throw new Error('objective: weights are known after the first evaluation');
      return weights;
    },
    evaluate(x: Tensor): Evaluation {
      return scope(() => {
        x.grad?.dispose();
        x.grad = null;
        const values = lossTerms(x);
        const loss = summed(values, weights!.map((w) => w * lossScale));
        backward(loss);
        return { loss: keep(loss), terms: values.map(keep) };
      });
    },
    dispose() {
      for (const t of [...targets.content, ...targets.style.flat(), ...targets.masks.flat()]) if (!options.styleCache?.owns(t)) t.dispose();
      hostTargets = null;
    },
  };
}
