/**
 * The TF.js ResNet-50 evaluation peer (src/bench/peer-tfjs-eval.ts) computes the same objective as ours: on our
 * bench images at 64 px, the first loss of its 'ops' path (tf ops on our weights file, BatchNorm folded, the split
 * softmax) and of its 'layers' path (the Keras model through tfjs-layers, tf.softmax) equal ours (an independent
 * implementation: TF.js's convs, softmax and losses), and its gradient has the image's shape and is finite.
 */
import { expect, it } from 'vitest';
import { getContext } from '../../src/gpu/context.js';
import { loadModel, weightsFile } from '../../src/models/load.js';
import { loadWeights } from '../../src/models/weights.js';
import { styleEvaluation } from '../../src/bench/evaluate.js';
import { defaultContent, defaultStyle } from '../../src/bench/synthetic-images.js';
import { tfjsPeer } from '../../src/bench/peer-tfjs-node.js';
import { tfjsEvaluation } from '../../src/bench/peer-tfjs-eval.js';
import { kerasResnet50Artifacts } from '../../src/bench/keras-resnet50.js';

it('the TF.js ResNet-50 peer (ops and layers paths) has our first loss on the same images (64 px)', async () => {
  const size = 64;
  const ctx = await getContext('llvmpipe');
  const model = await loadModel(ctx, 'resnet50', { log: () => {} });
  const ev = styleEvaluation(ctx, model, size);
  ev.run();
  await ctx.sync();
  const ours = await ev.loss();
  ev.dispose();
  await tfjsPeer('llvmpipe');
  const tf = await import('@tensorflow/tfjs-core');
  const images = { content: defaultContent(size, size), style: defaultStyle(size, size) };
  const resnet50Weights = async () => loadWeights(await weightsFile('resnet50', { log: () => {} }));
  for (const [resnet50Path, softmax] of [['ops', 'split'], ['layers', 'tf']] as const) {
    const peer = await tfjsEvaluation(tf, 'resnet50', size, { resnet50Weights, kerasResnet50: kerasResnet50Artifacts, resnet50Path, softmax, images });
    try {
      const loss = await peer.loss();
      expect(Math.abs(loss - ours) / ours, `${resnet50Path}: tfjs ${loss} vs ours ${ours}`).toBeLessThan(1e-5);
      const grad = peer.run();
      expect(grad.shape).toEqual([1, size, size, 3]);
      const values = await grad.data();
      grad.dispose();
      expect(values.every(Number.isFinite) && values.some((v) => v !== 0)).toBe(true);
    } finally {
      peer.dispose();
    }
  }
}, 300_000);
