/**
 * The paper's diagnosis (Wang et al. 2021, Sec. 3): residual networks produce *peaky* deep activations —
 * a few huge values — and their Gram matrices inherit it; smoothing flattens them. For each tap we
 * report, for the activations A (all C·H·W values) and the Gram matrix G = A Aᵀ/(C·H·W) (all C² values):
 *
 *   p_i = |v_i| / Σ_j |v_j|            (the values normalised to a distribution)
 *   max = max_i p_i                     (1/n when perfectly flat, 1 when one value holds everything)
 *   entropy = −Σ_i p_i ln p_i           (nats; ln n when flat, 0 when one value holds everything)
 *
 * Both are invariant to a positive rescaling of the values, so the normalised smoothing σ' = k·σ
 * (losses.ts) gives exactly the numbers σ would. Defined again, with the reasoning, in docs/ANALYSIS.md.
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { noGrad, scope } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import type { FeatureModel } from '../models/model.js';
import { smoothNormalised, type Smoothing } from './losses.js';
import type { Image } from './stylize.js';

export interface LayerStats {
  name: string;
  shape: number[];
  actMax: number;
  actEntropy: number;
  gramMax: number;
  gramEntropy: number;
}

/** max and entropy (nats) of |values| normalised to sum 1; computed in float64. */
export function peakiness(values: ArrayLike<number>): { max: number; entropy: number } {
  let sum = 0;
  let top = 0;
  for (let i = 0; i < values.length; i++) {
    const a = Math.abs(values[i]);
    sum += a;
    if (a > top) top = a;
  }
  if (!(sum > 0)) return { max: NaN, entropy: NaN };
  let entropy = 0;
  for (let i = 0; i < values.length; i++) {
    const p = Math.abs(values[i]) / sum;
    if (p > 0) entropy -= p * Math.log(p);
  }
  return { max: top / sum, entropy };
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
      const a = peakiness(await act.read());
      const g = peakiness(await gram.read());
      stats.push({ name, shape: [...act.shape], actMax: a.max, actEntropy: a.entropy, gramMax: g.max, gramEntropy: g.entropy });
    }
    return stats;
  } finally {
    for (const t of tensors) { t.act.dispose(); t.gram.dispose(); }
  }
}
