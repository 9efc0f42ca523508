/**
 * Loading a model by name: finds its weights file (fetching ResNet-50 on first use), validates it,
 * uploads it once per GPU context and shares it with every later run in the process.
 */
import { existsSync } from 'node:fs';
import type { GpuContext } from '../gpu/context.js';
import { loadWeights, type LoadedWeights } from './weights.js';
import { ensureResnet50Weights, RESNET50_FILE } from './weights-fetch.js';
import { findWeightsFile, weightsDir } from './weights-home.js';
import type { ResNet50 } from './resnet50.js';
import type { FeatureModel, ModelName } from './model.js';
import { buildModel, checkModelName } from './build.js';

export { MODEL_NAMES, type ModelName } from './model.js';

/** The file name of a model's weights in the weights folder. */
export function weightsFileName(model: ModelName): string {
  return model === 'resnet50' ? RESNET50_FILE : 'vgg19.safetensors';
}

/**
 * Where a model's weights are found (weights-home.ts: the user cache, then a checkout's weights/), or where
 * they would go; VGG-19 must be converted by the user (no public source is reachable).
 */
export function defaultWeightsPath(model: ModelName): string {
  return findWeightsFile(weightsFileName(model));
}

/**
 * The weights file of a model: `options.weights`, else the default path (ResNet-50 fetched there on first
 * use). Throws, saying how to get the file, when it does not exist.
 */
export async function weightsFile(model: ModelName, options: { weights?: string; log?: (line: string) => void } = {}): Promise<string> {
  let path = options.weights ?? defaultWeightsPath(model);
  if (!options.weights && model === 'resnet50') path = await ensureResnet50Weights({ log: options.log });
  if (!existsSync(path)) {
    throw new Error(`${path}: no ${model} weights here. ${model === 'vgg19'
      ? `Convert torchvision/timm VGG-19 safetensors with \`swagpu weights convert --from FILE --arch vgg19 --out ${weightsDir()}/vgg19.safetensors\`.`
      : 'Run `swagpu weights fetch resnet50`.'}`);
  }
  return path;
}

/**
 * Reads and checks a weights file; when it is the default file (`weightsFile` without `weights`), a damaged
 * ResNet-50 (e.g. NaN values under a valid header) fails with how to rebuild it.
 */
export async function readWeightsFile(path: string, model: ModelName, isDefault: boolean): Promise<LoadedWeights> {
  try {
    return await loadWeights(path);
  } catch (e) {
    if (!isDefault || model !== 'resnet50') throw e;
    throw new Error(`${(e as Error).message}\nRebuild it with \`swagpu weights fetch resnet50\` (it checks every value and replaces a damaged file).`);
  }
}

const loaded = new WeakMap<GpuContext, Map<string, Promise<FeatureModel>>>();

export interface LoadModelOptions {
  weights?: string;
  /** VGG-19 pooling ('avg' as Gatys et al. suggest). */
  pooling?: 'max' | 'avg';
  log?: (line: string) => void;
}

export function loadModel(ctx: GpuContext, model: 'resnet50', options?: LoadModelOptions): Promise<ResNet50>;
export function loadModel(ctx: GpuContext, model: ModelName, options?: LoadModelOptions): Promise<FeatureModel>;
export function loadModel(ctx: GpuContext, model: ModelName, options: LoadModelOptions = {}): Promise<FeatureModel> {
  checkModelName(model);
  let cache = loaded.get(ctx);
  if (!cache) loaded.set(ctx, (cache = new Map()));
  const key = `${model}:${options.weights ?? ''}:${options.pooling ?? 'max'}`;
  let promise = cache.get(key);
  if (!promise) {
    promise = (async () => {
      const path = await weightsFile(model, options);
      const weights = await readWeightsFile(path, model, !options.weights);
      return buildModel(ctx, model, weights, options.pooling ?? 'max', path);
    })();
    cache.set(key, promise);
    promise.catch(() => cache!.delete(key));
  }
  return promise;
}
