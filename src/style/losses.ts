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
 */
import type { Tensor } from '../engine/tensor.js';
import * as ops from '../engine/ops.js';
import type { SmoothingMode } from './presets.js';

/** α of the 'scale' smoothing, as in the released SWAG code. */
export const SCALE_ALPHA = 0.001;

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

export interface LayerTerm {
  name: string;
  kind: 'content' | 'style';
  /** Weight applied to the normalised GPU loss (user weight × layer weight × k^-2 or k^-4). */
  weight: number;
}

/** Weight of a content term on the normalised features. */
export function contentTermWeight(userWeight: number, mode: SmoothingMode, shape: readonly number[]): number {
  return userWeight / smoothingGain(mode, shape) ** 2;
}

/** Weight of a style term on Grams of normalised features. */
export function styleTermWeight(userWeight: number, layerWeight: number, mode: SmoothingMode, shape: readonly number[]): number {
  return (userWeight * layerWeight) / smoothingGain(mode, shape) ** 4;
}

/** Content loss of one layer, unweighted: mean squared difference of (normalised smoothed) features. */
export function contentLoss(features: Tensor, target: Tensor): Tensor {
  return ops.mseLoss(features, target);
}

/** Style loss of one layer, unweighted: mean squared difference of Gram matrices (one fused op, ops.gramLoss). */
export function styleLoss(features: Tensor, targetGram: Tensor): Tensor {
  return ops.gramLoss(features, targetGram);
}
