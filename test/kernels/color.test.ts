// Tests for src/kernels/image/color.wgsl: preprocess/deprocess (caffe, torch), their backward, RGB<->YUV.
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import {
  preprocess, preprocessBackward, deprocess, rgbToYuv, rgbToYuvBackward, yuvToRgb, PREPROCESS, type PreprocessConvention,
} from '../../src/kernels/image/color.js';
import * as ref from '../../src/kernels/image/color.reference.js';

const shape = [2, 3, 37, 29];
const n = 2 * 3 * 37 * 29;
const image = randomArray(n, 11, 0, 1);
const dy = randomArray(n, 12);
// Tolerances: float32 rounds each product and sum (≈ 6e-8 relative); caffe outputs reach ±150, so one
// ulp there is 1.5e-5 and cancellation (x·255 − mean near 0) leaves absolute, not relative, error.
const ATOL: Record<PreprocessConvention, number> = { caffe: 1e-4, torch: 2e-6 };

/** The preprocess formula in tfjs: gather the channels, scale, subtract the mean, divide by std. */
function tfPreprocess(convention: PreprocessConvention) {
  const t = PREPROCESS[convention];
  const col = (v: readonly number[]) => tf.tensor(v as number[], [1, 3, 1, 1]);
  return (x: tf.Tensor) => tf.div(tf.sub(tf.mul(tf.gather(x, tf.tensor1d([...t.perm], 'int32'), 1), col(t.scale)), col(t.mean)), col(t.std));
}

/** y_c = Σ_k M[c][k]·x_k over the channel axis of an NCHW tensor, in tfjs. */
function tfChannelMix(m: number[][]) {
  return (x: tf.Tensor) => {
    const [N, , H, W] = x.shape;
    const ch = [0, 1, 2].map((k) => tf.slice(x, [0, k, 0, 0], [N, 1, H, W]));
    return tf.concat(m.map((row) => tf.addN(row.map((v, k) => tf.mul(ch[k], v)))), 1);
  };
}
const YUV = [[0.299, 0.587, 0.114], [-0.14713, -0.28886, 0.436], [0.615, -0.51499, -0.10001]];

describeEachAdapter('color (color.wgsl)', (getCtx) => {
  for (const convention of ['caffe', 'torch'] as const) {
    it(`preprocess ${convention} matches the reference and tfjs`, async () => {
      const ctx = await getCtx();
      const y = ctx.pool.acquire(n * 4);
      preprocess(ctx, ctx.bufferFrom(image), y, shape, convention);
      const got = await ctx.readF32(y, n);
      assertClose(got, ref.preprocess(image, shape, PREPROCESS[convention]), { atol: ATOL[convention], rtol: 1e-5, what: `preprocess ${convention}`, shape });
      assertClose(got, oracleValue(tfPreprocess(convention), [{ data: image, shape }]), { atol: ATOL[convention], rtol: 1e-5, what: `preprocess ${convention} vs tfjs`, shape });
    });

    it(`deprocess ${convention} inverts preprocess and matches the reference`, async () => {
      const ctx = await getCtx();
      const pre = ref.preprocess(image, shape, PREPROCESS[convention]);
      const x = ctx.pool.acquire(n * 4);
      deprocess(ctx, ctx.bufferFrom(Float32Array.from(pre)), x, shape, convention);
      const got = await ctx.readF32(x, n);
      assertClose(got, ref.deprocess(pre, shape, PREPROCESS[convention]), { atol: 2e-6, rtol: 1e-5, what: `deprocess ${convention}`, shape });
      assertClose(got, image, { atol: 2e-6, rtol: 1e-5, what: `deprocess(preprocess(x)) ${convention}`, shape });
    });

    it(`preprocessBackward ${convention}: GPU vs reference, reference vs finite differences and tf.grad`, async () => {
      const ctx = await getCtx();
      const t = PREPROCESS[convention];
      const dx = ctx.pool.acquire(n * 4);
      preprocessBackward(ctx, ctx.bufferFrom(dy), dx, shape, convention);
      const expected = ref.preprocessBackward(dy, shape, t);
      assertClose(await ctx.readF32(dx, n), expected, { atol: 1e-5, rtol: 1e-5, what: `preprocessBackward ${convention}`, shape });
      // L(x) = Σ preprocess(x)·dy is linear, so central differences are exact up to rounding.
      checkFiniteDifferences(`preprocess ${convention}`, (x) => dot(ref.preprocess(x, shape, t), dy), image, expected, { h: 1e-3, atol: 1e-6, rtol: 1e-6 });
      const [tfGrad] = oracleGrads(tfPreprocess(convention), [{ data: image, shape }], dy);
      assertClose(tfGrad, expected, { atol: 1e-4, rtol: 1e-5, what: `preprocessBackward ${convention} vs tf.grad`, shape });
    });
  }

  it('preprocess matches a hand computation on one pixel', async () => {
    const ctx = await getCtx();
    const px = new Float32Array([0.2, 0.5, 0.8]); // R, G, B of a 1x3x1x1 image
    const y = ctx.pool.acquire(12);
    preprocess(ctx, ctx.bufferFrom(px), y, [1, 3, 1, 1], 'caffe');
    // caffe: B·255 − 103.939, G·255 − 116.779, R·255 − 123.68
    assertClose(await ctx.readF32(y, 3), [0.8 * 255 - 103.939, 127.5 - 116.779, 51 - 123.68], { atol: 2e-5, rtol: 0, what: 'caffe pixel' });
    expect((await ctx.readF32(y, 3))[0]).toBeCloseTo(100.061, 4);
    preprocess(ctx, ctx.bufferFrom(px), y, [1, 3, 1, 1], 'torch');
    assertClose(await ctx.readF32(y, 3), [(0.2 - 0.485) / 0.229, (0.5 - 0.456) / 0.224, (0.8 - 0.406) / 0.225], { atol: 1e-6, rtol: 0, what: 'torch pixel' });
  });

  it('rgbToYuv and yuvToRgb match the reference, and round-trip', async () => {
    const ctx = await getCtx();
    const yuv = ctx.pool.acquire(n * 4);
    const rgb = ctx.pool.acquire(n * 4);
    rgbToYuv(ctx, ctx.bufferFrom(image), yuv, shape);
    yuvToRgb(ctx, yuv, rgb, shape);
    const gotYuv = await ctx.readF32(yuv, n);
    assertClose(gotYuv, ref.rgbToYuv(image, shape), { atol: 1e-6, rtol: 1e-5, what: 'rgbToYuv', shape });
    assertClose(gotYuv, oracleValue(tfChannelMix(YUV), [{ data: image, shape }]), { atol: 1e-6, rtol: 1e-5, what: 'rgbToYuv vs tfjs', shape });
    // yuvToRgb's reference solves the system per pixel (independent of the inverse matrix color.ts builds).
    const yuvIn = randomArray(n, 13, -0.5, 1);
    const rgb2 = ctx.pool.acquire(n * 4);
    yuvToRgb(ctx, ctx.bufferFrom(yuvIn), rgb2, shape);
    assertClose(await ctx.readF32(rgb2, n), ref.yuvToRgb(yuvIn, shape), { atol: 2e-6, rtol: 1e-5, what: 'yuvToRgb', shape });
    assertClose(await ctx.readF32(rgb, n), image, { atol: 2e-6, rtol: 1e-5, what: 'yuvToRgb(rgbToYuv(x))', shape });
  });

  it('rgbToYuvBackward: GPU vs reference, reference vs finite differences and tf.grad', async () => {
    const ctx = await getCtx();
    const dx = ctx.pool.acquire(n * 4);
    rgbToYuvBackward(ctx, ctx.bufferFrom(dy), dx, shape);
    const expected = ref.rgbToYuvBackward(dy, shape);
    assertClose(await ctx.readF32(dx, n), expected, { atol: 1e-6, rtol: 1e-5, what: 'rgbToYuvBackward', shape });
    checkFiniteDifferences('rgbToYuv', (x) => dot(ref.rgbToYuv(x, shape), dy), image, expected, { h: 1e-3, atol: 1e-9, rtol: 1e-7 });
    const [tfGrad] = oracleGrads(tfChannelMix(YUV), [{ data: image, shape }], dy);
    assertClose(tfGrad, expected, { atol: 1e-6, rtol: 1e-5, what: 'rgbToYuvBackward vs tf.grad', shape });
  });

  it('works in place (x and y the same buffer) and rejects non-RGB shapes', async () => {
    const ctx = await getCtx();
    const buf = ctx.bufferFrom(image);
    rgbToYuv(ctx, buf, buf, shape);
    assertClose(await ctx.readF32(buf, n), ref.rgbToYuv(image, shape), { atol: 1e-6, rtol: 1e-5, what: 'rgbToYuv in place', shape });
    expect(() => preprocess(ctx, buf, buf, [1, 4, 5, 5], 'caffe')).toThrow(/preprocess: expected an image \[N,3,H,W\], got \[1,4,5,5\]/);
  });
});
