/**
 * The remaining ops against tf.grad in one composite graph each (the kernels have their own tests; here
 * the op layer's wiring is checked: argument order, shapes, which gradient goes to which input).
 */
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, randn, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { Tensor } from '../../src/engine/tensor.js';
import { scope } from '../../src/engine/scope.js';
import { backward } from '../../src/engine/autograd.js';
import * as ops from '../../src/engine/ops.js';
import { PREPROCESS, preprocessAffine } from '../../src/kernels/image/color.js';

interface Input { data: Float32Array; shape: number[] }
const maxAbs = (v: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < v.length; i++) m = Math.max(m, Math.abs(v[i])); return m; };
const nchw = (x: tf.Tensor) => tf.transpose(x, [0, 3, 1, 2]);
const nhwc = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D;

/** y[c] = Σ_j M[c][j]·x[j] + b[c] per pixel, as the preprocess kernel. */
function tfPreprocess(x: tf.Tensor, convention: 'caffe' | 'torch'): tf.Tensor {
  const { m, b } = preprocessAffine(PREPROCESS[convention]);
  const [n, , h, w] = x.shape;
  const flat = tf.reshape(x, [n, 3, h * w]);
  const y = tf.add(tf.matMul(tf.tile(tf.tensor3d(m.flat(), [1, 3, 3]), [n, 1, 1]), flat), tf.reshape(tf.tensor1d([...b]), [1, 3, 1]));
  return tf.reshape(y, x.shape);
}

/**
 * Bilinear resize (half-pixel centres) as a matrix product, so tf.grad differentiates a matmul:
 * tfjs-cpu's ResizeBilinearGrad ignores halfPixelCenters (see test/kernels/resize.test.ts). The matrix
 * columns are tf's own forward resize applied to unit impulses.
 */
function tfResize(x: tf.Tensor, outH: number, outW: number): tf.Tensor {
  const [n, c, h, w] = x.shape;
  const impulses = tf.reshape(tf.eye(h * w), [h * w, h, w, 1]) as tf.Tensor4D;
  const r = tf.reshape(tf.image.resizeBilinear(impulses, [outH, outW], false, true), [h * w, outH * outW]);
  return tf.reshape(tf.matMul(tf.reshape(x, [n * c, h * w]), r), [n, c, outH, outW]);
}

/**
 * Graph D, an image through a small classifier head:
 *   p = preprocess(resize(x, 14, 10), torch);  a = affineRelu(p, s, t);  q = avgPool2(a)
 *   z = linear(globalAvgPool(q), W, c);  L = sum(matmul(z, M) · 1.5) + tv(clamp(x, 0.2, 0.8))
 */
function ours(x: Tensor, s: Tensor, t: Tensor, W: Tensor, c: Tensor, M: Tensor): Tensor {
  const p = ops.preprocess(ops.resize(x, 14, 10), 'torch');
  const q = ops.avgPool2d(ops.affine(p, s, t, { relu: true }), { kernel: 2 });
  const z = ops.linear(ops.globalAvgPool(q), W, c);
  return ops.addScalars(ops.sum(ops.mulScalar(ops.matmul(z, M), 1.5)), ops.tvLoss(ops.clamp(x, 0.2, 0.8)));
}

function theirs(x: tf.Tensor, s: tf.Tensor, t: tf.Tensor, W: tf.Tensor, c: tf.Tensor, M: tf.Tensor): tf.Tensor {
  const r = tfResize(x, 14, 10);
  const p = tfPreprocess(r, 'torch');
  const a = tf.relu(tf.add(tf.mul(p, tf.reshape(s, [1, 3, 1, 1])), tf.reshape(t, [1, 3, 1, 1])));
  const q = nchw(tf.avgPool(nhwc(a), 2, 2, 'valid'));
  const z = tf.add(tf.matMul(tf.mean(q, [2, 3]), W, false, true), c);
  const xc = tf.clipByValue(x, 0.2, 0.8);
  const [, , h, w] = x.shape;
  const dv = tf.sub(tf.slice(xc, [0, 0, 1, 0], [-1, -1, h - 1, -1]), tf.slice(xc, [0, 0, 0, 0], [-1, -1, h - 1, -1]));
  const dh = tf.sub(tf.slice(xc, [0, 0, 0, 1], [-1, -1, -1, w - 1]), tf.slice(xc, [0, 0, 0, 0], [-1, -1, -1, w - 1]));
  const tv = tf.div(tf.add(tf.sum(tf.square(dv)), tf.sum(tf.square(dh))), x.size);
  return tf.add(tf.sum(tf.mul(tf.matMul(z, M), 1.5)), tv);
}

describeEachAdapter('engine: ops vs tf.grad', (getCtx) => {
  const inputs: Input[] = [
    // Square input: tfjs-cpu's ResizeBilinear gradient swaps H and W of a non-square input (shape error).
    { data: randomArray(2 * 3 * 9 * 9, 1, 0, 1), shape: [2, 3, 9, 9] },
    { data: randomArray(3, 2, 0.5, 1.5), shape: [3] },
    { data: randn(3, 3, 0.3), shape: [3] },
    { data: randn(5 * 3, 4, 0.5), shape: [5, 3] },
    { data: randn(5, 5, 0.1), shape: [5] },
    { data: randn(5 * 4, 6, 0.5), shape: [5, 4] },
  ];

  it('graph D (resize, preprocess, affine+ReLU, avgPool, globalAvgPool, linear, matmul, mulScalar, sum, clamp, TV): loss and every gradient', async () => {
    const ctx = await getCtx();
    const ts = inputs.map((i) => Tensor.from(ctx, i.data, i.shape, { requiresGrad: true }));
    const loss = scope(() => {
      const l = ours(ts[0], ts[1], ts[2], ts[3], ts[4], ts[5]);
      backward(l);
      return l;
    });
    assertClose(await loss.read(), oracleValue(theirs as never, inputs), { atol: 1e-6, rtol: 1e-4, what: 'graph D loss' });
    const want = oracleGrads(theirs as never, inputs);
    const names = ['dx', 'dscale', 'dshift', 'dW', 'dc', 'dM'];
    for (let k = 0; k < ts.length; k++) {
      assertClose(await ts[k].grad!.read(), want[k], { atol: 1e-4 * maxAbs(want[k]), rtol: 1e-3, what: `graph D ${names[k]}`, shape: inputs[k].shape });
    }
    ts.forEach((t) => t.dispose());
  });

  it('maxPool2d with overlapping padded windows (ResNet stem: 3x3, stride 2, padding 1), deprocess ∘ preprocess = id, reshape', async () => {
    const ctx = await getCtx();
    const x = { data: randn(1 * 3 * 11 * 9, 7), shape: [1, 3, 11, 9] };
    const xt = Tensor.from(ctx, x.data, x.shape, { requiresGrad: true });
    const loss = scope(() => {
      const y = ops.maxPool2d(ops.deprocess(ops.preprocess(xt, 'caffe'), 'caffe'), { kernel: 3, stride: 2, padding: 1 });
      const l = ops.sum(ops.reshape(ops.mulScalar(y, 2), [y.size]));
      backward(l);
      return l;
    });
    const f = (v: tf.Tensor) => tf.mul(tf.sum(nchw(tf.maxPool(nhwc(v), 3, 2, [[0, 0], [1, 1], [1, 1], [0, 0]] as never))), 2);
    assertClose(await loss.read(), oracleValue(f as never, [x]), { atol: 1e-4, rtol: 1e-4, what: 'maxPool loss' });
    assertClose(await xt.grad!.read(), oracleGrads(f as never, [x])[0], { atol: 1e-4, rtol: 1e-4, what: 'maxPool dx', shape: x.shape });
    expect(xt.grad!.shape).toEqual(x.shape);
    xt.dispose();
  });
});
