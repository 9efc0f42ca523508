// L-BFGS and Adam on the GPU reach the known minimum of an ill-conditioned quadratic:
//   f(x) = mean_i (s_c(i) · (x_i − m_i))²  with per-channel scales s = [1, 3, 10]  (condition number 100),
// whose minimum is x = m, f = 0. Built from engine ops (affine + mseLoss), so autograd is in the loop.
import { expect, it } from 'vitest';
import { Tensor } from '../../src/engine/tensor.js';
import { backward } from '../../src/engine/autograd.js';
import { keep, scope } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';
import { createOptimizer } from '../../src/style/optimize.js';
import { describeEachAdapter, randomArray } from '../harness.js';
import type { GpuContext } from '../../src/gpu/context.js';

const SHAPE = [1, 3, 17, 23];
const N = 3 * 17 * 23;
const SCALES = [1, 3, 10];
const TARGET = randomArray(N, 5);

function quadratic(ctx: GpuContext) {
  const scale = keep(Tensor.from(ctx, SCALES, [3]));
  // shift_c = −s_c·m_i is per element, so express f as mse(affine(x, s, 0), affine(m, s, 0)).
  const zero = keep(Tensor.from(ctx, [0, 0, 0], [3]));
  const target = keep(ops.affine(Tensor.from(ctx, TARGET, SHAPE), scale, zero));
  return {
    evaluate: (x: Tensor) => scope(() => {
      x.grad?.dispose();
      x.grad = null;
      const loss = ops.mseLoss(ops.affine(x, scale, zero), target);
      backward(loss);
      return { loss: keep(loss), terms: [] as Tensor[] };
    }),
    dispose: () => { scale.dispose(); zero.dispose(); target.dispose(); },
  };
}

async function minimise(ctx: GpuContext, name: 'lbfgs' | 'adam', iterations: number, lr: number) {
  const f = quadratic(ctx);
  const x = keep(Tensor.from(ctx, new Float32Array(N), SHAPE, { requiresGrad: true }));
  const opt = createOptimizer(ctx, name, x, { learningRate: lr, history: 8 });
  let first = NaN;
  let lastLoss = NaN;
  for (let i = 0; i < iterations; i++) {
    const { loss } = opt.step(() => f.evaluate(x));
    if (i === 0 || i === iterations - 1) {
      const v = (await loss.read())[0];
      if (i === 0) first = v; else lastLoss = v;
    }
    loss.dispose();
  }
  const final = await x.read();
  opt.dispose();
  x.dispose();
  f.dispose();
  let maxErr = 0;
  for (let i = 0; i < N; i++) maxErr = Math.max(maxErr, Math.abs(final[i] - TARGET[i]));
  return { first, lastLoss, maxErr };
}

describeEachAdapter('optimisers on a quadratic', (getCtx) => {
  it('L-BFGS reaches the minimum (|x − m| < 1e-3) in 40 iterations', async () => {
    const r = await minimise(await getCtx(), 'lbfgs', 40, 1);
    expect(r.first).toBeGreaterThan(1);
    expect(r.maxErr).toBeLessThan(1e-3);
  });
  it('Adam reaches the minimum (|x − m| < 1e-2) in 400 iterations', async () => {
    const r = await minimise(await getCtx(), 'adam', 400, 0.05);
    expect(r.lastLoss).toBeLessThan(r.first * 1e-4);
    expect(r.maxErr).toBeLessThan(1e-2);
  });
});
