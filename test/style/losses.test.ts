// The style-transfer objective (content + Gram style + TV, with each SWAG smoothing mode) and its image
// gradient, on a small random network, against the same formulas written directly in TensorFlow.js.
import { expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/context.js';
import { Tensor } from '../../src/engine/tensor.js';
import { keep } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';
import type { FeatureModel } from '../../src/models/model.js';
import { createObjective, imageTensor, type LossSpec } from '../../src/style/objective.js';
import type { Image } from '../../src/style/image.js';
import { SCALE_ALPHA } from '../../src/engine/ops.js';
import type { SmoothingMode } from '../../src/engine/ops.js';
import { assertClose, describeEachAdapter, randn, randomArray } from '../harness.js';
import { nchwToNhwc, nhwcToNchw, tf } from '../oracle.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];
const W1 = { data: randn(5 * 3 * 3 * 3, 11, 0.4), shape: [5, 3, 3, 3] };
const B1 = randomArray(5, 12, -0.1, 0.1);
const W2 = { data: randn(7 * 5 * 3 * 3, 13, 0.3), shape: [7, 5, 3, 3] };
const B2 = randomArray(7, 14, -0.1, 0.1);

/** Two conv+ReLU layers; tap 'b' has stride 2. */
class TinyNet implements FeatureModel {
  readonly name = 'vgg19';
  readonly taps = ['a', 'b'];
  readonly preprocess = 'torch' as const;
  private params: Tensor[];
  constructor(ctx: GpuContext) {
    this.params = [
      keep(Tensor.from(ctx, W1.data, W1.shape)), keep(Tensor.from(ctx, B1, [5])),
      keep(Tensor.from(ctx, W2.data, W2.shape)), keep(Tensor.from(ctx, B2, [7])),
    ];
  }
  features(x: Tensor, wanted: readonly string[]): Map<string, Tensor> {
    const a = ops.conv2d(x, this.params[0], this.params[1], { stride: 1, padding: 1, relu: true });
    const b = ops.conv2d(a, this.params[2], this.params[3], { stride: 2, padding: 1, relu: true });
    return new Map([['a', a], ['b', b]].filter(([t]) => wanted.includes(t as string)) as [string, Tensor][]);
  }
}

/** The objective written literally in tfjs (NHWC), no normalisation tricks. */
function tfObjective(spec: LossSpec, content: Image, style: Image) {
  const toNhwc = (img: Image) => tf.tensor4d(nchwToNhwc(img.data, [1, 3, img.height, img.width]), [1, img.height, img.width, 3]);
  const w1 = tf.tensor(nchwToNhwc(W1.data, [5, 3, 3, 3]), [5, 3, 3, 3]).transpose([1, 2, 3, 0]); // OHWI -> HWIO
  const w2 = tf.tensor(nchwToNhwc(W2.data, [7, 5, 3, 3]), [7, 3, 3, 5]).transpose([1, 2, 3, 0]);
  const features = (x: tf.Tensor4D) => {
    const pre = x.sub(tf.tensor1d(MEAN)).div(tf.tensor1d(STD)) as tf.Tensor4D;
    const a = tf.relu(tf.conv2d(pre, w1 as tf.Tensor4D, 1, 'same').add(tf.tensor1d(B1))) as tf.Tensor4D;
    const b = tf.relu(tf.conv2d(tf.pad(a, [[0, 0], [1, 1], [1, 1], [0, 0]]), w2 as tf.Tensor4D, 2, 'valid').add(tf.tensor1d(B2))) as tf.Tensor4D;
    return { a, b } as Record<string, tf.Tensor4D>;
  };
  const smooth = (f: tf.Tensor4D, tap: string): tf.Tensor4D => {
    const mode = spec.smoothLayers === 'all' || spec.smoothLayers.includes(tap) ? spec.smoothing : 'none';
    const T = spec.temperature;
    if (mode === 'softmax') return tf.softmax(f.div(T).reshape([1, -1])).reshape(f.shape) as tf.Tensor4D;
    if (mode === 'channel-softmax') return tf.softmax(f.div(T), -1) as tf.Tensor4D;
    if (mode === 'scale') return f.mul(SCALE_ALPHA) as tf.Tensor4D;
    return f;
  };
  const gram = (f: tf.Tensor4D) => {
    const [, h, w, c] = f.shape;
    const m = f.reshape([h * w, c]);
    return tf.matMul(m, m, true, false).div(c * h * w);
  };
  const cf = features(toNhwc(content));
  const sf = features(toNhwc(style));
  return (x: tf.Tensor4D) => {
    const f = features(x);
    let loss = tf.scalar(0);
    spec.contentLayers.forEach((t) => { loss = loss.add(tf.mean(tf.squaredDifference(smooth(f[t], t), smooth(cf[t], t))).mul(spec.contentWeight)); });
    spec.styleLayers.forEach((t, i) => {
      loss = loss.add(tf.mean(tf.squaredDifference(gram(smooth(f[t], t)), gram(smooth(sf[t], t)))).mul(spec.styleWeight * spec.styleLayerWeights[i]));
    });
    if (spec.tvWeight > 0) {
      const dy = x.slice([0, 1, 0, 0], [-1, -1, -1, -1]).sub(x.slice([0, 0, 0, 0], [-1, x.shape[1] - 1, -1, -1]));
      const dx = x.slice([0, 0, 1, 0], [-1, -1, -1, -1]).sub(x.slice([0, 0, 0, 0], [-1, -1, x.shape[2] - 1, -1]));
      loss = loss.add(tf.sum(dy.square()).add(tf.sum(dx.square())).div(x.size).mul(spec.tvWeight));
    }
    return loss;
  };
}

const H = 13;
const W = 11;
const content: Image = { data: randomArray(3 * H * W, 21, 0, 1), width: W, height: H };
const style: Image = { data: randomArray(3 * H * W, 22, 0, 1), width: W, height: H };
const x0: Image = { data: randomArray(3 * H * W, 23, 0, 1), width: W, height: H };

/** Style weights that put every term near 1 for each mode (the magnitudes differ by orders). */
const STYLE_WEIGHT: Record<SmoothingMode, number> = { none: 10, softmax: 1e12, 'channel-softmax': 1e4, scale: 1e13 };
const CONTENT_WEIGHT: Record<SmoothingMode, number> = { none: 1, softmax: 1e6, 'channel-softmax': 10, scale: 1e6 };

describeEachAdapter('style objective vs TensorFlow.js', (getCtx) => {
  for (const mode of ['none', 'softmax', 'channel-softmax', 'scale'] as const) {
    it(`loss and image gradient, smoothing ${mode}`, async () => {
      const ctx = await getCtx();
      const spec: LossSpec = {
        contentLayers: ['b'], styleLayers: ['a', 'b'], styleLayerWeights: [1, 0.5], smoothing: mode, smoothLayers: 'all',
        temperature: mode === 'softmax' ? 0.5 : 1, contentWeight: CONTENT_WEIGHT[mode], styleWeight: STYLE_WEIGHT[mode], tvWeight: 0.3,
      };
      const objective = createObjective(ctx, new TinyNet(ctx), content, style, spec);
      const x = imageTensor(ctx, x0, 'x', true);
      const { loss } = objective.evaluate(x);
      const ours = (await loss.read())[0];
      const grad = await x.grad!.read();
      objective.dispose();

      const f = tfObjective(spec, content, style);
      const xt = tf.tensor(nchwToNhwc(x0.data, [1, 3, H, W]), [1, H, W, 3]) as tf.Tensor4D;
      const theirs = f(xt).dataSync()[0];
      const theirGrad = nhwcToNchw(tf.grad((v: tf.Tensor) => f(v as tf.Tensor4D))(xt).dataSync(), [1, 3, H, W]);
      expect(theirs).toBeGreaterThan(0.1); // the weights above make the test meaningful
      // float32 on both sides through two convs and squared Gram differences: rtol 1e-3.
      assertClose([ours], [theirs], { atol: 0, rtol: 1e-3, what: `loss (${mode})` });
      const gmax = Math.max(...Array.from(theirGrad, Math.abs));
      assertClose(grad, theirGrad, { atol: 2e-3 * gmax, rtol: 2e-3, what: `image gradient (${mode})`, shape: [1, 3, H, W] });
    });
  }
});
