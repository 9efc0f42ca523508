/**
 * The independent oracle: TensorFlow.js on its pure-JS CPU backend. Tests compute the same expression
 * here (values with tf ops, gradients with tf.grad) and compare with our GPU kernels.
 * Layout note: tfjs convolutions are NHWC by default; pass dataFormat 'NCHW' where supported, or use
 * `nchwToNhwc`/`nhwcToNchw` below.
 */
// The union package: its bundle registers the CPU backend, every gradient (tfjs-core alone does not:
// tf.grad then fails with "gradient function not found") and tfjs-layers, and it loads in plain Node
// as well as under Vitest.
import * as tf from '@tensorflow/tfjs';

await tf.setBackend('cpu');
export { tf };

/** Value of `f` at `inputs` as a flat Float32Array. */
export function oracleValue(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Array<{ data: Float32Array; shape: number[] }>): Float32Array {
  return tf.tidy(() => f(...inputs.map((x) => tf.tensor(x.data, x.shape))).dataSync() as Float32Array);
}

/** Gradients of sum(f(inputs) * dy) with respect to each input (dy defaults to ones: the plain sum). */
export function oracleGrads(
  f: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: Array<{ data: Float32Array; shape: number[] }>,
  dy?: Float32Array,
): Float32Array[] {
  return tf.tidy(() => {
    const xs = inputs.map((x) => tf.tensor(x.data, x.shape));
    const grads = tf.grads((...args: tf.Tensor[]) => {
      const y = f(...args);
      return dy ? tf.sum(tf.mul(y, tf.tensor(dy, y.shape))) : tf.sum(y);
    })(xs);
    return grads.map((g) => g.dataSync() as Float32Array);
  });
}

export function nchwToNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * h * w + i) * c + ch] = x[(b * c + ch) * h * w + i];
  return out;
}

export function nhwcToNchw(x: Float32Array | ArrayLike<number>, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(n * c * h * w);
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < h * w; i++) out[(b * c + ch) * h * w + i] = x[(b * h * w + i) * c + ch];
  return out;
}
