import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf, nchwToNhwc, nhwcToNchw } from '../oracle.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import {
  maxPool2d, maxPool2dBackward, avgPool2d, avgPool2dBackward, globalAvgPool, globalAvgPoolBackward,
  pool2dGeometry, type Pool2dParams,
} from '../../src/kernels/image/pool.js';
import type { Shape4 } from '../../src/kernels/shape.js';
import * as ref from '../../src/kernels/image/pool.reference.js';

// Kernel file under test: src/kernels/image/pool.wgsl.
// Tolerances: max pooling copies values (exact); average pooling sums <= 9 values in f32 (atol 1e-6).

/** The same pooling in tf (NHWC inside): explicit padding by tf.pad, then 'valid' pooling. */
function tfPool(kind: 'max' | 'avg', shape: Shape4, { kernel: k, stride: s, padding: p = 0 }: Pool2dParams) {
  const [, c, h, w] = shape;
  return (x: tf.Tensor) => {
    const nhwc = tf.transpose(tf.reshape(x, shape), [0, 2, 3, 1]) as tf.Tensor4D;
    const pads: Array<[number, number]> = [[0, 0], [p, p], [p, p], [0, 0]];
    let y: tf.Tensor4D;
    if (kind === 'max') {
      y = tf.maxPool(tf.pad(nhwc, pads, -1e9), k, s, 'valid');
    } else {
      // count_include_pad = false: sum of real cells / number of real cells.
      const ones = tf.ones([1, h, w, c]) as tf.Tensor4D;
      y = tf.div(tf.avgPool(tf.pad(nhwc, pads), k, s, 'valid'), tf.avgPool(tf.pad(ones, pads), k, s, 'valid'));
    }
    return tf.transpose(y, [0, 3, 1, 2]);
  };
}

describeEachAdapter('pool', (getCtx) => {
  const cases: Array<{ shape: Shape4; params: Pool2dParams; why: string }> = [
    { shape: [1, 3, 37, 29], params: { kernel: 2, stride: 2 }, why: 'VGG 2x2/s2, odd sizes drop the last row/col' },
    { shape: [2, 65, 17, 23], params: { kernel: 3, stride: 2, padding: 1 }, why: 'ResNet stem 3x3/s2 pad 1, overlapping windows' },
    { shape: [1, 64, 11, 13], params: { kernel: 3, stride: 1, padding: 1 }, why: '3x3/s1 pad 1, heavy overlap' },
  ];
  for (const { shape, params, why } of cases) {
    const g = pool2dGeometry('test', shape, params);
    const total = g.n * g.c * g.h * g.w;
    const outShape = [g.n, g.c, g.outH, g.outW];
    const outTotal = g.n * g.c * g.outH * g.outW;
    const x = randomArray(total, 11);
    const dy = randomArray(outTotal, 12);

    it(`maxPool2d ${why}: forward, argmax and backward vs reference, tf and finite differences`, async () => {
      const ctx = await getCtx();
      const y = ctx.pool.acquire(outTotal * 4);
      const argmax = ctx.pool.acquire(outTotal * 4);
      const dx = ctx.pool.acquire(total * 4);
      maxPool2d(ctx, ctx.bufferFrom(x), y, argmax, shape, params);
      maxPool2dBackward(ctx, ctx.bufferFrom(dy), argmax, dx, shape, params);
      const r = ref.maxPool2d(x, shape, params);
      const gotY = await ctx.readF32(y, outTotal);
      assertClose(gotY, r.y, { atol: 0, rtol: 0, what: 'maxPool2d', shape: outShape });
      expect(Array.from(new Uint32Array(await ctx.readBytes(argmax, outTotal * 4)))).toEqual(Array.from(r.argmax));
      const rdx = ref.maxPool2dBackward(dy, r.argmax, shape, params);
      const gotDx = await ctx.readF32(dx, total);
      assertClose(gotDx, rdx, { atol: 1e-6, what: 'maxPool2dBackward', shape });
      const input = [{ data: nchwToNhwc(x, shape), shape: [g.n, g.h, g.w, g.c] }];
      const f = (t: tf.Tensor) => tfPool('max', shape, params)(tf.transpose(t, [0, 3, 1, 2]));
      assertClose(gotY, oracleValue(f, input), { atol: 0, rtol: 0, what: 'maxPool2d vs tf', shape: outShape });
      assertClose(gotDx, nhwcToNchw(oracleGrads(f, input, dy)[0], shape), { atol: 1e-6, what: 'maxPool2dBackward vs tf.grad', shape });
      checkFiniteDifferences('maxPool2d', (v) => dot(ref.maxPool2d(v, shape, params).y, dy), x, rdx, { h: 1e-7, samples: 20 });
    });

    it(`avgPool2d ${why}: forward and backward vs reference, tf and finite differences`, async () => {
      const ctx = await getCtx();
      const y = ctx.pool.acquire(outTotal * 4);
      const dx = ctx.pool.acquire(total * 4);
      avgPool2d(ctx, ctx.bufferFrom(x), y, shape, params);
      avgPool2dBackward(ctx, ctx.bufferFrom(dy), dx, shape, params);
      const gotY = await ctx.readF32(y, outTotal);
      const gotDx = await ctx.readF32(dx, total);
      const rdx = ref.avgPool2dBackward(dy, shape, params);
      assertClose(gotY, ref.avgPool2d(x, shape, params), { atol: 1e-6, what: 'avgPool2d', shape: outShape });
      assertClose(gotDx, rdx, { atol: 1e-6, what: 'avgPool2dBackward', shape });
      const input = [{ data: nchwToNhwc(x, shape), shape: [g.n, g.h, g.w, g.c] }];
      const f = (t: tf.Tensor) => tfPool('avg', shape, params)(tf.transpose(t, [0, 3, 1, 2]));
      assertClose(gotY, oracleValue(f, input), { atol: 1e-6, what: 'avgPool2d vs tf', shape: outShape });
      assertClose(gotDx, nhwcToNchw(oracleGrads(f, input, dy)[0], shape), { atol: 1e-6, what: 'avgPool2dBackward vs tf.grad', shape });
      checkFiniteDifferences('avgPool2d', (v) => dot(ref.avgPool2d(v, shape, params), dy), x, rdx);
    });
  }

  for (const shape of [[2, 65, 17, 23], [1, 129, 7, 5]] as Shape4[]) {
    it(`globalAvgPool [${shape}]: forward and backward vs reference, tf and finite differences`, async () => {
      const ctx = await getCtx();
      const [n, c, h, w] = shape;
      const total = n * c * h * w;
      const x = randomArray(total, 21);
      const dy = randomArray(n * c, 22);
      const y = ctx.pool.acquire(n * c * 4);
      const dx = ctx.pool.acquire(total * 4);
      globalAvgPool(ctx, ctx.bufferFrom(x), y, shape);
      globalAvgPoolBackward(ctx, ctx.bufferFrom(dy), dx, shape);
      const gotY = await ctx.readF32(y, n * c);
      const gotDx = await ctx.readF32(dx, total);
      const rdx = ref.globalAvgPoolBackward(dy, shape);
      assertClose(gotY, ref.globalAvgPool(x, shape), { atol: 1e-6, what: 'globalAvgPool', shape: [n, c] });
      assertClose(gotDx, rdx, { atol: 1e-7, what: 'globalAvgPoolBackward', shape });
      const f = (t: tf.Tensor) => tf.mean(t, [2, 3]);
      assertClose(gotY, oracleValue(f, [{ data: x, shape }]), { atol: 1e-6, what: 'globalAvgPool vs tf', shape: [n, c] });
      assertClose(gotDx, oracleGrads(f, [{ data: x, shape }], dy)[0], { atol: 1e-7, what: 'globalAvgPoolBackward vs tf.grad', shape });
      checkFiniteDifferences('globalAvgPool', (v) => dot(ref.globalAvgPool(v, shape), dy), x, rdx);
    });
  }

  it('splits the planes into chunks when the binding limit is lowered (8 KiB)', async () => {
    const ctx = await getCtx();
    const shape: Shape4 = [2, 65, 17, 23];
    const params = { kernel: 3, stride: 2, padding: 1 };
    const g = pool2dGeometry('test', shape, params);
    const total = 2 * 65 * 17 * 23;
    const outTotal = 2 * 65 * g.outH * g.outW;
    const x = randomArray(total, 31);
    const dy = randomArray(outTotal, 32);
    const saved = ctx.maxBindingBytes;
    ctx.maxBindingBytes = 8192;
    try {
      const before = ctx.dispatchCounts.get('maxPool2d') ?? 0;
      const [y, argmax, dx, ya, gy] = [outTotal, outTotal, total, outTotal, 130].map((k) => ctx.pool.acquire(k * 4));
      const xB = ctx.bufferFrom(x);
      maxPool2d(ctx, xB, y, argmax, shape, params);
      maxPool2dBackward(ctx, ctx.bufferFrom(dy), argmax, dx, shape, params);
      avgPool2d(ctx, xB, ya, shape, params);
      globalAvgPool(ctx, xB, gy, shape);
      expect((ctx.dispatchCounts.get('maxPool2d') ?? 0) - before).toBeGreaterThan(1);
      const r = ref.maxPool2d(x, shape, params);
      assertClose(await ctx.readF32(y, outTotal), r.y, { atol: 0, rtol: 0, what: 'maxPool2d (chunked)' });
      assertClose(await ctx.readF32(dx, total), ref.maxPool2dBackward(dy, r.argmax, shape, params), { atol: 1e-6, what: 'maxPool2dBackward (chunked)' });
      assertClose(await ctx.readF32(ya, outTotal), ref.avgPool2d(x, shape, params), { atol: 1e-6, what: 'avgPool2d (chunked)' });
      assertClose(await ctx.readF32(gy, 130), ref.globalAvgPool(x, shape), { atol: 1e-6, what: 'globalAvgPool (chunked)' });
    } finally {
      ctx.maxBindingBytes = saved;
    }
  });

  it('rejects bad geometry with the op and shape in the message', async () => {
    const ctx = await getCtx();
    const b = ctx.pool.acquire(1024);
    expect(() => maxPool2d(ctx, b, b, b, [1, 1, 1, 1], { kernel: 3, stride: 2 })).toThrow(/maxPool2d: input \[1,1,1,1\] is smaller than the 3x3 window/);
    expect(() => avgPool2d(ctx, b, b, [1, 1, 8, 8], { kernel: 2, stride: 2, padding: 2 })).toThrow(/avgPool2d: padding 2 exceeds half the kernel 2/);
  });
});
