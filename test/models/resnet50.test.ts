// ResNet-50 with the real Keras ImageNet weights: labels of two photos, and logits against TensorFlow.js
// running the very same model.json (tfjs-layers, CPU) on the same preprocessed input.
import { beforeAll, describe, expect, it } from 'vitest';
import { getContext, type GpuContext } from '../../src/gpu/context.js';
import { loadModel } from '../../src/models/load.js';
import { classify, logits, softmax } from '../../src/models/classify.js';
import { foldBatchNorm, type ResNet50 } from '../../src/models/resnet50.js';
import { loadImage } from '../../src/io/image.js';
import type { Image } from '../../src/style/image.js';
import { fastestAdapter, randomArray, assertClose } from '../harness.js';
import { tf } from '../oracle.js';
import { kerasResnet50 } from './keras-oracle.js';

const IMAGES = 'assets/images/content';

/** Caffe preprocessing on the CPU, NHWC for tfjs: BGR, 0..255, minus the ImageNet mean. */
function caffeNhwc(image: Image): Float32Array {
  const mean = [103.939, 116.779, 123.68];
  const plane = image.width * image.height;
  const out = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[i * 3 + c] = image.data[(2 - c) * plane + i] * 255 - mean[c];
  return out;
}

/** Keras logits in float64: fc1000's kernel and bias applied to tfjs's avg_pool output. */
async function kerasLogits(image: Image): Promise<Float64Array> {
  const model = await kerasResnet50();
  const trunk = tf.model({ inputs: model.inputs, outputs: model.getLayer('avg_pool').output as tf.SymbolicTensor });
  const pooled = tf.tidy(() => (trunk.predict(tf.tensor(caffeNhwc(image), [1, image.height, image.width, 3])) as tf.Tensor).dataSync());
  const [kernel, bias] = model.getLayer('fc1000').getWeights().map((w) => w.dataSync());
  const out = new Float64Array(1000);
  for (let o = 0; o < 1000; o++) {
    let s = bias[o];
    for (let i = 0; i < 2048; i++) s += pooled[i] * kernel[i * 1000 + o];
    out[o] = s;
  }
  return out;
}

describe(`resnet50 with Keras ImageNet weights [${fastestAdapter()}]`, () => {
  let ctx: GpuContext;
  let model: ResNet50;
  beforeAll(async () => {
    ctx = await getContext(fastestAdapter());
    model = await loadModel(ctx, 'resnet50');
  });

  for (const [file, index, label] of [['chelsea.png', 285, 'Egyptian_cat'], ['coffee.png', 967, 'espresso']] as const) {
    it(`${file}: top-1 is ${index} ${label}, logits and probabilities match TensorFlow.js`, async () => {
      const image = await loadImage(`${IMAGES}/${file}`, { kind: 'exact', width: 224, height: 224 });
      const ours = await logits(ctx, model, image);
      const theirs = await kerasLogits(image);
      const maxLogit = Math.max(...Array.from(theirs, Math.abs));
      // Tolerance: float32 through 53 convolutions of up to 4608-term sums, vs tfjs's float32 in another
      // summation order; 1e-3 of the largest logit (the bound) covers it with a wide margin.
      assertClose(ours, theirs, { atol: 1e-3 * maxLogit, rtol: 0, what: `resnet50 logits (${file})` });
      const top = await classify(ctx, model, image);
      expect(top[0].index).toBe(index);
      expect(top[0].label).toBe(label);
      const theirProbs = softmax(theirs);
      expect(Math.abs(top[0].prob - theirProbs[index])).toBeLessThan(0.01);
    });
  }
});

describe('BatchNorm folding', () => {
  it('conv+BN equals the folded conv on random values (per-channel formula)', () => {
    const [o, perOut] = [3, 5];
    const w = randomArray(o * perOut, 1);
    const b = randomArray(o, 2);
    const bn = { gamma: randomArray(o, 3), beta: randomArray(o, 4), mean: randomArray(o, 5), variance: randomArray(o, 6, 0.1, 2), eps: 1e-3 };
    const x = randomArray(perOut, 7);
    const folded = foldBatchNorm(w, b, bn);
    for (let c = 0; c < o; c++) {
      let z = b[c];
      let zf = folded.bias[c];
      for (let i = 0; i < perOut; i++) { z += w[c * perOut + i] * x[i]; zf += folded.weight[c * perOut + i] * x[i]; }
      const bnOut = (bn.gamma[c] * (z - bn.mean[c])) / Math.sqrt(bn.variance[c] + bn.eps) + bn.beta[c];
      expect(zf).toBeCloseTo(bnOut, 5);
    }
  });
});
