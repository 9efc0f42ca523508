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
import { contentLoss, contentTermWeight, smoothNormalised, styleLoss, styleTermWeight, type Smoothing } from './losses.js';
import type { SmoothingMode } from './presets.js';

/** A planar RGB image, values in [0, 1] (the layout of src/io/image.ts and of the GPU tensors here). */
export interface Image {
  data: Float32Array;
  width: number;
  height: number;
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
}

export interface TermInfo { name: string; kind: 'content' | 'style' | 'tv' }

export interface Evaluation {
  /** Total loss, a [1] GPU tensor (kept: the caller disposes it). */
  loss: Tensor;
  /** Unweighted normalised terms (content, style..., tv), [1] tensors, kept. */
  terms: Tensor[];
}

export interface Objective {
  /** Names and kinds of `Evaluation.terms`, in order. */
  readonly terms: TermInfo[];
  /** Weight of each term in the total (known after the first evaluation; fixed by the tap shapes). */
  weights(): number[];
  /** Loss of x, with its gradient left in x.grad (replacing any previous one). */
  evaluate(x: Tensor): Evaluation;
  /**
   * Loss of x without gradient, read back; then every later evaluation is scaled by 1/that loss, so
   * the optimiser works near 1 whatever the weights (1e17 in the paper's preset): float32 dot products
   * of gradients stay far from overflow. Reported values are unscaled by the caller with `lossScale`.
   */
  calibrate(x: Tensor): Promise<number>;
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

export function createObjective(ctx: GpuContext, model: FeatureModel, content: Image, style: Image, spec: LossSpec): Objective {
  checkLossSpec(model, spec);
  const smoothing = (tap: string): Smoothing => ({
    mode: spec.smoothLayers === 'all' || spec.smoothLayers.includes(tap) ? spec.smoothing : 'none',
    temperature: spec.temperature,
  });
  const taps = [...new Set([...spec.contentLayers, ...spec.styleLayers])];
  // Targets: content features and style Grams, computed once without recording.
  const targets = noGrad(() => scope(() => {
    const c = model.features(ops.preprocess(imageTensor(ctx, content, 'content'), model.preprocess), spec.contentLayers);
    const s = model.features(ops.preprocess(imageTensor(ctx, style, 'style'), model.preprocess), spec.styleLayers);
    return {
      content: spec.contentLayers.map((t) => keep(smoothNormalised(c.get(t)!, smoothing(t)))),
      style: spec.styleLayers.map((t) => keep(ops.gram(smoothNormalised(s.get(t)!, smoothing(t))))),
    };
  }));
  const terms: TermInfo[] = [
    ...spec.contentLayers.map((name) => ({ name, kind: 'content' as const })),
    ...spec.styleLayers.map((name) => ({ name, kind: 'style' as const })),
    ...(spec.tvWeight > 0 ? [{ name: 'tv', kind: 'tv' as const }] : []),
  ];
  let weights: number[] | null = null;
  let lossScale = 1;
  const termWeights = (features: Map<string, Tensor>) => [
    ...spec.contentLayers.map((t) => contentTermWeight(spec.contentWeight, smoothing(t).mode, features.get(t)!.shape)),
    ...spec.styleLayers.map((t, i) => styleTermWeight(spec.styleWeight, spec.styleLayerWeights[i], smoothing(t).mode, features.get(t)!.shape)),
    ...(spec.tvWeight > 0 ? [spec.tvWeight] : []),
  ];
  /** The loss terms of x (unweighted) and the feature map, inside the caller's scope. */
  const lossTerms = (x: Tensor) => {
    const features = model.features(ops.preprocess(x, model.preprocess), taps);
    const smoothedCache = new Map<string, Tensor>();
    const smoothed = (t: string) => {
      let v = smoothedCache.get(t);
      if (!v) smoothedCache.set(t, (v = smoothNormalised(features.get(t)!, smoothing(t))));
      return v;
    };
    weights ??= termWeights(features);
    return [
      ...spec.contentLayers.map((t, i) => contentLoss(smoothed(t), targets.content[i])),
      ...spec.styleLayers.map((t, i) => styleLoss(smoothed(t), targets.style[i])),
      ...(spec.tvWeight > 0 ? [ops.tvLoss(x)] : []),
    ];
  };

  return {
    terms,
    get lossScale() { return lossScale; },
    async calibrate(x: Tensor): Promise<number> {
      const loss = noGrad(() => scope(() => ops.weightedSum(lossTerms(x), weights!)));
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
        const loss = ops.weightedSum(values, weights!.map((w) => w * lossScale));
        backward(loss);
        return { loss: keep(loss), terms: values.map(keep) };
      });
    },
    dispose() {
      for (const t of [...targets.content, ...targets.style]) t.dispose();
    },
  };
}
