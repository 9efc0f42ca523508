// Tests for src/kernels/image/resize.wgsl: bilinear resize (align_corners=false, half-pixel centres) and its gather backward.
import { it, expect } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { oracleGrads, oracleValue, tf, nchwToNhwc, nhwcToNchw } from '../oracle.js';
import { resizeBilinear, resizeBilinearBackward } from '../../src/kernels/image/resize.js';
import * as ref from '../../src/kernels/image/resize.reference.js';

// Up (non-integer ratio), down, identity, and mixed up/down with two channels and two images.
const CASES: Array<{ shape: number[]; outH: number; outW: number }> = [
  { shape: [1, 3, 37, 29], outH: 61, outW: 47 },
  { shape: [1, 3, 37, 29], outH: 17, outW: 13 },
  { shape: [1, 3, 37, 29], outH: 37, outW: 29 },
  { shape: [2, 2, 5, 7], outH: 13, outW: 3 },
  { shape: [1, 1, 1, 4], outH: 3, outW: 9 },
];
// Tolerances: the GPU computes the source coordinate (d + 0.5)·scale − 0.5 in float32 with scale rounded
// to float32, so a weight is off by up to ~37·6e-8 ≈ 2e-6; values are in [-1, 1]; the backward sums up to
// (2·ratio + 1)² such terms.
const FWD = { atol: 1e-5, rtol: 1e-4 };
const BWD = { atol: 5e-5, rtol: 1e-4 };

/** tf.image.resizeBilinear(halfPixelCenters = true) on an NCHW tensor. */
const tfResize = (outH: number, outW: number) => (x: tf.Tensor) =>
  tf.transpose(tf.image.resizeBilinear(tf.transpose(x, [0, 2, 3, 1]) as tf.Tensor4D, [outH, outW], false, true), [0, 3, 1, 2]);

/**
 * The resize as a matrix A (outH·outW x H·W, one plane), built from tfjs's own forward by resizing impulses.
 * (tf.grad through tf.image.resizeBilinear itself can't be the oracle: the CPU backend's
 * ResizeBilinearGrad ignores halfPixelCenters and differentiates the align-corners=false, no-half-pixel
 * variant; see node_modules/@tensorflow/tfjs-backend-cpu/dist/kernels/ResizeBilinearGrad.js.)
 */
function tfResizeMatrix(h: number, w: number, outH: number, outW: number): tf.Tensor2D {
  return tf.tidy(() => {
    const impulses = tf.reshape(tf.eye(h * w), [h * w, h, w, 1]) as tf.Tensor4D;
    return tf.transpose(tf.reshape(tf.image.resizeBilinear(impulses, [outH, outW], false, true), [h * w, outH * outW])) as tf.Tensor2D;
  });
}

describeEachAdapter('resize (resize.wgsl)', (getCtx) => {
  for (const [k, { shape, outH, outW }] of CASES.entries()) {
    const [N, C, H, W] = shape;
    const outShape = [N, C, outH, outW];
    const x = randomArray(N * C * H * W, 20 + k);
    const dy = randomArray(N * C * outH * outW, 40 + k);

    it(`forward [${shape}] -> ${outH}x${outW} matches the reference and tf.image.resizeBilinear`, async () => {
      const ctx = await getCtx();
      const y = ctx.pool.acquire(dy.length * 4);
      resizeBilinear(ctx, ctx.bufferFrom(x), y, shape, outH, outW);
      const got = await ctx.readF32(y, dy.length);
      assertClose(got, ref.resizeBilinear(x, shape, outH, outW), { ...FWD, what: 'resizeBilinear', shape: outShape });
      assertClose(got, oracleValue(tfResize(outH, outW), [{ data: x, shape }]), { ...FWD, what: 'resizeBilinear vs tfjs', shape: outShape });
    });

    it(`backward [${shape}] <- ${outH}x${outW}: GPU vs reference, reference vs finite differences and tf.grad`, async () => {
      const ctx = await getCtx();
      const dx = ctx.pool.acquire(x.length * 4);
      resizeBilinearBackward(ctx, ctx.bufferFrom(dy), dx, shape, outH, outW);
      const expected = ref.resizeBilinearBackward(dy, shape, outH, outW);
      assertClose(await ctx.readF32(dx, x.length), expected, { ...BWD, what: 'resizeBilinearBackward', shape });
      // Linear in x: central differences are exact up to rounding.
      checkFiniteDifferences('resizeBilinear', (v) => dot(ref.resizeBilinear(v, shape, outH, outW), dy), x, expected, { h: 1e-3, atol: 1e-8, rtol: 1e-7 });
      // tf.grad of Σ (A·x_plane)·dy_plane over all planes, A from tfjs's half-pixel forward.
      const A = tfResizeMatrix(H, W, outH, outW);
      const [tfGrad] = oracleGrads(
        (v) => tf.transpose(tf.matMul(A, tf.transpose(tf.reshape(v, [N * C, H * W])))),
        [{ data: x, shape }], dy,
      );
      A.dispose();
      assertClose(tfGrad, expected, { ...BWD, what: 'resizeBilinearBackward vs tf.grad', shape });
    });
  }

  it('an NHWC round trip through tfjs agrees with the direct NCHW comparison (layout sanity)', () => {
    const shape = [1, 3, 5, 4];
    const x = randomArray(60, 60);
    const nhwc = oracleValue((v) => tf.image.resizeBilinear(v as tf.Tensor4D, [7, 3], false, true), [{ data: nchwToNhwc(x, shape), shape: [1, 5, 4, 3] }]);
    assertClose(nhwcToNchw(nhwc, [1, 3, 7, 3]), ref.resizeBilinear(x, shape, 7, 3), { ...FWD, what: 'tfjs NHWC resize' });
  });

  it('rejects bad shapes with the op and shape in the message', async () => {
    const ctx = await getCtx();
    const b = ctx.pool.acquire(64);
    expect(() => resizeBilinear(ctx, b, b, [1, 3, 4], 2, 2)).toThrow(/resizeBilinear: expected an input \[N,C,H,W\], got \[1,3,4\]/);
    expect(() => resizeBilinearBackward(ctx, b, b, [1, 3, 4, 4], 0, 2)).toThrow(/resizeBilinearBackward: output size 0x2/);
  });
});
