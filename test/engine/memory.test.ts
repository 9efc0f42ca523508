import { expect, it } from 'vitest';
import { describeEachAdapter, randn, randomArray } from '../harness.js';
import { Tensor } from '../../src/engine/tensor.js';
import { keep, noGrad, scope } from '../../src/engine/scope.js';
import { backward, zeroGrad } from '../../src/engine/autograd.js';
import { counters, since } from '../../src/engine/stats.js';
import * as ops from '../../src/engine/ops.js';
import { axpy } from '../../src/kernels/optim/optim.js';

describeEachAdapter('engine: steady-state memory', (getCtx) => {
  it('500 SGD steps of a tiny conv net + Gram + MSE: constant bytesInUse after step 2, no new buffers after warm-up, no readback', async () => {
    const ctx = await getCtx();
    const x = Tensor.from(ctx, randomArray(3 * 12 * 10, 1, 0, 1), [1, 3, 12, 10]);
    const params = [
      Tensor.from(ctx, randn(6 * 3 * 9, 2, 0.3), [6, 3, 3, 3], { requiresGrad: true }),
      Tensor.from(ctx, randn(6, 3, 0.1), [6], { requiresGrad: true }),
      Tensor.from(ctx, randn(6 * 6 * 9, 4, 0.2), [6, 6, 3, 3], { requiresGrad: true }),
    ];
    const [w1, b1, w2] = params;
    const target = keep(noGrad(() => scope(() => ops.gram(Tensor.from(ctx, randomArray(6 * 12 * 10, 5, 0, 1), [1, 6, 12, 10])))));
    const model = (): Tensor => {
      const h = ops.conv2d(x, w1, b1, { padding: 1, relu: true });
      const r = ops.relu(ops.add(ops.conv2d(h, w2, null, { padding: 1 }), h));
      return ops.mseLoss(ops.gram(r), target);
    };
    /** Forward, backward, plain SGD p ← p − lr·∇p, free the gradients; the loss scalar is kept. */
    const step = (lr: number): Tensor => scope(() => {
      const loss = model();
      backward(loss);
      for (const p of params) axpy(ctx, { y: p.buffer, x: p.grad!.buffer, n: p.size, alpha: -lr });
      zeroGrad(...params);
      return loss;
    });

    const first = step(0.5);
    const firstLoss = (await first.read())[0];
    first.dispose();
    const inUse: number[] = [];
    const created: number[] = [];
    let perStep = since(ctx, counters(ctx));
    for (let i = 2; i <= 500; i++) {
      const before = counters(ctx);
      step(0.5).dispose();
      perStep = since(ctx, before);
      expect(perStep.submits).toBe(0); // the engine never submits or reads back inside a step
      ctx.submit(); // one submit per step, as the optimisation loop does
      inUse.push(ctx.pool.stats.bytesInUse);
      created.push(ctx.pool.stats.created);
    }
    const lastLoss = (await scope(() => noGrad(model)).read())[0];
    await ctx.sync();
    // After step 2 every step returns the pool to the same bytes in use and creates no buffer.
    expect(new Set(inUse).size).toBe(1);
    expect(new Set(created).size).toBe(1);
    expect(perStep.buffersCreated).toBe(0);
    expect(perStep.bytesInUse).toBe(0);
    // One step's launches (conv forward has a weight-transpose launch; reductions have two stages).
    // Two backward-weights: each the direct kernel or, as gemm (conv2d.ts), one im2colTransposed.
    expect((perStep.kernels.conv2dBackwardWeight ?? 0) + (perStep.kernels.im2colTransposed ?? 0)).toBe(2);
    expect(perStep.kernels.axpy).toBe(3);
    expect(Number.isFinite(lastLoss) && lastLoss < firstLoss).toBe(true);
    for (const t of [x, target, ...params]) t.dispose();
  }, 120_000);
});
