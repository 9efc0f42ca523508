import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { reluForward, reluBackward } from '../../src/kernels/pointwise/relu.js';
import { elementwiseTuning } from '../../src/kernels/launch.js';
import * as ref from '../../src/kernels/pointwise/relu.reference.js';

describeEachAdapter('relu', (getCtx) => {
  // 1x3x37x29: odd, not a multiple of the 256-thread workgroup.
  const n = 3 * 37 * 29;
  const x = randomArray(n, 1);
  const dy = randomArray(n, 2);

  it('forward matches the reference exactly', async () => {
    const ctx = await getCtx();
    const y = ctx.pool.acquire(n * 4);
    reluForward(ctx, ctx.bufferFrom(x), y, n);
    assertClose(await ctx.readF32(y, n), ref.reluForward(x), { atol: 0, rtol: 0, what: 'relu', shape: [1, 3, 37, 29] });
  });

  it('backward matches the reference exactly', async () => {
    const ctx = await getCtx();
    const dx = ctx.pool.acquire(n * 4);
    reluBackward(ctx, ctx.bufferFrom(x), ctx.bufferFrom(dy), dx, n);
    assertClose(await ctx.readF32(dx, n), ref.reluBackward(x, dy), { atol: 0, rtol: 0, what: 'reluBackward', shape: [1, 3, 37, 29] });
  });

  it('backward in place (dx = dy: the gradient masked over itself) matches the reference exactly, scalar and vec4', async () => {
    const ctx = await getCtx();
    for (const [m, seed] of [[n, 6], [4 * 2777, 8]]) {
      const xs = randomArray(m, seed), dys = randomArray(m, seed + 1);
      const g = ctx.bufferFrom(dys);
      reluBackward(ctx, ctx.bufferFrom(xs), g, g, m);
      assertClose(await ctx.readF32(g, m), ref.reluBackward(xs, dys), { atol: 0, rtol: 0, what: `reluBackward in place (${m})` });
    }
  });

  it('vec4 variant (n a multiple of 4, one vec4 per invocation): forward and backward match the reference exactly', async () => {
    const ctx = await getCtx();
    const m = 4 * 2777;
    const xs = randomArray(m, 4), dys = randomArray(m, 5);
    const y = ctx.pool.acquire(m * 4), dx = ctx.pool.acquire(m * 4);
    const before = ctx.dispatchCounts.get('relu') ?? 0;
    reluForward(ctx, ctx.bufferFrom(xs), y, m);
    reluBackward(ctx, ctx.bufferFrom(xs), ctx.bufferFrom(dys), dx, m);
    expect((ctx.dispatchCounts.get('relu') ?? 0) - before).toBe(1);
    assertClose(await ctx.readF32(y, m), ref.reluForward(xs), { atol: 0, rtol: 0, what: 'relu (vec4)' });
    assertClose(await ctx.readF32(dx, m), ref.reluBackward(xs, dys), { atol: 0, rtol: 0, what: 'reluBackward (vec4)' });
  });

  it('a launch wider than 65535 workgroups folds into y and still covers every element', async () => {
    const ctx = await getCtx();
    const big = 256 * 65535 + 1000; // one more row of workgroups than the x dimension allows (one element per invocation)
    const xs = randomArray(big, 3);
    const y = ctx.pool.acquire(big * 4);
    elementwiseTuning.vec4 = false;
    try {
      reluForward(ctx, ctx.bufferFrom(xs), y, big);
    } finally {
      elementwiseTuning.vec4 = true;
    }
    const got = await ctx.readF32(y, big);
    expect(got[big - 1]).toBe(Math.max(xs[big - 1], 0));
    assertClose(got, ref.reluForward(xs), { atol: 0, rtol: 0, what: 'relu (folded grid)' });
  });
});
