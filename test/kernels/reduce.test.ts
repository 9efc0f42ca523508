import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { checkFiniteDifferences } from '../gradcheck.js';
import { sum, mseLoss, mseLossBackward, difference, tvLoss, tvLossBackward } from '../../src/kernels/reduce/reduce.js';
import type { Shape4 } from '../../src/kernels/shape.js';
import * as ref from '../../src/kernels/reduce/reduce.reference.js';

// Kernel file under test: src/kernels/reduce/reduce.wgsl.
// Tolerances: an f32 sum of n terms in our tree order differs from the float64 sum by about
// 1e-7·sqrt(n)·(typical partial sum); rtol 1e-5 with a small atol covers n up to 1.7e7 with margin.
const tfTv = ([n, c, h, w]: Shape4) => (x: tf.Tensor) => {
  const dh = tf.sub(tf.slice(x, [0, 0, 1, 0], [n, c, h - 1, w]), tf.slice(x, [0, 0, 0, 0], [n, c, h - 1, w]));
  const dw = tf.sub(tf.slice(x, [0, 0, 0, 1], [n, c, h, w - 1]), tf.slice(x, [0, 0, 0, 0], [n, c, h, w - 1]));
  return tf.div(tf.add(tf.sum(tf.square(dh)), tf.sum(tf.square(dw))), n * c * h * w);
};

describeEachAdapter('reduce', (getCtx) => {
  const shape: Shape4 = [2, 65, 17, 23];
  const n = 2 * 65 * 17 * 23;
  const a = randomArray(n, 51);
  const b = randomArray(n, 52);

  it(`sum [${shape}] matches the reference and tf.sum`, async () => {
    const ctx = await getCtx();
    const out = ctx.pool.acquire(4);
    sum(ctx, ctx.bufferFrom(a), out, n);
    const [got] = await ctx.readF32(out, 1);
    assertClose([got], [ref.sum(a)], { atol: 1e-4, rtol: 1e-5, what: 'sum' });
    assertClose([got], oracleValue((t) => tf.sum(t), [{ data: a, shape }]), { atol: 1e-4, rtol: 1e-5, what: 'sum vs tf' });
  });

  // Stage 1's terms per invocation (a run each on the CPU adapters, a grid stride on GPUs): counts below one
  // invocation's 4-term step, a few workgroups, and the full 64 workgroups (4096 invocations of 74 terms, not a
  // multiple of 4), with remainders; whole vec4s (4, 4100, 300008) take the CPU adapters' vec4 runs, shared by 8
  // invocations, with the last group's runs cut short.
  it('sum over 1, 3, 4, 5, 4097, 4100, 300007 and 300008 elements matches the reference', async () => {
    const ctx = await getCtx();
    for (const n of [1, 3, 4, 5, 4097, 4100, 300007, 300008]) {
      const x = randomArray(n, 9);
      const out = ctx.pool.acquire(4);
      sum(ctx, ctx.bufferFrom(x), out, n);
      assertClose(await ctx.readF32(out, 1), [ref.sum(x)], { atol: 1e-5, rtol: 1e-5, what: `sum of ${n}` });
    }
  });

  // The rule that keeps subnormal floats out of the MSE's terms (reduce.wgsl KEPT): a difference under 2^-63 counts
  // as 0 (its square would be under 2^-126); 2^-62 is kept (its square, 2^-124, is normal). Both variants (n a
  // multiple of 4 or not), and one large difference among them: the sum is its alone.
  it('mseLoss counts differences under 2^-63 as 0 and keeps those from 2^-62, scalar and vec4', async () => {
    const ctx = await getCtx();
    for (const n of [4096, 4099]) {
      const zeros = new Float32Array(n);
      const run = async (d: number, big = 0) => {
        const a = new Float32Array(n).fill(d);
        a[7] = big || d;
        const out = ctx.pool.acquire(4);
        mseLoss(ctx, ctx.bufferFrom(a), ctx.bufferFrom(zeros), out, n);
        return (await ctx.readF32(out, 1))[0];
      };
      expect(await run(2 ** -64)).toBe(0);
      expect(await run(1e-30)).toBe(0);
      assertClose([await run(2 ** -62)], [2 ** -124], { atol: 0, rtol: 1e-6, what: `mseLoss of 2^-62 differences (n ${n})` });
      assertClose([await run(2 ** -64, 3)], [9 / n], { atol: 0, rtol: 1e-6, what: `mseLoss of one 3 among 2^-64 differences (n ${n})` });
    }
  });

  it('sum over n = 256·65535 + 1000 elements (more than one launch row of 256-thread workgroups)', async () => {
    const ctx = await getCtx();
    const big = 256 * 65535 + 1000;
    const x = randomArray(big, 53, 0, 1);
    const out = ctx.pool.acquire(4);
    sum(ctx, ctx.bufferFrom(x), out, big);
    const [got] = await ctx.readF32(out, 1);
    assertClose([got], [ref.sum(x)], { atol: 0, rtol: 1e-5, what: 'sum (16.8M elements)' });
  });

  it('sum and mseLoss split into chunks when the binding limit is lowered (4 KiB)', async () => {
    const ctx = await getCtx();
    const saved = ctx.maxBindingBytes;
    ctx.maxBindingBytes = 4096;
    try {
      const [s, m, da, dLoss] = [1, 1, n, 1].map((k) => ctx.pool.acquire(k * 4));
      ctx.upload(dLoss, new Float32Array([0.7]));
      const before = ctx.dispatchCounts.get('sum') ?? 0;
      const [aB, bB] = [ctx.bufferFrom(a), ctx.bufferFrom(b)];
      sum(ctx, aB, s, n);
      mseLoss(ctx, aB, bB, m, n);
      mseLossBackward(ctx, aB, bB, dLoss, da, n);
      expect((ctx.dispatchCounts.get('sum') ?? 0) - before).toBe(Math.ceil(n / 1024));
      assertClose(await ctx.readF32(s, 1), [ref.sum(a)], { atol: 1e-4, rtol: 1e-5, what: 'sum (chunked)' });
      assertClose(await ctx.readF32(m, 1), [ref.mseLoss(a, b)], { atol: 1e-7, rtol: 1e-5, what: 'mseLoss (chunked)' });
      assertClose(await ctx.readF32(da, n), ref.mseLossBackward(a, b, 0.7), { atol: 1e-9, rtol: 1e-5, what: 'mseLossBackward (chunked)' });
    } finally {
      ctx.maxBindingBytes = saved;
    }
  });

  it('difference in place (d = a: the Gram loss writes G − A over its Gram) equals the reference exactly, scalar and vec4', async () => {
    const ctx = await getCtx();
    for (const m of [n, 4 * 3001]) {
      const [am, bm] = [a.slice(0, m), b.slice(0, m)];
      const aB = ctx.bufferFrom(am);
      difference(ctx, aB, ctx.bufferFrom(bm), aB, m);
      expect(Array.from(await ctx.readF32(aB, m))).toEqual(Array.from(ref.difference(am, bm)));
    }
  });

  it('mseLossBackward on a multiple of 4 elements (the vec4 variant) matches the reference', async () => {
    const ctx = await getCtx();
    const n4 = 4 * 3001;
    const [a4, b4] = [a.slice(0, n4), b.slice(n4, 2 * n4)];
    const [da, dLoss] = [n4, 1].map((k) => ctx.pool.acquire(k * 4));
    ctx.upload(dLoss, new Float32Array([-1.3]));
    const before = ctx.dispatchCounts.get('mseLossBackward') ?? 0;
    mseLossBackward(ctx, ctx.bufferFrom(a4), ctx.bufferFrom(b4), dLoss, da, n4);
    expect((ctx.dispatchCounts.get('mseLossBackward') ?? 0) - before).toBe(1);
    assertClose(await ctx.readF32(da, n4), ref.mseLossBackward(a4, b4, -1.3), { atol: 1e-9, rtol: 1e-5, what: 'mseLossBackward (vec4)' });
  });

  it('difference is a − b rounded once, on the vec4 and the scalar variant and in chunks', async () => {
    const ctx = await getCtx();
    for (const [m, bindBytes] of [[4 * 3001, 0], [4 * 3001 + 3, 0], [n, 4 * 1024]] as const) {
      const saved = ctx.maxBindingBytes;
      if (bindBytes) ctx.maxBindingBytes = bindBytes;
      try {
        const [am, bm] = [a.slice(0, m), b.slice(0, m).map((v) => v * 1e-3)];
        const d = ctx.pool.acquire(m * 4);
        difference(ctx, ctx.bufferFrom(am), ctx.bufferFrom(bm), d, m);
        expect(Array.from(await ctx.readF32(d, m))).toEqual(Array.from(ref.difference(am, bm)));
      } finally {
        ctx.maxBindingBytes = saved;
      }
    }
  });

  it(`mseLoss [${shape}]: forward and backward vs reference, tf.grad and finite differences`, async () => {
    const ctx = await getCtx();
    const [m, da, dLoss] = [1, n, 1].map((k) => ctx.pool.acquire(k * 4));
    ctx.upload(dLoss, new Float32Array([0.7]));
    const [aB, bB] = [ctx.bufferFrom(a), ctx.bufferFrom(b)];
    mseLoss(ctx, aB, bB, m, n);
    mseLossBackward(ctx, aB, bB, dLoss, da, n);
    const got = await ctx.readF32(m, 1);
    const gotDa = await ctx.readF32(da, n);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.mean(tf.square(tf.sub(x, y)));
    const inputs = [{ data: a, shape }, { data: b, shape }];
    assertClose(got, [ref.mseLoss(a, b)], { atol: 1e-7, rtol: 1e-5, what: 'mseLoss' });
    assertClose(got, oracleValue(f, inputs), { atol: 1e-7, rtol: 1e-5, what: 'mseLoss vs tf' });
    const rda = ref.mseLossBackward(a, b, 0.7);
    assertClose(gotDa, rda, { atol: 1e-9, rtol: 1e-5, what: 'mseLossBackward', shape });
    assertClose(gotDa, oracleGrads(f, inputs, new Float32Array([0.7]))[0], { atol: 1e-9, rtol: 1e-5, what: 'mseLossBackward vs tf.grad', shape });
    checkFiniteDifferences('mseLoss', (x) => 0.7 * ref.mseLoss(x, b), a, rda, { atol: 1e-10 });
  });

  for (const tvShape of [[1, 3, 37, 29], [2, 3, 1, 7]] as Shape4[]) {
    it(`tvLoss [${tvShape}]: forward and backward vs reference, tf.grad and finite differences`, async () => {
      const ctx = await getCtx();
      const total = tvShape.reduce((p, q) => p * q);
      const x = randomArray(total, 54);
      const [out, dx, dLoss] = [1, total, 1].map((k) => ctx.pool.acquire(k * 4));
      ctx.upload(dLoss, new Float32Array([1.3]));
      const xB = ctx.bufferFrom(x);
      tvLoss(ctx, xB, out, tvShape);
      tvLossBackward(ctx, xB, dLoss, dx, tvShape);
      const got = await ctx.readF32(out, 1);
      const gotDx = await ctx.readF32(dx, total);
      assertClose(got, [ref.tvLoss(x, tvShape)], { atol: 1e-7, rtol: 1e-5, what: 'tvLoss' });
      assertClose(got, oracleValue(tfTv(tvShape), [{ data: x, shape: tvShape }]), { atol: 1e-7, rtol: 1e-5, what: 'tvLoss vs tf' });
      const rdx = ref.tvLossBackward(x, tvShape, 1.3);
      assertClose(gotDx, rdx, { atol: 1e-8, rtol: 1e-5, what: 'tvLossBackward', shape: tvShape });
      assertClose(gotDx, oracleGrads(tfTv(tvShape), [{ data: x, shape: tvShape }], new Float32Array([1.3]))[0], { atol: 1e-8, rtol: 1e-4, what: 'tvLossBackward vs tf.grad', shape: tvShape });
      checkFiniteDifferences('tvLoss', (v) => 1.3 * ref.tvLoss(v, tvShape), x, rdx, { atol: 1e-10 });
    });
  }
});
