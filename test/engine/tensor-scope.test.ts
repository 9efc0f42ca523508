import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray } from '../harness.js';
import { Tensor } from '../../src/engine/tensor.js';
import { keep, noGrad, scope, scopeAsync, scopeDepth } from '../../src/engine/scope.js';
import { backward, zeroGrad } from '../../src/engine/autograd.js';
import { add, addScalars, relu, sum } from '../../src/engine/ops.js';

describeEachAdapter('engine: tensor and scope', (getCtx) => {
  it('from/zeros/full/read round-trip, and shape errors name the op', async () => {
    const ctx = await getCtx();
    const data = randomArray(3 * 5 * 7, 1);
    const t = Tensor.from(ctx, data, [3, 5, 7]);
    expect(t.size).toBe(105);
    expect(Array.from(await t.read())).toEqual(Array.from(data));
    const z = Tensor.zeros(ctx, [2, 3]);
    expect(Array.from(await z.read())).toEqual([0, 0, 0, 0, 0, 0]);
    const f = Tensor.full(ctx, [3], 2.5);
    expect(Array.from(await f.read())).toEqual([2.5, 2.5, 2.5]);
    expect(() => Tensor.from(ctx, [1, 2, 3], [2, 2])).toThrow(/from: 3 values do not fill shape \[2,2\]/);
    expect(() => add(t, z)).toThrow('add: a [3,5,7] and b [2,3] must have the same shape');
    for (const x of [t, z, f]) x.dispose();
  });

  it('using a disposed tensor throws an error naming the op and the tensor', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, [1, -2, 3], [3]);
    x.dispose();
    x.dispose(); // twice is a no-op
    expect(() => relu(x)).toThrow(/relu: tensor \[3\] \(made by from\) was used after dispose\(\)/);
    await expect(x.read()).rejects.toThrow(/read: tensor \[3\]/);
  });

  it('a tensor freed before backward makes backward fail naming the backward op', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, [0.5], [1], { requiresGrad: true });
    const y = relu(x);
    const loss = add(y, y);
    y.dispose(); // relu's backward needs its output
    expect(() => backward(loss)).toThrow(/relu backward: tensor \[1\] \(made by relu\) was used after dispose/);
    loss.dispose();
    x.dispose();
  });

  it('scope frees intermediates: bytesInUse returns to baseline; returned and kept tensors survive', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, randomArray(1000, 2), [10, 100]);
    const base = ctx.pool.stats.bytesInUse;
    let inner: Tensor | null = null;
    let kept: Tensor | null = null;
    const { out } = scope(() => {
      inner = relu(x);
      kept = keep(relu(inner));
      const nested = scope(() => add(relu(x), x)); // returned from the inner scope: owned by the outer one
      return { out: add(nested, inner) };
    });
    expect(inner!.disposed).toBe(true);
    expect(kept!.disposed).toBe(false);
    expect(x.disposed).toBe(false); // made outside
    expect(ctx.pool.stats.bytesInUse).toBe(base + 2 * 4096);
    const got = await out.read();
    const xs = await x.read();
    expect(got[3]).toBeCloseTo(Math.max(xs[3], 0) * 2 + xs[3], 6);
    out.dispose();
    kept!.dispose();
    expect(ctx.pool.stats.bytesInUse).toBe(base);
    expect(scopeDepth()).toBe(0);
    x.dispose();
  });

  it('scope frees on throw; scopeAsync frees after await; scope refuses a promise', async () => {
    const ctx = await getCtx();
    const base = ctx.pool.stats.bytesInUse;
    expect(() => scope(() => { Tensor.zeros(ctx, [64]); throw new Error('boom'); })).toThrow('boom');
    expect(ctx.pool.stats.bytesInUse).toBe(base);
    const values = await scopeAsync(async () => {
      const t = relu(Tensor.from(ctx, [-1, 2], [2]));
      return t.read();
    });
    expect(Array.from(values)).toEqual([0, 2]);
    expect(ctx.pool.stats.bytesInUse).toBe(base);
    expect(() => scope(() => Promise.resolve(1) as unknown as number)).toThrow(/scopeAsync/);
    expect(scopeDepth()).toBe(0);
  });

  it('noGrad records nothing; fan-out gradients accumulate; leaf grads accumulate until zeroGrad', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, [0.5, -1, 2], [3], { requiresGrad: true });
    const y = noGrad(() => relu(x));
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    y.dispose();
    const base = ctx.pool.stats.bytesInUse;
    // loss = x0' where x' = relu(x) + relu(x) + x: gradient per element 2·[x>0] + 1; pick a scalar via a 1-element leaf
    const s = Tensor.from(ctx, [0.75], [1], { requiresGrad: true });
    scope(() => {
      const r = relu(s);
      backward(add(add(r, r), s)); // d/ds = 2 + 1
    });
    expect(Array.from(await s.grad!.read())).toEqual([3]);
    scope(() => backward(add(s, s))); // accumulates: 3 + 2
    expect(Array.from(await s.grad!.read())).toEqual([5]);
    zeroGrad(s);
    expect(s.grad).toBeNull();
    s.dispose();
    expect(ctx.pool.stats.bytesInUse).toBe(base);
    x.dispose();
  });
});

describeEachAdapter('engine: backward memory and errors', (getCtx) => {
  it('intermediate gradients are freed as soon as consumed: backward of a 20-op chain holds ~2 gradients at a time', async () => {
    const ctx = await getCtx();
    const shape = [1, 1, 64, 64]; // 16 KiB per tensor
    const bytes = 64 * 64 * 4;
    const x = Tensor.from(ctx, randomArray(64 * 64, 9), shape, { requiresGrad: true });
    scope(() => {
      let h = x;
      for (let i = 0; i < 20; i++) h = relu(add(h, x));
      const loss = sum(h);
      const forward = ctx.pool.stats.bytesInUse;
      ctx.pool.stats.peakBytes = forward; // measure the peak of backward alone
      backward(loss);
      // Live at once: the gradient flowing down the chain, the one being made, x's accumulated gradient,
      // plus reduction scratch; never one per op (that would be 40 · 16 KiB).
      expect(ctx.pool.stats.peakBytes - forward).toBeLessThanOrEqual(4 * bytes);
    });
    expect(x.grad).not.toBeNull();
    x.dispose();
  });

  it('two leaves reached by one pass-through gradient (add) each own a separate gradient buffer', async () => {
    const ctx = await getCtx();
    const a = Tensor.from(ctx, [1, 2], [2], { requiresGrad: true });
    const b = Tensor.from(ctx, [3, 4], [2], { requiresGrad: true });
    const s = Tensor.from(ctx, [5], [1, 1], { requiresGrad: true });
    scope(() => backward(addScalars(sum(add(a, b)), s))); // s: [1,1], its gradient arrives shaped [1]
    expect(a.grad!.buffer).not.toBe(b.grad!.buffer);
    expect(Array.from(await a.grad!.read())).toEqual([1, 1]);
    expect(Array.from(await b.grad!.read())).toEqual([1, 1]);
    expect(s.grad!.shape).toEqual([1, 1]);
    a.dispose();
    b.dispose();
    s.dispose();
  });

  it('backward refuses a non-scalar loss and a loss that does not require grad', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, [1, 2], [2], { requiresGrad: true });
    const c = Tensor.from(ctx, [1], [1]);
    scope(() => {
      expect(() => backward(relu(x))).toThrow('backward: loss must be a scalar (one element), got shape [2]');
      expect(() => backward(relu(c))).toThrow(/does not require grad/);
      expect(() => backward(noGrad(() => sum(x)))).toThrow(/does not require grad/);
    });
    x.dispose();
    c.dispose();
  });
});
