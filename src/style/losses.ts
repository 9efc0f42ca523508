/**
 * The style-transfer objective (Gatys et al. 2016; Wang et al. 2021 for the smoothing σ):
 *
 *   content_l = mean_{c,h,w} (σ(F_l(x)) − σ(F_l(p)))²                       (F_l: activations at tap l)
 *   style_l   = mean_{c,c'}  (G(σ(F_l(x))) − G(σ(F_l(a))))²,   G(F) = F Fᵀ / (C·H·W)
 *   TV        = mean over neighbouring pixel pairs of the squared difference (see the tvLoss kernel)
 *   L = w_content · Σ content_l + w_style · Σ_l w_l · style_l + w_tv · TV
 *
 * σ is SWAG's smoothing: 'softmax' over all C·H·W values of a layer (the paper's Eq. 11), 'channel-softmax'
 * over C at each pixel (the first released code), 'scale' = α·x (the current released code), or none.
 *
 * Float32 safety. Softmax over C·H·W = 10⁶ values gives entries near 10⁻⁶; their Gram entries are
 * near 10⁻¹⁷ and the squared Gram differences near 10⁻³⁴, where GPUs flush float32 to zero. So the GPU
 * computes the *normalised* smoothing σ' = k·σ with k chosen so σ' averages ~1 (k = C·H·W for softmax,
 * C for channel-softmax, 1/α for scale), and the exact factors are folded into the layer weights in
 * float64: content_l = content'_l / k², style_l = style'_l / k⁴. The loss is the paper's, to rounding.
 *
 * Normalised losses (LossSpec.normalize, `--normalize`; on in the `swag` preset, off in the paper's presets).
 * Each term is divided by a scale fixed once from its own target:
 *
 *   content_l = mean (σ(F_l(x)) − σ(F_l(p)))²  /  mean σ(F_l(p))²                (relative content error)
 *   style_l   = mean (G(σ(F_l(x))) − G_l,s)²    /  mean G_l,s²                     (relative Gram error)
 *   L = w_content · Σ content_l + w_style · Σ_l w_l · style_l + w_tv · TV
 *
 * G_l,s is the style target (the blend of the styles' Grams; with a mask, region r's own style Gram). Each
 * ratio is 0 at the target and 1 for an all-zero image, so a weight is a share: w_content = w_style = 1 with
 * per-layer weights that sum to 1 weighs the relative content error against the relative Gram error.
 * Why this rule: numerator and denominator are the same degree in the activations (2 for content, 4 for
 * style), so a constant factor α on the activations (the 'scale' smoothing, k of σ' = k·σ above, a
 * network whose layer has larger values) cancels exactly, and the softmax smoothing's 1/(C·H·W)
 * magnitudes, which change with the image size, cancel too: the same pair at 128 and 256 px keeps the
 * same balance (test/style/normalize.test.ts). The GPU keeps computing the σ' losses; the denominators
 * are read once from the σ' targets, in float64 (the k factors cancel), and enter the term weights.
 */
import type { Tensor } from '../engine/tensor.js';
import * as ops from '../engine/ops.js';
import { SCALE_ALPHA, type SmoothingMode } from '../engine/ops.js';

export interface Smoothing {
  mode: SmoothingMode;
  temperature: number;
}

/** k of the normalised smoothing σ' = k·σ for a [N, C, H, W] tap (see the file header). */
export function smoothingGain(mode: SmoothingMode, shape: readonly number[]): number {
  const [, c, h, w] = shape;
  switch (mode) {
    case 'softmax': return c * h * w;
    case 'channel-softmax': return c;
    case 'scale': return 1 / SCALE_ALPHA;
    case 'none': return 1;
  }
}

/**
 * σ'(x) = k·σ(x) on the GPU. For 'scale', σ' = (1/α)·α·x = x exactly, so no kernel runs; α enters
 * only through the weights (k⁻² and k⁻⁴), which is exactly what α·x does to the paper's losses.
 */
export function smoothNormalised(x: Tensor, smoothing: Smoothing): Tensor {
  if (smoothing.mode === 'none' || smoothing.mode === 'scale') return x;
  const k = smoothingGain(smoothing.mode, x.shape);
  return ops.smooth(x, { mode: smoothing.mode, temperature: smoothing.temperature, outputScale: k });
}

/** Weight of a content term on the normalised features. */
export function contentTermWeight(userWeight: number, mode: SmoothingMode, shape: readonly number[]): number {
  return userWeight / smoothingGain(mode, shape) ** 2;
}

/** Weight of a style term on Grams of normalised features. */
export function styleTermWeight(userWeight: number, layerWeight: number, mode: SmoothingMode, shape: readonly number[]): number {
  return (userWeight * layerWeight) / smoothingGain(mode, shape) ** 4;
}

/**
 * Weight of a normalised term: user weight (× layer weight) / mean of the squared σ' target (`meanSquare`,
 * computed from the GPU target; any k of σ' = k·σ cancels between numerator and denominator).
 * @param what names the term in the error for an all-zero target (which cannot be normalised).
 */
export function normalizedTermWeight(weight: number, meanSquare: number, what: string): number {
  if (!(meanSquare > 0 && Number.isFinite(meanSquare))) {
    throw new Error(`cannot normalise the ${what} term: its target is ${meanSquare === 0 ? 'all zeros' : `not finite (${meanSquare})`} (turn normalize off or use another image)`);
  }
  return weight / meanSquare;
}

/** mean v² in float64 (the denominator of a normalised term). */
export function meanSquare(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] * values[i];
  return s / values.length;
}

/** Content loss of one layer, unweighted: mean squared difference of (normalised smoothed) features. */
export function contentLoss(features: Tensor, target: Tensor): Tensor {
  return ops.mseLoss(features, target);
}

/** Style loss of one layer, unweighted: mean squared difference of Gram matrices (one fused op, ops.gramLoss). */
export function styleLoss(features: Tensor, targetGram: Tensor): Tensor {
  return ops.gramLoss(features, targetGram);
}
