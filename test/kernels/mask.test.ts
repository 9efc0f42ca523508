// Tests for src/kernels/pointwise/mask.wgsl (mulMask): forward and backward vs the float64 reference, the backward
// vs finite differences on the reference and vs tf.grad, and the engine op's gradient through autograd.
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { mulMask, mulMaskBackward } from '../../src/kernels/pointwise/mask.js';
import * as ref from '../../src/kernels/pointwise/mask.reference.js';
import { Tensor } from '../../src/engine/tensor.js';
import { backward } from '../../src/engine/autograd.js';
import { scope } from '../../src/engine/scope.js';
import * as ops from '../../src/engine/ops.js';

// 2x5x37x29: odd sizes, the plane (1073) not a multiple of the 256-thread workgroup.
const shape = [2, 5, 37, 29];
const maskShape = [1, 1, 37, 29];
const n = 2 * 5 * 37 * 29;
const x = randomArray(n, 41);
const m = randomArray(37 * 29, 42, 0, 1);
const dy = randomArray(n, 43);
// One product in float32 either side: the GPU result is the float32 rounding of the float64 product.
const tol = { atol: 1e-7, rtol: 1e-6 };

describeEachAdapter('mulMask (mask.wgsl)', (getCtx) => {
  it('forward matches the reference and tfjs', async () => {
    const ctx = await getCtx();
    const y = ctx.pool.acquire(n * 4);
    mulMask(ctx, ctx.bufferFrom(x), ctx.bufferFrom(m), y, shape, maskShape);
    const got = await ctx.readF32(y, n);
    assertClose(got, ref.mulMask(x, m, shape), { ...tol, what: 'mulMask', shape });
    const theirs = oracleValue((a, b) => a.mul(b), [{ data: x, shape }, { data: m, shape: maskShape }]);
    assertClose(got, theirs, { ...tol, what: 'mulMask vs tfjs', shape });
  });

  it('backward: GPU vs reference, reference vs finite differences and tf.grad', async () => {
    const ctx = await getCtx();
    const dx = ctx.pool.acquire(n * 4);
    mulMaskBackward(ctx, ctx.bufferFrom(dy), ctx.bufferFrom(m), dx, shape, maskShape);
    const expected = ref.mulMaskBackward(dy, m, shape);
    assertClose(await ctx.readF32(dx, n), expected, { ...tol, what: 'mulMaskBackward', shape });
    const coords = [...Array(n).keys()].filter((i) => i % 1013 === 0);
    checkFiniteDifferences('mulMask', (v) => dot(ref.mulMask(v, m, shape), dy), x, expected, { h: 1e-3, atol: 1e-9, rtol: 1e-7, coords });
    const [tfGrad] = oracleGrads((a) => a.mul(tf.tensor(m, maskShape)), [{ data: x, shape }], dy);
    assertClose(tfGrad, expected, { ...tol, what: 'mulMaskBackward vs tf.grad', shape });
  });

  it('engine op: gradient through autograd, mask shape errors name the op and shapes', async () => {
    const ctx = await getCtx();
    const xt = Tensor.from(ctx, x, shape, { requiresGrad: true });
    scope(() => { backward(ops.sum(ops.mulMask(xt, Tensor.from(ctx, m, maskShape)))); });
    const grad = await xt.grad!.read();
    xt.dispose();
    const ones = new Float32Array(n).fill(1);
    assertClose(grad, ref.mulMaskBackward(ones, m, shape), { ...tol, what: 'd sum(x ⊙ m) / dx', shape });
    expect(() => scope(() => ops.mulMask(Tensor.zeros(ctx, shape), Tensor.zeros(ctx, [1, 1, 37, 28])))).toThrow(/mulMask: mask must be \[1,1,37,29\] for input \[2,5,37,29\], got \[1,1,37,28\]/);
  });
});
