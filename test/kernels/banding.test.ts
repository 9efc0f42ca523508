// Channel bands and chunks: kernels over tensors larger than one storage binding (issue 7, high
// resolution). Each test lowers ctx.maxBindingBytes so small tensors take the banded path, then compares
// with the single-dispatch result of the same kernel (and the float64 reference for conv2d). Plane sizes
// are not multiples of 64 floats, so band offsets are not 256-byte aligned and the skip path runs.
// Kernels exercised: conv2d.wgsl (ACCUM), conv2d-backward-input.wgsl (ACCUM), conv2d-reflect-fold.wgsl (skip), relu.wgsl,
// optim.wgsl (axpy and scale), mask.wgsl, gram-register.wgsl (band pairs, accumulated backward).
import { afterEach, expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { conv2d, conv2dBackwardInput, conv2dGeometry, type PadMode } from '../../src/kernels/conv/conv2d.js';
import { channelBands } from '../../src/kernels/conv/banding.js';
import { reluForward, reluBackward } from '../../src/kernels/pointwise/relu.js';
import { axpy, scale } from '../../src/kernels/optim/optim.js';
import { mulMask } from '../../src/kernels/pointwise/mask.js';
import { gram, gramBackward } from '../../src/kernels/reduce/gram.js';
import type { Shape4 } from '../../src/kernels/shape.js';
import * as gramRef from '../../src/kernels/reduce/gram.reference.js';
import type { GpuContext } from '../../src/gpu/context.js';
import * as ref from '../../src/kernels/conv/conv2d.reference.js';

interface Case { name: string; x: number[]; w: number[]; stride: number; padding: number; padMode?: PadMode; binding: number }

// binding: the lowered maxBindingBytes. 24 KiB holds 5 planes of 37x29 (1073 floats): bands of 5 input
// channels and 4 output channels (tile G lowered to 1); 40 KiB holds 9 (output bands of 8, G = 2).
const CASES: Case[] = [
  { name: '1x13x37x29 -> 21, 3x3 s1 p1 (24 KiB)', x: [1, 13, 37, 29], w: [21, 13, 3, 3], stride: 1, padding: 1, binding: 24 << 10 },
  { name: '2x11x37x29 -> 19, 1x1 s1 (40 KiB)', x: [2, 11, 37, 29], w: [19, 11, 1, 1], stride: 1, padding: 0, binding: 40 << 10 },
  { name: '1x9x37x29 -> 35, 3x3 s2 p1 (18 KiB)', x: [1, 9, 37, 29], w: [35, 9, 3, 3], stride: 2, padding: 1, binding: 18 << 10 },
  { name: '1x7x35x27 -> 9, 3x3 s1 reflect 1 (24 KiB)', x: [1, 7, 35, 27], w: [9, 7, 3, 3], stride: 1, padding: 1, padMode: 'reflect', binding: 24 << 10 },
];

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

describeEachAdapter('channel bands', (getCtx) => {
  let lowered: GpuContext | null = null;
  afterEach(() => { if (lowered) lowered.maxBindingBytes = lowered.limits.maxStorageBufferBindingSize; lowered = null; });
  async function ctxWith(binding?: number): Promise<GpuContext> {
    const ctx = await getCtx();
    ctx.maxBindingBytes = binding ?? ctx.limits.maxStorageBufferBindingSize;
    lowered = ctx;
    return ctx;
  }

  for (const c of CASES) {
    it(`conv2d forward ${c.name}: banded = single dispatch = reference (bias, relu)`, async () => {
      const g = conv2dGeometry({ inShape: c.x, weightShape: c.w, stride: c.stride, padding: c.padding, padMode: c.padMode });
      const x = randomArray(size(g.inShape), 1);
      const w = randomArray(size(g.weightShape), 2).map((v) => v / Math.sqrt(g.C * g.KH * g.KW));
      const b = randomArray(g.O, 3);
      const n = size(g.outShape);
      const ctx = await ctxWith();
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b);
      const whole = ctx.pool.acquire(n * 4), banded = ctx.pool.acquire(n * 4), bandedPlain = ctx.pool.acquire(n * 4);
      conv2d(ctx, { x: xb, w: wb, b: bb, y: whole, geometry: g, relu: true });
      const before = ctx.dispatchCounts.get('conv2d') ?? 0;
      ctx.maxBindingBytes = c.binding;
      // More than one band on each side, so ACCUM and the last-band epilogue both run.
      expect(channelBands(ctx, 't', 'x', xb, 0, g.C, g.H * g.W).length).toBeGreaterThan(1);
      conv2d(ctx, { x: xb, w: wb, b: bb, y: banded, geometry: g, relu: true });
      conv2d(ctx, { x: xb, w: wb, y: bandedPlain, geometry: g });
      expect((ctx.dispatchCounts.get('conv2d') ?? 0) - before).toBeGreaterThan(2);
      const expected = ref.conv2d(g, x, w, b, true);
      // Sums regrouped by band: float32 rounding differs at ~1e-6 on O(1) values.
      assertClose(await ctx.readF32(whole, n), expected, { atol: 2e-5, what: `conv2d whole ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(banded, n), expected, { atol: 2e-5, what: `conv2d banded ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(bandedPlain, n), ref.conv2d(g, x, w), { atol: 2e-5, what: `conv2d banded, no bias ${c.name}`, shape: g.outShape });
      for (const buf of [xb, wb, bb, whole, banded, bandedPlain]) ctx.pool.release(buf);
    });

    it(`conv2dBackwardInput ${c.name}: banded = single dispatch = reference (with and without ReLU mask)`, async () => {
      const g = conv2dGeometry({ inShape: c.x, weightShape: c.w, stride: c.stride, padding: c.padding, padMode: c.padMode });
      const w = randomArray(size(g.weightShape), 4).map((v) => v / Math.sqrt(g.O * g.KH * g.KW));
      const dy = randomArray(size(g.outShape), 5);
      const ym = randomArray(size(g.outShape), 6);
      const n = size(g.inShape);
      const ctx = await ctxWith();
      const wb = ctx.bufferFrom(w), dyb = ctx.bufferFrom(dy), yb = ctx.bufferFrom(ym);
      const whole = ctx.pool.acquire(n * 4), banded = ctx.pool.acquire(n * 4), wholeMasked = ctx.pool.acquire(n * 4), bandedMasked = ctx.pool.acquire(n * 4);
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: whole, geometry: g });
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: wholeMasked, geometry: g, y: yb });
      ctx.maxBindingBytes = c.binding;
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: banded, geometry: g });
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: bandedMasked, geometry: g, y: yb });
      const expected = ref.conv2dBackwardInput(g, dy, w);
      assertClose(await ctx.readF32(banded, n), expected, { atol: 4e-5, what: `dx banded ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(banded, n), await ctx.readF32(whole, n), { atol: 4e-5, what: `dx banded vs whole ${c.name}`, shape: g.inShape });
      const masked = dy.map((v, i) => (ym[i] > 0 ? v : 0));
      assertClose(await ctx.readF32(bandedMasked, n), ref.conv2dBackwardInput(g, masked, w), { atol: 4e-5, what: `dx banded masked ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(bandedMasked, n), await ctx.readF32(wholeMasked, n), { atol: 4e-5, what: `dx masked banded vs whole ${c.name}`, shape: g.inShape });
      for (const buf of [wb, dyb, yb, whole, banded, wholeMasked, bandedMasked]) ctx.pool.release(buf);
    });
  }

  it('conv2d names the op, the size and the largest plane that fits when one band cannot hold 4 output planes', async () => {
    const g = conv2dGeometry({ inShape: [1, 3, 64, 65], weightShape: [8, 3, 3, 3], padding: 1 });
    const ctx = await ctxWith(20 << 10); // one 64x65 input plane fits, four output planes do not
    const x = ctx.pool.acquire(size(g.inShape) * 4), w = ctx.pool.acquire(size(g.weightShape) * 4), y = ctx.pool.acquire(size(g.outShape) * 4);
    expect(() => conv2d(ctx, { x, w, y, geometry: g })).toThrow(/conv2d: output \[1,8,64,65\] needs .* over the storage binding limit \(20(\.0)? KiB\); the largest plane that fits is about 35x35/);
    for (const buf of [x, w, y]) ctx.pool.release(buf);
  });

  // [2,13,37,29]: 4292 B planes; 24 KiB holds 5, rounded down to a multiple of 4 channels: bands 4,4,4,1 per
  // image, offsets not 256-byte aligned (the skip path), scalar loads (H·W odd). [1,10,8,8]: 256 B planes,
  // 2 KiB bindings: bands 4,4,2 with vec4 loads. Each compared with the unbanded launch and the float64 reference.
  for (const [shape, binding] of [[[2, 13, 37, 29], 24 << 10], [[1, 10, 8, 8], 2 << 10]] as [Shape4, number][]) {
    it(`gram and gramBackward [${shape}] over channel bands (${binding >> 10} KiB) = one launch = reference`, async () => {
      const [n, c, h, w] = shape;
      const total = n * c * h * w;
      const x = randomArray(total, 13), dg = randomArray(n * c * c, 14);
      const ctx = await ctxWith();
      const fb = ctx.bufferFrom(x), dgb = ctx.bufferFrom(dg);
      const [g1, g2] = [0, 1].map(() => ctx.pool.acquire(n * c * c * 4));
      const [df1, df2] = [0, 1].map(() => ctx.pool.acquire(total * 4));
      gram(ctx, fb, g1, shape, 'register');
      gramBackward(ctx, dgb, fb, df1, shape, 'register');
      ctx.maxBindingBytes = binding;
      const bands = channelBands(ctx, 't', 'x', fb, 0, c, h * w, 4);
      expect(bands.length).toBeGreaterThan(2);
      const before = ctx.dispatchCounts.get('gramRegister') ?? 0;
      gram(ctx, fb, g2, shape);
      gramBackward(ctx, dgb, fb, df2, shape);
      const k = bands.length;
      expect((ctx.dispatchCounts.get('gramRegister') ?? 0) - before).toBe((n * k * (k + 1)) / 2);
      const gRef = gramRef.gram(x, shape), dfRef = gramRef.gramBackward(dg, x, shape);
      const gotG2 = await ctx.readF32(g2, n * c * c), gotDf2 = await ctx.readF32(df2, total);
      assertClose(gotG2, await ctx.readF32(g1, n * c * c), { atol: 1e-7, what: 'gram banded vs whole', shape: [n, c, c] });
      assertClose(gotG2, gRef, { atol: 1e-6, what: 'gram banded', shape: [n, c, c] });
      // Backward sums over C regrouped by band: rounding differs at ~1e-7 relative.
      assertClose(gotDf2, await ctx.readF32(df1, total), { atol: 1e-6, what: 'gramBackward banded vs whole', shape });
      assertClose(gotDf2, dfRef, { atol: 1e-6, what: 'gramBackward banded', shape });
      for (const buf of [fb, dgb, g1, g2, df1, df2]) ctx.pool.release(buf);
    });
  }

  it('relu and reluBackward in chunks (odd length, unaligned chunk starts) = one launch', async () => {
    const n = 3 * 37 * 29 * 5 + 7;
    const x = randomArray(n, 7), dy = randomArray(n, 8);
    const ctx = await ctxWith();
    const xb = ctx.bufferFrom(x), dyb = ctx.bufferFrom(dy);
    const [y1, y2, dx1, dx2] = [0, 1, 2, 3].map(() => ctx.pool.acquire(n * 4));
    reluForward(ctx, xb, y1, n);
    reluBackward(ctx, xb, dyb, dx1, n);
    ctx.maxBindingBytes = 4 << 10;
    const before = ctx.dispatchCounts.get('relu') ?? 0;
    reluForward(ctx, xb, y2, n);
    reluBackward(ctx, xb, dyb, dx2, n);
    expect((ctx.dispatchCounts.get('relu') ?? 0) - before).toBe(Math.ceil(n / 1024));
    assertClose(await ctx.readF32(y2, n), await ctx.readF32(y1, n), { atol: 0, rtol: 0, what: 'relu chunked' });
    assertClose(await ctx.readF32(dx2, n), await ctx.readF32(dx1, n), { atol: 0, rtol: 0, what: 'reluBackward chunked' });
    for (const buf of [xb, dyb, y1, y2, dx1, dx2]) ctx.pool.release(buf);
  });

  it('axpy and scale (constant and GPU alpha) in chunks = one launch', async () => {
    const n = 5 * 1073 + 3;
    const x = randomArray(n, 9), y = randomArray(n, 10);
    const ctx = await ctxWith();
    const alpha = ctx.bufferFrom(new Float32Array([0.5, -1.25]));
    const results: Float32Array[] = [];
    for (const binding of [undefined, 4 << 10]) {
      ctx.maxBindingBytes = binding ?? ctx.limits.maxStorageBufferBindingSize;
      const xb = ctx.bufferFrom(x), yb = ctx.bufferFrom(y);
      axpy(ctx, { y: yb, x: xb, n, alpha: 0.75 });
      axpy(ctx, { y: yb, x: xb, n, alpha: { buffer: alpha, index: 1 }, alphaScale: 2 });
      scale(ctx, { x: yb, n, alpha: -3 });
      scale(ctx, { x: xb, n, alpha });
      results.push(await ctx.readF32(yb, n), await ctx.readF32(xb, n));
      ctx.pool.release(xb); ctx.pool.release(yb);
    }
    assertClose(results[2], results[0], { atol: 0, rtol: 0, what: 'axpy + scale chunked' });
    assertClose(results[3], results[1], { atol: 0, rtol: 0, what: 'scale by GPU alpha chunked' });
    assertClose(results[0], y.map((v, i) => -3 * (v + 0.75 * x[i] - 2.5 * x[i])), { atol: 1e-5, what: 'axpy + scale' });
    ctx.pool.release(alpha);
  });

  it('mulMask in chunks (plane index continues across chunks) = one launch = reference', async () => {
    const shape = [1, 7, 37, 29];
    const n = 7 * 37 * 29;
    const x = randomArray(n, 11), m = randomArray(37 * 29, 12, 0, 1);
    const ctx = await ctxWith();
    const xb = ctx.bufferFrom(x), mb = ctx.bufferFrom(m), y1 = ctx.pool.acquire(n * 4), y2 = ctx.pool.acquire(n * 4);
    mulMask(ctx, xb, mb, y1, shape, [1, 1, 37, 29]);
    ctx.maxBindingBytes = 5 << 10;
    const before = ctx.dispatchCounts.get('mulMask') ?? 0;
    mulMask(ctx, xb, mb, y2, shape, [1, 1, 37, 29]);
    expect((ctx.dispatchCounts.get('mulMask') ?? 0) - before).toBeGreaterThan(1);
    assertClose(await ctx.readF32(y2, n), await ctx.readF32(y1, n), { atol: 0, rtol: 0, what: 'mulMask chunked' });
    assertClose(await ctx.readF32(y2, n), x.map((v, i) => v * m[i % (37 * 29)]), { atol: 1e-7, what: 'mulMask' });
    for (const buf of [xb, mb, y1, y2]) ctx.pool.release(buf);
  });
});
