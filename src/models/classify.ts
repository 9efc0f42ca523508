/** ImageNet classification with ResNet-50: the end-to-end proof that weights, layout and kernels are right. */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { noGrad, scope } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import type { ResNet50 } from './resnet50.js';
import labels from './imagenet-labels.json' with { type: 'json' };

export interface Prediction { index: number; label: string; prob: number }

/** Softmax in float64 on the CPU (1000 values). */
export function softmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]);
  const out = Float64Array.from(logits, (v) => Math.exp(v - max));
  const sum = out.reduce((a, b) => a + b, 0);
  return out.map((v) => v / sum);
}

/** Logits [1000] for one RGB image in [0, 1], planar, already resized (224x224 for the paper's numbers). */
export async function logits(ctx: GpuContext, model: ResNet50, image: { data: Float32Array; width: number; height: number }): Promise<Float32Array> {
  const out = noGrad(() => scope(() => {
    const x = Tensor.from(ctx, image.data, [1, 3, image.height, image.width], { label: 'classify image' });
    return model.logits(ops.preprocess(x, model.preprocess));
  }));
  try {
    return await out.read();
  } finally {
    out.dispose();
  }
}

/** Every class sorted by probability. */
export async function classify(ctx: GpuContext, model: ResNet50, image: { data: Float32Array; width: number; height: number }): Promise<Prediction[]> {
  const probs = softmax(await logits(ctx, model, image));
  return [...probs.keys()].sort((a, b) => probs[b] - probs[a]).map((index) => ({ index, label: (labels as string[])[index], prob: probs[index] }));
}
