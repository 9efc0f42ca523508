// Issue 23: a step that repeats its requests binds the same buffers every time, so its bind groups come from the
// cache. The pool hands out the oldest free buffer of a size class whatever the order buffers came back in (a
// last-released-first list let the assignment drift, and a ResNet-50 evaluation made 100-200 new bind groups a time).
import { describe, expect, it } from 'vitest';
import { BufferPool } from '../../src/gpu/buffer-pool.js';
import { getContext } from '../../src/gpu/context.js';
import { add } from '../../src/kernels/pointwise/add.js';
import { fastestAdapter, upload } from '../harness.js';

describe(`steady buffers and bind groups [${fastestAdapter()}]`, () => {
  it('the pool gives the oldest free buffer of a class, whatever the release order', async () => {
    const ctx = await getContext(fastestAdapter());
    const pool = new BufferPool(ctx.device, ctx.limits.maxBufferSize);
    const [a, b, c] = [pool.acquire(1000), pool.acquire(1000), pool.acquire(1000)];
    for (const order of [[a, b, c], [c, b, a], [b, c, a]]) {
      for (const buffer of order) pool.release(buffer);
      const got = [pool.acquire(1000), pool.acquire(1000), pool.acquire(1000)];
      expect(got.map((buffer) => [a, b, c].indexOf(buffer))).toEqual([0, 1, 2]);
    }
    for (const buffer of [a, b, c]) pool.release(buffer);
    pool.trim();
    expect(pool.stats.created).toBe(3);
  });

  it('a repeated step whose temporaries come back in another order creates no bind group the second time', async () => {
    const ctx = await getContext(fastestAdapter());
    const n = 1024;
    const x = upload(ctx, new Float32Array(n).fill(1));
    const y = upload(ctx, new Float32Array(n).fill(2));
    // A step as an evaluation runs: the previous step's result is released first, then a chain of adds through
    // pooled temporaries, released as they are consumed; the last one is the step's result.
    let result: GPUBuffer | null = null;
    const step = () => {
      if (result) ctx.pool.release(result);
      let prev = ctx.pool.acquire(n * 4);
      add(ctx, x, y, prev, n);
      for (let i = 1; i < 4; i++) {
        const next = ctx.pool.acquire(n * 4);
        add(ctx, prev, x, next, n);
        ctx.pool.release(prev);
        prev = next;
      }
      result = prev;
    };
    step();
    await ctx.sync();
    const device = ctx.device;
    const create = device.createBindGroup.bind(device);
    let made = 0;
    (device as { createBindGroup: GPUDevice['createBindGroup'] }).createBindGroup = (d) => { made++; return create(d); };
    try {
      for (let k = 0; k < 3; k++) step();
      await ctx.sync();
    } finally {
      (device as { createBindGroup: GPUDevice['createBindGroup'] }).createBindGroup = create;
    }
    expect(made).toBe(0);
    // Each step computed the same chain: x + y + 3x = 6.
    expect((await ctx.readF32(result!, 4))[0]).toBe(6);
    for (const b of [x, y, result!]) ctx.pool.release(b);
  });
});
