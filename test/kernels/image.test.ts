// Tests for src/kernels/image/image.wgsl: clamp (forward, in place, masked backward) and toRGBA8 packing.
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { checkFiniteDifferences, dot } from '../gradcheck.js';
import { oracleGrads, oracleValue, tf } from '../oracle.js';
import { clamp, clampBackward, toRGBA8 } from '../../src/kernels/image/image.js';
import * as ref from '../../src/kernels/image/image.reference.js';

const shape = [2, 3, 37, 29];
const n = 2 * 3 * 37 * 29;
// Values spread over [-0.5, 1.5] so about half are clamped; plus exact 0 and 1 to test the inclusive mask.
const x = randomArray(n, 31, -0.5, 1.5);
x[0] = 0; x[1] = 1; x[2] = -0; x[3] = 0.5;
const dy = randomArray(n, 32);

describeEachAdapter('image (image.wgsl)', (getCtx) => {
  it('clamp matches the reference and tfjs exactly, out of place and in place', async () => {
    const ctx = await getCtx();
    const y = ctx.pool.acquire(n * 4);
    clamp(ctx, ctx.bufferFrom(x), y, n, 0, 1);
    const expected = ref.clamp(x, 0, 1);
    assertClose(await ctx.readF32(y, n), expected, { atol: 0, rtol: 0, what: 'clamp', shape });
    assertClose(await ctx.readF32(y, n), oracleValue((v) => tf.clipByValue(v, 0, 1), [{ data: x, shape }]), { atol: 0, rtol: 0, what: 'clamp vs tfjs', shape });
    const buf = ctx.bufferFrom(x);
    clamp(ctx, buf, buf, n, 0, 1);
    assertClose(await ctx.readF32(buf, n), expected, { atol: 0, rtol: 0, what: 'clamp in place', shape });
  });

  it('clampBackward (masked): GPU vs reference, reference vs finite differences and tf.grad', async () => {
    const ctx = await getCtx();
    const dx = ctx.pool.acquire(n * 4);
    clampBackward(ctx, ctx.bufferFrom(x), ctx.bufferFrom(dy), dx, n, 0, 1);
    const expected = ref.clampBackward(x, dy, 0, 1);
    assertClose(await ctx.readF32(dx, n), expected, { atol: 0, rtol: 0, what: 'clampBackward', shape });
    // Finite differences away from the kinks at 0 and 1 (the derivative is undefined there).
    const coords = [...Array(n).keys()].filter((i) => Math.abs(x[i]) > 0.01 && Math.abs(x[i] - 1) > 0.01).filter((_, k) => k % 997 === 0);
    checkFiniteDifferences('clamp', (v) => dot(ref.clamp(v, 0, 1), dy), x, expected, { h: 1e-3, atol: 1e-9, rtol: 1e-7, coords });
    const [tfGrad] = oracleGrads((v) => tf.clipByValue(v, 0, 1), [{ data: x, shape }], dy);
    assertClose(tfGrad, expected, { atol: 0, rtol: 0, what: 'clampBackward vs tf.grad (mask includes lo and hi)', shape });
  });

  it('toRGBA8 packs R,G,B,255 bytes as the reference does', async () => {
    const ctx = await getCtx();
    const pixels = 2 * 37 * 29;
    const out = ctx.pool.acquire(pixels * 4);
    toRGBA8(ctx, ctx.bufferFrom(x), out, shape);
    const got = new Uint32Array(await ctx.readBytes(out, pixels * 4));
    const expected = ref.toRGBA8(x, shape);
    const bad = [...got.keys()].filter((i) => got[i] !== expected[i]);
    expect(bad.slice(0, 5).map((i) => `[${i}] ${got[i].toString(16)} != ${expected[i].toString(16)}`)).toEqual([]);
    // Hand check on one 1x3x1x2 image: pixel 0 (0.5, 1.5, -1) -> 128, 255, 0; pixel 1 (0, 1, 0.2) -> 0, 255, 51.
    const one = ctx.pool.acquire(8);
    toRGBA8(ctx, ctx.bufferFrom(new Float32Array([0.5, 0, 1.5, 1, -1, 0.2])), one, [1, 3, 1, 2]);
    expect([...new Uint8Array(await ctx.readBytes(one, 8))]).toEqual([128, 255, 0, 255, 0, 255, 51, 255]);
  });

  it('rejects bad arguments naming the op', async () => {
    const ctx = await getCtx();
    const b = ctx.pool.acquire(64);
    expect(() => clamp(ctx, b, b, 4, 1, 0)).toThrow(/clamp: lo \(1\) must be <= hi \(0\)/);
    expect(() => toRGBA8(ctx, b, b, [1, 1, 2, 2])).toThrow(/toRGBA8: expected an RGB image/);
  });
});
