/** What style transfer needs from a network: named taps, run only as deep as the deepest one asked for. */
import type { Tensor } from '../engine/tensor.js';
import type { Preprocess } from './weights.js';
import type { Checkpoints, Unit } from '../engine/checkpoint.js';

export type ModelName = 'resnet50' | 'vgg19';
export const MODEL_NAMES: readonly ModelName[] = ['resnet50', 'vgg19'];

export interface FeatureModel {
  readonly name: 'vgg19' | 'resnet50';
  /** Tap names in network order. */
  readonly taps: readonly string[];
  /** How the image must be normalised before `features` (caffe: BGR 0..255 minus mean; torch: RGB mean/std). */
  readonly preprocess: Preprocess;
  /** The network as a chain of units, one per tap (what recomputation segments; absent in test fakes). */
  readonly units?: readonly Unit[];
  /**
   * Activations at the requested taps for a preprocessed NCHW image batch. With `checkpoints`, only those
   * unit outputs and the taps are kept for the backward pass; the rest is recomputed (engine/checkpoint.ts).
   */
  features(x: Tensor, wanted: readonly string[], checkpoints?: Checkpoints): Map<string, Tensor>;
}
