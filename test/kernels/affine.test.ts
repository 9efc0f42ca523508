import { it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { affineForward, affineBackwardInput, affineBackwardParams } from '../../src/kernels/pointwise/affine.js';
import type { Shape4 } from '../../src/kernels/shape.js';
import * as ref from '../../src/kernels/pointwise/affine.reference.js';

// Kernel file under test: src/kernels/pointwise/affine.wgsl.
// Tolerances: forward is one fused multiply-add per element (atol 1e-6 on O(1) values); dscale/dshift
// sum N·H·W products in f32 in a different order than the float64 reference (atol 1e-4, rtol 1e-4).
const tfAffine = (relu: boolean, c: number) => (x: tf.Tensor, s: tf.Tensor, b: tf.Tensor) => {
  const v = tf.add(tf.mul(x, tf.reshape(s, [1, c, 1, 1])), tf.reshape(b, [1, c, 1, 1]));
  return relu ? tf.relu(v) : v;
};

describeEachAdapter('affine', (getCtx) => {
  const cases: Array<{ shape: Shape4; relu: boolean }> = [
    { shape: [1, 3, 37, 29], relu: false },
    { shape: [2, 65, 17, 23], relu: true },
    { shape: [1, 129, 9, 7], relu: true },
  ];
  for (const { shape, relu } of cases) {
    const [n, c, h, w] = shape;
    const total = n * c * h * w;
    const x = randomArray(total, 1);
    const scale = randomArray(c, 2, 0.5, 1.5);
    const shift = randomArray(c, 3, -0.3, 0.3);
    const dy = randomArray(total, 4);
    const inputs = [{ data: x, shape }, { data: scale, shape: [c] }, { data: shift, shape: [c] }];

    it(`forward ${relu ? '+ReLU ' : ''}[${shape}] matches the reference and tf`, async () => {
      const ctx = await getCtx();
      const y = ctx.pool.acquire(total * 4);
      affineForward(ctx, ctx.bufferFrom(x), ctx.bufferFrom(scale), ctx.bufferFrom(shift), y, shape, relu);
      const got = await ctx.readF32(y, total);
      assertClose(got, ref.affineForward(x, scale, shift, shape, relu), { atol: 1e-6, what: 'affine', shape });
      assertClose(got, oracleValue(tfAffine(relu, c), inputs), { atol: 1e-6, what: 'affine vs tf', shape });
    });

    it(`backward ${relu ? '+ReLU ' : ''}[${shape}] matches the reference, tf.grad and finite differences`, async () => {
      const ctx = await getCtx();
      const [xB, sB, bB, dyB] = [x, scale, shift, dy].map((a) => ctx.bufferFrom(a));
      const y = ctx.pool.acquire(total * 4);
      affineForward(ctx, xB, sB, bB, y, shape, relu);
      const dx = ctx.pool.acquire(total * 4);
      const ds = ctx.pool.acquire(c * 4);
      const db = ctx.pool.acquire(c * 4);
      affineBackwardInput(ctx, dyB, sB, dx, shape, relu ? y : undefined);
      affineBackwardParams(ctx, xB, dyB, ds, db, shape, relu ? y : undefined);
      const r = ref.affineBackward(x, scale, shift, dy, shape, relu);
      const got = { dx: await ctx.readF32(dx, total), ds: await ctx.readF32(ds, c), db: await ctx.readF32(db, c) };
      assertClose(got.dx, r.dx, { atol: 1e-6, what: 'affineBackwardInput', shape });
      assertClose(got.ds, r.dscale, { atol: 1e-4, what: 'affine dscale' });
      assertClose(got.db, r.dshift, { atol: 1e-4, what: 'affine dshift' });
      const [tx, ts, tb] = oracleGrads(tfAffine(relu, c), inputs, dy);
      assertClose(got.dx, tx, { atol: 1e-6, what: 'affine dx vs tf.grad', shape });
      assertClose(got.ds, ts, { atol: 1e-4, what: 'affine dscale vs tf.grad' });
      assertClose(got.db, tb, { atol: 1e-4, what: 'affine dshift vs tf.grad' });
      checkFiniteDifferences('affine dx', (v) => dot(ref.affineForward(v, scale, shift, shape, relu), dy), x, r.dx);
      checkFiniteDifferences('affine dscale', (v) => dot(ref.affineForward(x, v, shift, shape, relu), dy), scale, r.dscale, { samples: 4, rtol: 1e-5, atol: 1e-6 });
      checkFiniteDifferences('affine dshift', (v) => dot(ref.affineForward(x, scale, v, shape, relu), dy), shift, r.dshift, { samples: 4, rtol: 1e-5, atol: 1e-6 });
    });
  }

  it('forward and backward split into chunks when the binding limit is lowered (4 KiB)', async () => {
    const ctx = await getCtx();
    const shape: Shape4 = [2, 65, 17, 23];
    const total = 2 * 65 * 17 * 23;
    const x = randomArray(total, 5);
    const scale = randomArray(65, 6);
    const shift = randomArray(65, 7);
    const dy = randomArray(total, 8);
    const saved = ctx.maxBindingBytes;
    ctx.maxBindingBytes = 4096;
    try {
      const y = ctx.pool.acquire(total * 4);
      const dx = ctx.pool.acquire(total * 4);
      const sB = ctx.bufferFrom(scale);
      affineForward(ctx, ctx.bufferFrom(x), sB, ctx.bufferFrom(shift), y, shape, true);
      affineBackwardInput(ctx, ctx.bufferFrom(dy), sB, dx, shape, y);
      assertClose(await ctx.readF32(y, total), ref.affineForward(x, scale, shift, shape, true), { atol: 1e-6, what: 'affine (chunked)', shape });
      assertClose(await ctx.readF32(dx, total), ref.affineBackward(x, scale, shift, dy, shape, true).dx, { atol: 1e-6, what: 'affineBackwardInput (chunked)', shape });
    } finally {
      ctx.maxBindingBytes = saved;
    }
  });
});
