/**
 * The independent ResNet-50: TensorFlow.js layers (pure-JS CPU backend) loading the very same Keras
 * model.json + shards from the npm package, straight from the cached tgz. Tests compare our logits with it.
 */
import { tf } from '../oracle.js';
import { kerasResnet50Artifacts } from '../../src/bench/keras-resnet50.js';

let model: Promise<tf.LayersModel> | null = null;

/** The Keras ResNet-50 in tfjs-layers (loaded once per test process). */
export function kerasResnet50(): Promise<tf.LayersModel> {
  model ??= kerasResnet50Artifacts().then((a) => tf.loadLayersModel(tf.io.fromMemory(a as tf.io.ModelArtifacts & { weightSpecs: tf.io.WeightsManifestEntry[] })));
  return model;
}

/** Logits-before-softmax are not exposed by Keras' fc1000 (softmax activation): we return probabilities. */
export async function kerasProbabilities(nhwcCaffe: Float32Array): Promise<Float32Array> {
  const m = await kerasResnet50();
  return tf.tidy(() => (m.predict(tf.tensor(nhwcCaffe, [1, 224, 224, 3])) as tf.Tensor).dataSync() as Float32Array);
}
