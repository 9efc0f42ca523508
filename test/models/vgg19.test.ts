// VGG-19 with seeded random weights (no pretrained VGG-19 is reachable here): every tap equals the same
// layers built in TensorFlow.js; the trunk stops at the deepest tap asked for.
import { describe, expect, it } from 'vitest';
import { getContext } from '../../src/gpu/context.js';
import { Tensor } from '../../src/engine/tensor.js';
import { noGrad, scope } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';
import { VGG19, VGG19_TAPS } from '../../src/models/vgg19.js';
import { randomVgg19 } from './fixtures.js';
import { assertClose, fastestAdapter, randn, randomArray } from '../harness.js';
import { nchwToNhwc, nhwcToNchw, tf } from '../oracle.js';


describe(`vgg19 (random weights) [${fastestAdapter()}]`, () => {
  const weights = randomVgg19();
  const H = 37;
  const W = 45; // odd sizes: pooling floors at every stage (37 -> 18 -> 9 -> 4 -> 2 -> 1)
  const input = randn(3 * H * W, 7);

  it('every relu and pool tap equals TensorFlow.js', async () => {
    const ctx = await getContext(fastestAdapter());
    const model = new VGG19(ctx, weights);
    const taps = noGrad(() => scope(() => model.features(Tensor.from(ctx, input, [1, 3, H, W]), VGG19_TAPS)));
    // The same network in tfjs, NHWC.
    let h = tf.tensor4d(nchwToNhwc(input, [1, 3, H, W]), [1, H, W, 3]);
    let conv = 0;
    const indices = [...weights.names.filter((n) => n.endsWith('.weight'))];
    for (const tap of VGG19_TAPS) {
      if (tap.startsWith('pool')) {
        h = tf.maxPool(h, 2, 2, 'valid');
      } else {
        const name = indices[conv++];
        const [o, c] = weights.shape(name);
        const w = tf.tensor4d(weights.get(name), [o, c, 3, 3]).transpose([2, 3, 1, 0]) as tf.Tensor4D;
        h = tf.relu(tf.conv2d(h, w, 1, 'same').add(tf.tensor1d(weights.get(name.replace('.weight', '.bias'))))) as tf.Tensor4D;
      }
      const ours = taps.get(tap)!;
      const [, c, hh, ww] = ours.shape;
      expect([hh, ww, c]).toEqual(h.shape.slice(1));
      const theirs = nhwcToNchw(h.dataSync(), [1, c, hh, ww]);
      const scale = Math.max(...Array.from(theirs, Math.abs));
      // float32 both sides, up to 16 convs of 4608-term sums: 1e-4 of the tap's largest value.
      assertClose(await ours.read(), theirs, { atol: 1e-4 * scale, rtol: 1e-4, what: `vgg19 ${tap}`, shape: [...ours.shape] });
    }
    for (const t of taps.values()) t.dispose();
  });

  it('runs only as deep as the deepest tap asked for', async () => {
    const ctx = await getContext(fastestAdapter());
    const model = new VGG19(ctx, weights, 'avg');
    // One conv ends in one 'conv2d' (direct) or one 'conv2dWinogradOutput' (Winograd) dispatch.
    const convs = () => (ctx.dispatchCounts.get('conv2d') ?? 0) + (ctx.dispatchCounts.get('conv2dWinogradOutput') ?? 0);
    const count = (wanted: string[]) => noGrad(() => scope(() => {
      const before = convs();
      model.features(ops.preprocess(Tensor.from(ctx, randomArray(3 * 32 * 32, 1, 0, 1), [1, 3, 32, 32]), 'torch'), wanted);
      return convs() - before;
    }));
    expect(count(['relu1_1'])).toBeLessThan(count(['relu2_1']));
    expect(count(['relu2_1'])).toBeLessThan(count(['relu5_4']));
    await ctx.sync();
  });
});
