/**
 * Small composite graphs used by the engine tests, written twice: with engine ops on the GPU and with
 * TensorFlow.js ops (the oracle). Layouts: NCHW activations, OIHW weights on our side; the tf versions
 * transpose to NHWC/HWIO, run, and transpose back.
 */
import { tf } from '../oracle.js';
import * as ops from '../../src/engine/ops.js';
import type { Tensor } from '../../src/engine/tensor.js';

export const tfConv = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null, stride: number, pad: number): tf.Tensor => {
  const xh = tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;
  const wh = tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
  const padded = pad > 0 ? tf.pad(xh, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : xh;
  let y: tf.Tensor = tf.conv2d(padded as tf.Tensor4D, wh, stride, 'valid');
  if (b) y = tf.add(y, b);
  return tf.transpose(y, [0, 3, 1, 2]);
};

export const tfGram = (f: tf.Tensor): tf.Tensor => {
  const [n, c, h, w] = f.shape;
  const m = tf.reshape(f, [n, c, h * w]);
  return tf.div(tf.matMul(m, m, false, true), c * h * w);
};

export const tfMse = (a: tf.Tensor, b: tf.Tensor): tf.Tensor => tf.mean(tf.square(tf.sub(a, b)));

/** PyTorch-style max pool (no padding) on NCHW via NHWC. */
export const tfMaxPool = (x: tf.Tensor, k: number, s: number): tf.Tensor =>
  tf.transpose(tf.maxPool(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, k, s, 'valid'), [0, 3, 1, 2]);

/** Σ of squared neighbour differences / element count, as the tvLoss kernel. */
export const tfTv = (x: tf.Tensor): tf.Tensor => {
  const [, , h, w] = x.shape;
  const dv = tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, -1, h - 1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, h - 1, -1]));
  const dh = tf.sub(tf.slice(x, [0, 0, 0, 1], [-1, -1, -1, w - 1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, -1, w - 1]));
  return tf.div(tf.add(tf.sum(tf.square(dv)), tf.sum(tf.square(dh))), x.size);
};

/**
 * Graph A (a residual block feeding a style loss):
 *   h1 = relu(conv3x3(x, w1) + b1);  h2 = conv3x3(h1, w2) + b2;  r = relu(h2 + h1);  L = mse(gram(r), T)
 */
export function graphA(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, target: Tensor): Tensor {
  const h1 = ops.conv2d(x, w1, b1, { padding: 1, relu: true });
  const h2 = ops.conv2d(h1, w2, b2, { padding: 1 });
  const r = ops.relu(ops.add(h2, h1));
  return ops.mseLoss(ops.gram(r), target);
}

/** Graph A with the residual block as one op: r = relu(conv3x3(h1, w2) + b2 + h1) (conv2d's `residual`). */
export function graphAFused(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, target: Tensor): Tensor {
  const h1 = ops.conv2d(x, w1, b1, { padding: 1, relu: true });
  const r = ops.conv2d(h1, w2, b2, { padding: 1, relu: true, residual: h1 });
  return ops.mseLoss(ops.gram(r), target);
}

/**
 * Graph D (a bottleneck's tail on the 1x1 route, the shortcut fused into the conv):
 *   h = relu(conv1x1(x, w1) + b1);  r = relu(conv1x1(h, w2) + b2 + x);  L = mse(gram(r), T)
 */
export function graphD(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, target: Tensor): Tensor {
  const h = ops.conv2d(x, w1, b1, { relu: true });
  return ops.mseLoss(ops.gram(ops.conv2d(h, w2, b2, { relu: true, residual: x })), target);
}

export function tfGraphD(x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const h = tf.relu(tfConv(x, w1, b1, 1, 0));
  return tfMse(tfGram(tf.relu(tf.add(tfConv(h, w2, b2, 1, 0), x))), target);
}

export function tfGraphA(x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor, target: tf.Tensor): tf.Tensor {
  const h1 = tf.relu(tfConv(x, w1, b1, 1, 1));
  const h2 = tfConv(h1, w2, b2, 1, 1);
  const r = tf.relu(tf.add(h2, h1));
  return tfMse(tfGram(r), target);
}

/**
 * Graph B (pooling, strided conv, several weighted terms on GPU scalars):
 *   p = maxPool2(relu(conv3x3(x, w1) + b1));  q = conv3x3/stride2(p, w2) (no bias)
 *   L = 0.7·mse(gram(q), T) + 0.3·mse(q, Q) + 2·tv(x)
 */
export function graphB(x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, target: Tensor, content: Tensor): Tensor {
  const p = ops.maxPool2d(ops.conv2d(x, w1, b1, { padding: 1, relu: true }), { kernel: 2 });
  const q = ops.conv2d(p, w2, null, { padding: 1, stride: 2 });
  return ops.weightedSum([ops.mseLoss(ops.gram(q), target), ops.mseLoss(q, content), ops.tvLoss(x)], [0.7, 0.3, 2]);
}

export function tfGraphB(x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, target: tf.Tensor, content: tf.Tensor): tf.Tensor {
  const p = tfMaxPool(tf.relu(tfConv(x, w1, b1, 1, 1)), 2, 2);
  const q = tfConv(p, w2, null, 2, 1);
  return tf.addN([tf.mul(tfMse(tfGram(q), target), 0.7), tf.mul(tfMse(q, content), 0.3), tf.mul(tfTv(x), 2)]);
}

export interface SmoothCase { mode: 'softmax' | 'channel-softmax'; temperature: number; outputScale: number }

/** tf version of ops.smooth: k·softmax(x/T) over each item's C·H·W values, or over C per pixel. */
export function tfSmooth(x: tf.Tensor, c: SmoothCase): tf.Tensor {
  const [n, ch, h, w] = x.shape;
  if (c.mode === 'softmax') return tf.mul(tf.reshape(tf.softmax(tf.reshape(tf.div(x, c.temperature), [n, ch * h * w])), x.shape), c.outputScale);
  const nhwc = tf.transpose(tf.div(x, c.temperature), [0, 2, 3, 1]);
  return tf.mul(tf.transpose(tf.softmax(nhwc), [0, 3, 1, 2]), c.outputScale);
}

/**
 * Graph C (the chain with SWAG smoothing in it: a residual block, then σ before both losses):
 *   h = relu(conv3x3(x, w1) + b1);  r = conv3x3(h, w2) + h;  s = smooth(r);  L = mse(gram(s), T) + 0.5·mse(s, S)
 */
export function graphC(c: SmoothCase) {
  return {
    ours: (x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, target: Tensor, content: Tensor): Tensor => {
      const h = ops.conv2d(x, w1, b1, { padding: 1, relu: true });
      const s = ops.smooth(ops.add(ops.conv2d(h, w2, null, { padding: 1 }), h), c);
      return ops.weightedSum([ops.mseLoss(ops.gram(s), target), ops.mseLoss(s, content)], [1, 0.5]);
    },
    tf: (x: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, target: tf.Tensor, content: tf.Tensor): tf.Tensor => {
      const h = tf.relu(tfConv(x, w1, b1, 1, 1));
      const s = tfSmooth(tf.add(tfConv(h, w2, null, 1, 1), h), c);
      return tf.add(tfMse(tfGram(s), target), tf.mul(tfMse(s, content), 0.5));
    },
  };
}
