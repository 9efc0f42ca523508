import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { gram, gramBackward, gramSplit, gramTuning, type GramPath } from '../../src/kernels/reduce/gram.js';
import type { Shape4 } from '../../src/kernels/shape.js';
import * as ref from '../../src/kernels/reduce/gram.reference.js';

// Kernel files under test: src/kernels/reduce/gram.wgsl (tiled), src/kernels/reduce/gram-register.wgsl (few pixels) and
// the gemm path (src/kernels/gemm/gemm.wgsl on the transposed features).
// Tolerances: each entry sums H·W (up to ~1100) f32 products of O(1) values, then is divided by C·H·W;
// f32 rounding of such a sum is ~1e-7·sqrt(K) relative to Σ|terms|, so atol 1e-6 on values of ~1/C
// and rtol 1e-4 leave a 10x margin.
const tfGram = ([n, c, h, w]: Shape4) => (x: tf.Tensor) => {
  const f = tf.reshape(x, [n, c, h * w]);
  return tf.div(tf.matMul(f, f, false, true), c * h * w);
};

describeEachAdapter('gram', (getCtx) => {
  const shapes: Shape4[] = [[1, 3, 37, 29], [2, 65, 17, 23], [1, 129, 9, 7], [1, 64, 16, 16]];
  for (const shape of shapes) {
    const [n, c, h, w] = shape;
    const total = n * c * h * w;
    const x = randomArray(total, 41);
    const dg = randomArray(n * c * c, 42); // not symmetric: exercises dG + dGᵀ
    const split = gramSplit(shape);

    it(`[${shape}] (the tiled kernel splits H·W in ${split.slices}): forward vs reference and tf.matMul, backward vs reference, tf.grad, finite differences`, async () => {
      const ctx = await getCtx();
      const fB = ctx.bufferFrom(x);
      const g = ctx.pool.acquire(n * c * c * 4);
      const df = ctx.pool.acquire(total * 4);
      gram(ctx, fB, g, shape);
      gramBackward(ctx, ctx.bufferFrom(dg), fB, df, shape);
      const gotG = await ctx.readF32(g, n * c * c);
      const gotDf = await ctx.readF32(df, total);
      const input = [{ data: x, shape }];
      assertClose(gotG, ref.gram(x, shape), { atol: 1e-6, what: 'gram', shape: [n, c, c] });
      assertClose(gotG, oracleValue(tfGram(shape), input), { atol: 1e-6, what: 'gram vs tf.matMul', shape: [n, c, c] });
      const rdf = ref.gramBackward(dg, x, shape);
      assertClose(gotDf, rdf, { atol: 1e-6, what: 'gramBackward', shape });
      assertClose(gotDf, oracleGrads(tfGram(shape), input, dg)[0], { atol: 1e-6, what: 'gramBackward vs tf.grad', shape });
      checkFiniteDifferences('gram', (v) => dot(ref.gram(v, shape), dg), x, rdf, { samples: 6 });
    });
  }

  for (const shape of [[1, 300, 3, 5], [1, 2048, 1, 3]] as Shape4[]) {
    it(`[${shape}]: many 64×64 tiles (edge tiles, mirrored writes) match the reference, forward and backward`, async () => {
      const ctx = await getCtx();
      const [n, c, h, w] = shape;
      const total = n * c * h * w;
      const x = randomArray(total, 43);
      const dg = randomArray(n * c * c, 44);
      const fB = ctx.bufferFrom(x);
      const g = ctx.pool.acquire(n * c * c * 4);
      const df = ctx.pool.acquire(total * 4);
      gram(ctx, fB, g, shape);
      gramBackward(ctx, ctx.bufferFrom(dg), fB, df, shape);
      assertClose(await ctx.readF32(g, n * c * c), ref.gram(x, shape), { atol: 1e-7, what: 'gram', shape: [n, c, c] });
      assertClose(await ctx.readF32(df, total), ref.gramBackward(dg, x, shape), { atol: 1e-6, what: 'gramBackward', shape });
    });
  }

  // Both kernels on the same shapes (the CPU adapters pick one per pass, see gramPath): scalar loads (H·W and C
  // not multiples of 4), vec4 loads of F only (C = 66), both vec4 paths (C = 128, H·W = 16), and a shape the
  // tiled kernel splits in 4 along H·W, and H·W = 12 (the register backward's second 4-pixel block lies past
  // the row: read, never stored).
  for (const shape of [[1, 67, 5, 7], [2, 66, 4, 8], [1, 128, 4, 4], [2, 65, 17, 23], [2, 66, 3, 4]] as Shape4[]) {
    for (const path of ['tiled', 'register'] as GramPath[]) {
      it(`[${shape}] ${path} kernels: forward and backward (dG not symmetric) match the reference`, async () => {
        const ctx = await getCtx();
        const [n, c, h, w] = shape;
        const total = n * c * h * w;
        const x = randomArray(total, 45);
        const dg = randomArray(n * c * c, 46);
        const fB = ctx.bufferFrom(x);
        const g = ctx.pool.acquire(n * c * c * 4);
        const df = ctx.pool.acquire(total * 4);
        gram(ctx, fB, g, shape, path);
        gramBackward(ctx, ctx.bufferFrom(dg), fB, df, shape, path);
        assertClose(await ctx.readF32(g, n * c * c), ref.gram(x, shape), { atol: 1e-6, what: `gram (${path})`, shape: [n, c, c] });
        assertClose(await ctx.readF32(df, total), ref.gramBackward(dg, x, shape), { atol: 1e-6, what: `gramBackward (${path})`, shape });
      });
    }
  }

  // A symmetric dG (the style loss's): every path with `symmetric` set, the gemm path's shortcut (2·dG·F, no
  // transpose or sum) included where the shape fits its tile (C a multiple of 32, H·W of 4).
  for (const shape of [[1, 64, 6, 6], [2, 32, 4, 5], [1, 66, 3, 4]] as Shape4[]) {
    it(`[${shape}] backward with a symmetric dG, on each path that fits: matches the reference`, async () => {
      const ctx = await getCtx();
      const [n, c, h, w] = shape;
      const total = n * c * h * w;
      const x = randomArray(total, 47);
      const half = randomArray(n * c * c, 48);
      const dg = half.map((v, i) => { const b = Math.floor(i / (c * c)), r = Math.floor(i / c) % c, q = i % c; return v + half[b * c * c + q * c + r]; });
      const fB = ctx.bufferFrom(x), dgB = ctx.bufferFrom(dg);
      const paths: GramPath[] = c % 32 === 0 ? ['tiled', 'register', 'gemm'] : ['tiled', 'register'];
      for (const path of paths) {
        const df = ctx.pool.acquire(total * 4);
        gramBackward(ctx, dgB, fB, df, shape, path, true);
        assertClose(await ctx.readF32(df, total), ref.gramBackward(dg, x, shape), { atol: 1e-6, what: `gramBackward (${path}, symmetric dG)`, shape });
        ctx.pool.release(df);
      }
    });
  }

  // The register kernels' other tile widths (the tests above run the defaults, 8): 4 Gram columns per
  // invocation forward, 4 pixels backward, at H·W % 8 = 4, H·W odd, and a multiple of 8; C not a multiple of 8.
  for (const shape of [[1, 66, 3, 4], [2, 65, 5, 7], [1, 128, 4, 8]] as Shape4[]) {
    it(`[${shape}] register kernels, 4 columns forward and 4 pixels backward per invocation: match the reference`, async () => {
      const ctx = await getCtx();
      const [n, c, h, w] = shape;
      const total = n * c * h * w;
      const x = randomArray(total, 47), dg = randomArray(n * c * c, 48);
      const df = ctx.pool.acquire(total * 4);
      const g = ctx.pool.acquire(n * c * c * 4);
      gramTuning.backwardPixels = 4;
      gramTuning.forwardColumns = 4;
      try {
        const fB = ctx.bufferFrom(x);
        gram(ctx, fB, g, shape, 'register');
        gramBackward(ctx, ctx.bufferFrom(dg), fB, df, shape, 'register');
      } finally {
        gramTuning.backwardPixels = 8;
        gramTuning.forwardColumns = 8;
      }
      assertClose(await ctx.readF32(g, n * c * c), ref.gram(x, shape), { atol: 1e-6, what: 'gram (4 columns)', shape: [n, c, c] });
      assertClose(await ctx.readF32(df, total), ref.gramBackward(dg, x, shape), { atol: 1e-6, what: 'gramBackward (4 px)', shape });
    });
  }

  // The gemm path (llvmpipe's default where C is a multiple of gemm's tile rows: 32 there, 8 elsewhere; H·W a
  // multiple of 4 backward): a batch of 2, H·W not a multiple of the 16-column tile, a single row of pixels.
  for (const shape of [[2, 64, 4, 5], [1, 96, 3, 4], [1, 128, 1, 4]] as Shape4[]) {
    it(`[${shape}] gemm path: forward and backward (dG not symmetric) match the reference`, async () => {
      const ctx = await getCtx();
      const [n, c, h, w] = shape;
      const total = n * c * h * w;
      const x = randomArray(total, 49), dg = randomArray(n * c * c, 50);
      const fB = ctx.bufferFrom(x);
      const g = ctx.pool.acquire(n * c * c * 4);
      const df = ctx.pool.acquire(total * 4);
      const before = ctx.dispatchCounts.get('gemm') ?? 0;
      gram(ctx, fB, g, shape, 'gemm');
      gramBackward(ctx, ctx.bufferFrom(dg), fB, df, shape, 'gemm');
      expect((ctx.dispatchCounts.get('gemm') ?? 0) - before).toBe(2);
      assertClose(await ctx.readF32(g, n * c * c), ref.gram(x, shape), { atol: 1e-6, what: 'gram (gemm)', shape: [n, c, c] });
      assertClose(await ctx.readF32(df, total), ref.gramBackward(dg, x, shape), { atol: 1e-6, what: 'gramBackward (gemm)', shape });
    });
  }

  it('the gemm path refuses shapes it cannot tile, naming the shape', async () => {
    const ctx = await getCtx();
    const f = ctx.pool.acquire(66 * 12 * 4), g = ctx.pool.acquire(66 * 66 * 4);
    expect(() => gram(ctx, f, g, [1, 66, 3, 4], 'gemm')).toThrow(/gemm path needs C a multiple of \d+.*\[1,66,3,4\]/);
    ctx.pool.release(f);
    ctx.pool.release(g);
  });

  it('splits H·W for small channel counts and not for large ones', () => {
    expect(gramSplit([1, 64, 128, 128]).slices).toBeGreaterThan(1);
    expect(gramSplit([1, 2048, 16, 16]).slices).toBe(1);
  });
});
