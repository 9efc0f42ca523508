/**
 * The paper's diagnosis (Wang et al. 2021, Sec. 3): residual networks produce *peaky* deep activations —
 * a few huge values — and their Gram matrices inherit it, so the style loss is dominated by a few
 * entries; smoothing σ shrinks and flattens them. For each tap, on the smoothed activations A = σ(F)
 * (all C·H·W values) and on the Gram matrix G = A Aᵀ/(C·H·W) (all C² values) we report:
 *
 *   max      = max_i v_i                              (the raw magnitude the loss sees)
 *   entropy  = −Σ_i p_i ln p_i,  p = softmax(v)        (nats, at most ln n: the values read as logits,
 *                                                       low when a few values tower over the rest)
 *   peak     = max_i |v_i| / mean_i |v_i|              (size- and scale-free peakiness)
 *
 * σ here is the paper's (un-normalised) σ: values computed with the normalised σ' = k·σ of losses.ts are
 * divided by k on the CPU, in float64. Defined again, with the reasoning, in docs/ANALYSIS.md.
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { noGrad, scope } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import type { FeatureModel } from '../models/model.js';
import { smoothNormalised, smoothingGain, type Smoothing } from './losses.js';
import type { Image } from './image.js';

export interface LayerStats {
  name: string;
  shape: number[];
  actMax: number;
  actEntropy: number;
  actPeak: number;
  gramMax: number;
  gramEntropy: number;
  gramPeak: number;
  /** Entropy of |G|/Σ|G| over ln(C²), in [0, 1]. */
  gramEvenness: number;
  /** ln(C²): the largest possible gramEntropy. */
  gramEntropyBound: number;
}

/**
 * max, softmax entropy (nats) and peak ratio of `values · scale`, in float64. The entropy uses the
 * stable form H = log Σ e^(v−m) − Σ e^(v−m)(v−m) / Σ e^(v−m), m = max v.
 */
export function peakiness(values: ArrayLike<number>, scale = 1): { max: number; entropy: number; peak: number; evenness: number } {
  let max = -Infinity;
  let absMax = 0;
  let absSum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] * scale;
    if (v > max) max = v;
    absMax = Math.max(absMax, Math.abs(v));
    absSum += Math.abs(v);
  }
  let z = 0;
  let weighted = 0;
  for (let i = 0; i < values.length; i++) {
    const d = values[i] * scale - max;
    const e = Math.exp(d);
    z += e;
    weighted += e * d;
  }
  // Evenness: entropy of p = |v|/Σ|v| over its bound ln n (1 = perfectly flat, 0 = one value holds all).
  let h = 0;
  for (let i = 0; i < values.length; i++) {
    const p = Math.abs(values[i] * scale) / absSum;
    if (p > 0) h -= p * Math.log(p);
  }
  return {
    max, entropy: Math.log(z) - weighted / z,
    peak: absSum > 0 ? absMax / (absSum / values.length) : NaN,
    evenness: absSum > 0 && values.length > 1 ? h / Math.log(values.length) : NaN,
  };
}

/** Per-tap statistics of one image, in network order (all taps of the model unless `layers` says). */
export async function analyzeImage(
  ctx: GpuContext, model: FeatureModel, image: Image, smoothing: Smoothing, layers: readonly string[] = model.taps,
): Promise<LayerStats[]> {
  const ordered = model.taps.filter((t) => layers.includes(t));
  const tensors = noGrad(() => scope(() => {
    const x = Tensor.from(ctx, image.data, [1, 3, image.height, image.width], { label: 'analysis image' });
    const features = model.features(ops.preprocess(x, model.preprocess), ordered);
    return ordered.map((t) => {
      const a = smoothNormalised(features.get(t)!, smoothing);
      return { name: t, act: a, gram: ops.gram(a) };
    });
  }));
  try {
    const stats: LayerStats[] = [];
    for (const { name, act, gram } of tensors) {
      // Back from σ' = k·σ to σ: activations scale by 1/k, Grams by 1/k².
      const k = smoothingGain(smoothing.mode, act.shape);
      const a = peakiness(await act.read(), 1 / k);
      const g = peakiness(await gram.read(), 1 / (k * k));
      stats.push({
        name, shape: [...act.shape], actMax: a.max, actEntropy: a.entropy, actPeak: a.peak,
        gramMax: g.max, gramEntropy: g.entropy, gramPeak: g.peak, gramEvenness: g.evenness, gramEntropyBound: 2 * Math.log(act.shape[1]),
      });
    }
    return stats;
  } finally {
    for (const t of tensors) { t.act.dispose(); t.gram.dispose(); }
  }
}
