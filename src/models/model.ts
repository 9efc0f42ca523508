/** What style transfer needs from a network: named taps, run only as deep as the deepest one asked for. */
import type { Tensor } from '../engine/tensor.js';
import type { Preprocess } from './weights.js';

export type ModelName = 'resnet50' | 'vgg19';
export const MODEL_NAMES: readonly ModelName[] = ['resnet50', 'vgg19'];

export interface FeatureModel {
  readonly name: 'vgg19' | 'resnet50';
  /** Tap names in network order. */
  readonly taps: readonly string[];
  /** How the image must be normalised before `features` (caffe: BGR 0..255 minus mean; torch: RGB mean/std). */
  readonly preprocess: Preprocess;
  /** Activations at the requested taps for a preprocessed NCHW image batch. */
  features(x: Tensor, wanted: readonly string[]): Map<string, Tensor>;
}
