/** A feature model from weights already read: the one place a name becomes a ResNet-50 or a VGG-19. Browser-safe. */
import type { GpuContext } from '../gpu/context.js';
import type { LoadedWeights } from './weights.js';
import { ResNet50 } from './resnet50.js';
import { VGG19 } from './vgg19.js';
import { MODEL_NAMES, type FeatureModel, type ModelName } from './model.js';

/** Throws, naming the known models, unless `model` is one. */
export function checkModelName(model: string): asserts model is ModelName {
  if (!MODEL_NAMES.includes(model as ModelName)) throw new Error(`unknown model '${model}' (known: ${MODEL_NAMES.join(', ')})`);
}

/**
 * The model on `ctx` from its checked weights (BatchNorm folded, uploaded). `where` names the weights in the
 * error when they are another model's (a file path, or 'the vgg19 weights').
 */
export function buildModel(ctx: GpuContext, model: ModelName, weights: LoadedWeights, pooling: 'max' | 'avg', where: string): FeatureModel {
  if (weights.metadata.arch !== model) throw new Error(`${where}: weights are for ${weights.metadata.arch}, but model ${model} was asked for`);
  return model === 'resnet50' ? new ResNet50(ctx, weights) : new VGG19(ctx, weights, pooling);
}
