import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { add, accumulate, copy, fill } from '../../src/kernels/pointwise/add.js';
import { elementwiseTuning } from '../../src/kernels/launch.js';
import * as ref from '../../src/kernels/pointwise/add.reference.js';

// Kernel file under test: src/kernels/pointwise/add.wgsl (add, accumulate, fill, copy variants).
describeEachAdapter('add', (getCtx) => {
  const shape = [2, 65, 17, 23]; // odd sizes: not a multiple of the 256-thread workgroup
  const n = shape.reduce((p, q) => p * q);
  const a = randomArray(n, 1);
  const b = randomArray(n, 2);
  const dy = randomArray(n, 3);

  it('add forward matches the reference and tf.add exactly (one f32 rounding)', async () => {
    const ctx = await getCtx();
    const y = ctx.pool.acquire(n * 4);
    add(ctx, ctx.bufferFrom(a), ctx.bufferFrom(b), y, n);
    const got = await ctx.readF32(y, n);
    assertClose(got, Float32Array.from(ref.add(a, b)), { atol: 0, rtol: 0, what: 'add', shape });
    assertClose(got, oracleValue((p, q) => tf.add(p, q), [{ data: a, shape }, { data: b, shape }]), { atol: 0, rtol: 0, what: 'add vs tf', shape });
  });

  it('backward of add is a fan-out: accumulate(dx, dy) twice gives tf.grad and the finite differences', async () => {
    const ctx = await getCtx();
    // y = a + a: the gradient of a is dy accumulated from both uses.
    const da = ctx.pool.acquire(n * 4);
    fill(ctx, da, n, 0);
    const dyBuf = ctx.bufferFrom(dy);
    accumulate(ctx, da, dyBuf, n);
    accumulate(ctx, da, dyBuf, n);
    const got = await ctx.readF32(da, n);
    const [tfGrad] = oracleGrads((p) => tf.add(p, p), [{ data: a, shape }], dy);
    assertClose(got, tfGrad, { atol: 0, rtol: 0, what: 'add backward vs tf.grad', shape });
    const analytic = ref.accumulate(dy, dy);
    checkFiniteDifferences('add (a + a)', (x) => dot(ref.add(x, x), dy), a, analytic);
    assertClose(got, analytic, { atol: 0, rtol: 0, what: 'add backward vs reference', shape });
  });

  it('fill, copy and accumulate match the reference', async () => {
    const ctx = await getCtx();
    const buf = ctx.pool.acquire(n * 4);
    fill(ctx, buf, n, 1);
    assertClose(await ctx.readF32(buf, n), ref.fill(n, 1), { atol: 0, rtol: 0, what: 'fill ones' });
    const dst = ctx.pool.acquire(n * 4);
    copy(ctx, ctx.bufferFrom(a), dst, n);
    accumulate(ctx, dst, ctx.bufferFrom(b), n);
    assertClose(await ctx.readF32(dst, n), Float32Array.from(ref.accumulate(a, b)), { atol: 0, rtol: 0, what: 'copy + accumulate' });
  });

  it('splits tensors larger than one binding into chunks (binding limit lowered to 4 KiB)', async () => {
    const ctx = await getCtx();
    const saved = ctx.maxBindingBytes;
    ctx.maxBindingBytes = 4096;
    try {
      const y = ctx.pool.acquire(n * 4);
      const before = ctx.dispatchCounts.get('add') ?? 0;
      add(ctx, ctx.bufferFrom(a), ctx.bufferFrom(b), y, n);
      expect((ctx.dispatchCounts.get('add') ?? 0) - before).toBe(Math.ceil(n / 1024));
      assertClose(await ctx.readF32(y, n), Float32Array.from(ref.add(a, b)), { atol: 0, rtol: 0, what: 'add (chunked)', shape });
    } finally {
      ctx.maxBindingBytes = saved;
    }
  });

  it('refuses aliased and undersized buffers, naming the op', async () => {
    const ctx = await getCtx();
    const x = ctx.pool.acquire(n * 4);
    expect(() => add(ctx, x, x, ctx.pool.acquire(n * 4), n)).toThrow(/add: the same buffer is bound twice/);
    expect(() => add(ctx, ctx.pool.acquire(256), ctx.pool.acquire(n * 4), x, n)).toThrow(/add: buffer .* holds 64 floats, needs 50830/);
  });

  // The vec4 variant runs when n (and a chunk's skip) is a multiple of 4; the cases above (n = 50830) run scalar.
  for (const vec4 of [true, false]) {
    it(`n a multiple of 4, ${vec4 ? 'vec4' : 'scalar'} variant: add, accumulate, fill and copy match the reference exactly`, async () => {
      const ctx = await getCtx();
      const m = 4 * 3001;
      const p = randomArray(m, 7), q = randomArray(m, 8);
      const y = ctx.pool.acquire(m * 4), z = ctx.pool.acquire(m * 4), f = ctx.pool.acquire(m * 4);
      elementwiseTuning.vec4 = vec4;
      try {
        add(ctx, ctx.bufferFrom(p), ctx.bufferFrom(q), y, m);
        copy(ctx, y, z, m);
        accumulate(ctx, z, ctx.bufferFrom(q), m);
        fill(ctx, f, m, 2.5);
      } finally {
        elementwiseTuning.vec4 = true;
      }
      const sum = Float32Array.from(ref.add(p, q));
      assertClose(await ctx.readF32(y, m), sum, { atol: 0, rtol: 0, what: 'add' });
      assertClose(await ctx.readF32(z, m), Float32Array.from(sum, (v, i) => v + Math.fround(q[i])), { atol: 0, rtol: 0, what: 'accumulate' });
      expect((await ctx.readF32(f, m)).every((v) => v === 2.5)).toBe(true);
    });
  }
});
