// The oracle itself is checked against values known in closed form, so a broken oracle cannot pass silently.
import { expect, it } from 'vitest';
import { oracleGrads, oracleValue, tf, nchwToNhwc, nhwcToNchw } from './oracle.js';

it('tf.grad of sum(x^2) is 2x', () => {
  const x = new Float32Array([1, -2, 3.5]);
  const [g] = oracleGrads((t) => tf.mul(t, t), [{ data: x, shape: [3] }]);
  expect(Array.from(g)).toEqual([2, -4, 7]);
});

it('NCHW <-> NHWC round trip', () => {
  const x = Float32Array.from({ length: 2 * 3 * 4 * 5 }, (_, i) => i);
  expect(Array.from(nhwcToNchw(nchwToNhwc(x, [2, 3, 4, 5]), [2, 3, 4, 5]))).toEqual(Array.from(x));
  expect(oracleValue((t) => tf.relu(t), [{ data: new Float32Array([-1, 2]), shape: [2] }])).toEqual(new Float32Array([0, 2]));
});
