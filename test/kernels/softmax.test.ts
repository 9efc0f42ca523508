import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { swagSmoothing, swagSmoothingBackward, type SmoothingOptions } from '../../src/kernels/reduce/softmax.js';
import type { Shape4 } from '../../src/kernels/shape.js';
import * as ref from '../../src/kernels/reduce/softmax.reference.js';

// Kernel file under test: src/kernels/reduce/softmax.wgsl (SWAG smoothing: softmax, channel softmax).
// Tolerances: softmax outputs are small (≈ 1/(C·H·W) for the whole-map softmax), so the check is
// relative: rtol 1e-4 covers f32 exp (a few ulps of arguments up to |x/T| = 2) and the f32 sum of up
// to 25k exponentials; atol 1e-10 only absorbs values near zero.

/** The same smoothing in tf: softmax along the last axis of a reshaped/transposed view. */
function tfSmooth([n, c, h, w]: Shape4, opts: SmoothingOptions) {
  const t = opts.temperature ?? 1;
  return (x: tf.Tensor) => {
    if (opts.mode === 'softmax') return tf.reshape(tf.softmax(tf.div(tf.reshape(x, [n, c * h * w]), t)), [n, c, h, w]);
    const nhwc = tf.transpose(x, [0, 2, 3, 1]);
    return tf.transpose(tf.softmax(tf.div(nhwc, t)), [0, 3, 1, 2]);
  };
}

describeEachAdapter('softmax', (getCtx) => {
  const configs: Array<{ shape: Shape4; opts: SmoothingOptions }> = [];
  for (const shape of [[1, 3, 37, 29], [2, 65, 17, 23]] as Shape4[]) {
    for (const temperature of [1, 0.5]) {
      configs.push({ shape, opts: { mode: 'softmax', temperature } }, { shape, opts: { mode: 'channel-softmax', temperature } });
    }
  }

  for (const { shape, opts } of configs) {
    const total = shape.reduce((p, q) => p * q);
    const x = randomArray(total, 61);
    const dy = randomArray(total, 62);
    const label = `${opts.mode} T=${opts.temperature} [${shape}]`;

    it(`${label}: forward and backward vs reference, tf (softmax / tf.grad) and finite differences`, async () => {
      const ctx = await getCtx();
      const [y, dx] = [total, total].map((k) => ctx.pool.acquire(k * 4));
      swagSmoothing(ctx, ctx.bufferFrom(x), y, shape, opts);
      swagSmoothingBackward(ctx, y, ctx.bufferFrom(dy), dx, shape, opts);
      const gotY = await ctx.readF32(y, total);
      const gotDx = await ctx.readF32(dx, total);
      const tol = { atol: 1e-10, rtol: 1e-4 };
      assertClose(gotY, ref.swagSmoothing(x, shape, opts), { ...tol, what: `swagSmoothing ${label}`, shape });
      assertClose(gotY, oracleValue(tfSmooth(shape, opts), [{ data: x, shape }]), { ...tol, what: `swagSmoothing vs tf ${label}`, shape });
      const rdx = ref.swagSmoothingBackward(x, dy, shape, opts);
      const btol = { ...tol, atol: Math.max(tol.atol, 1e-5 * rdx.reduce((m, v) => Math.max(m, Math.abs(v)), 0)) };
      assertClose(gotDx, rdx, { ...btol, what: `swagSmoothingBackward ${label}`, shape });
      assertClose(gotDx, oracleGrads(tfSmooth(shape, opts), [{ data: x, shape }], dy)[0], { ...btol, what: `swagSmoothingBackward vs tf.grad ${label}`, shape });
      checkFiniteDifferences(`swagSmoothing ${label}`, (v) => dot(ref.swagSmoothing(v, shape, opts), dy), x, rdx, { samples: 6, atol: 1e-11 });
    });
  }

  it('whole-map softmax splits each item into chunks when the binding limit is lowered (4 KiB)', async () => {
    const ctx = await getCtx();
    const shape: Shape4 = [2, 65, 17, 23]; // item 1 starts at element 25415: an unaligned chunk start
    const total = 2 * 65 * 17 * 23;
    const x = randomArray(total, 63);
    const dy = randomArray(total, 64);
    const opts: SmoothingOptions = { mode: 'softmax', temperature: 0.5 };
    const saved = ctx.maxBindingBytes;
    ctx.maxBindingBytes = 4096;
    try {
      const before = ctx.dispatchCounts.get('softmaxStats') ?? 0;
      const [y, dx] = [total, total].map((k) => ctx.pool.acquire(k * 4));
      swagSmoothing(ctx, ctx.bufferFrom(x), y, shape, opts);
      swagSmoothingBackward(ctx, y, ctx.bufferFrom(dy), dx, shape, opts);
      expect((ctx.dispatchCounts.get('softmaxStats') ?? 0) - before).toBeGreaterThan(40);
      assertClose(await ctx.readF32(y, total), ref.swagSmoothing(x, shape, opts), { atol: 1e-10, rtol: 1e-4, what: 'softmax (chunked)', shape });
      const rdx = ref.swagSmoothingBackward(x, dy, shape, opts);
      const atol = 1e-5 * rdx.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      assertClose(await ctx.readF32(dx, total), rdx, { atol, rtol: 1e-4, what: 'softmax backward (chunked)', shape });
    } finally {
      ctx.maxBindingBytes = saved;
    }
  });

  it('is numerically stable for large activations (|x/T| up to 400: exp would overflow without the max)', async () => {
    const ctx = await getCtx();
    const shape: Shape4 = [1, 64, 9, 11];
    const total = 64 * 9 * 11;
    const x = randomArray(total, 65, -200, 200);
    for (const mode of ['softmax', 'channel-softmax'] as const) {
      const opts: SmoothingOptions = { mode, temperature: 0.5 };
      const y = ctx.pool.acquire(total * 4);
      swagSmoothing(ctx, ctx.bufferFrom(x), y, shape, opts);
      const got = await ctx.readF32(y, total);
      expect(got.every(Number.isFinite)).toBe(true);
      assertClose(got, ref.swagSmoothing(x, shape, opts), { atol: 1e-6, rtol: 1e-3, what: `${mode} (large inputs)`, shape });
    }
  });
});
