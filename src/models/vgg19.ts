/**
 * VGG-19 (Simonyan & Zisserman 2015), the 16-conv trunk used by Gatys et al. and jcjohnson/neural-style:
 * five blocks of 3x3 convs (pad 1) with ReLU (2, 2, 4, 4, 4 convs; 64, 128, 256, 512, 512 channels),
 * each followed by 2x2/2 pooling. Taps: relu{b}_{i} and pool{b}. Max pooling by default; average
 * pooling as an option, as Gatys et al. suggest ("replacing max-pooling by average pooling improves the
 * gradient flow and one obtains slightly more appealing results").
 * Weights: torchvision `features.N` (see weights.ts); preprocessing 'torch' (RGB, ImageNet mean/std).
 */
import type { GpuContext } from '../gpu/context.js';
import { Tensor } from '../engine/tensor.js';
import { keep } from '../engine/scope.js';
import * as ops from '../engine/ops.js';
import { runUnits, type Checkpoints, type Unit } from '../engine/checkpoint.js';
import { VGG19_CONFIG, vgg19ConvIndices, type LoadedWeights, type Preprocess } from './weights.js';
import type { FeatureModel } from './model.js';

type Layer = { kind: 'conv'; tap: string; w: Tensor; b: Tensor } | { kind: 'pool'; tap: string };

/** Tap names in network order: relu1_1, relu1_2, pool1, relu2_1, ... pool5. */
export const VGG19_TAPS: readonly string[] = (() => {
  const taps: string[] = [];
  let block = 1;
  let conv = 1;
  for (const c of VGG19_CONFIG) {
    if (c === 'M') { taps.push(`pool${block}`); block++; conv = 1; } else taps.push(`relu${block}_${conv++}`);
  }
  return taps;
})();

export class VGG19 implements FeatureModel {
  readonly name = 'vgg19';
  readonly taps = VGG19_TAPS;
  readonly preprocess: Preprocess;
  private layers: Layer[];

  constructor(readonly ctx: GpuContext, weights: LoadedWeights, readonly pooling: 'max' | 'avg' = 'max') {
    if (weights.metadata.arch !== 'vgg19') throw new Error(`VGG19: weights are for '${weights.metadata.arch}', not vgg19`);
    this.preprocess = weights.metadata.preprocess;
    const convIndices = vgg19ConvIndices();
    let convCount = 0;
    this.layers = VGG19_CONFIG.map((c, i) => {
      const tap = VGG19_TAPS[i];
      if (c === 'M') return { kind: 'pool', tap } as const;
      const name = `features.${convIndices[convCount++]}`;
      return {
        kind: 'conv', tap,
        w: keep(Tensor.from(ctx, weights.get(`${name}.weight`), weights.shape(`${name}.weight`), { label: name })),
        b: keep(Tensor.from(ctx, weights.get(`${name}.bias`), weights.shape(`${name}.bias`), { label: `${name}.bias` })),
      } as const;
    });
  }

  /** One unit per layer (conv + ReLU, or pool), each ending at its tap (checkpoint.ts). */
  get units(): readonly Unit[] {
    return this.layers.map((layer) => ({
      tap: layer.tap,
      run: layer.kind === 'conv' ? (h: Tensor) => ops.conv2d(h, layer.w, layer.b, { stride: 1, padding: 1, relu: true })
        : this.pooling === 'max' ? (h: Tensor) => ops.maxPool2d(h, { kernel: 2, stride: 2, padding: 0 }) : (h: Tensor) => ops.avgPool2d(h, { kernel: 2, stride: 2, padding: 0 }),
    }));
  }

  features(x: Tensor, wanted: readonly string[], checkpoints: Checkpoints = null): Map<string, Tensor> {
    for (const t of wanted) if (!this.taps.includes(t)) throw new Error(`vgg19: unknown tap '${t}' (known: ${this.taps.join(', ')})`);
    return runUnits(x, this.units, wanted, checkpoints);
  }
}
