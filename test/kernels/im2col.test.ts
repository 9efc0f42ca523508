// im2col kernel (im2col.wgsl) against the reference, and conv2d's im2col + gemm route against the conv2d
// reference and the direct kernel: strides 1-2, zero and reflect padding, a batch, a 7x7/2 stem-like layer.
// Then col2im (its adjoint) and conv2dBackwardInput's gemm + col2im route the same way (zero padding).
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { conv2d, conv2dBackwardInput, conv2dGeometry, type PadMode } from '../../src/kernels/conv/conv2d.js';
import { col2imApplies, convTuning, im2colApplies } from '../../src/kernels/conv/route-plan.js';
import { winogradTuning } from '../../src/kernels/conv/conv2d-winograd.js';
import { col2im, im2col, im2colElements } from '../../src/kernels/conv/im2col.js';
import * as ref from '../../src/kernels/conv/conv2d.reference.js';
import { col2im as refCol2im, im2col as refIm2col } from '../../src/kernels/conv/im2col.reference.js';

// outH·outW a multiple of 4 in every case (the gemm's vec4 columns).
const CASES: Array<{ name: string; x: number[]; w: number[]; stride: number; padding: number; padMode?: PadMode }> = [
  { name: '1x3x40x32 -> 8, 7x7 s2 p3 (a stem)', x: [1, 3, 40, 32], w: [8, 3, 7, 7], stride: 2, padding: 3 },
  { name: '2x3x16x12 -> 16, 3x3 s1 p1 (a first VGG conv, batch of 2)', x: [2, 3, 16, 12], w: [16, 3, 3, 3], stride: 1, padding: 1 },
  { name: '1x5x16x12 -> 6, 3x3 s1 reflect 1', x: [1, 5, 16, 12], w: [6, 5, 3, 3], stride: 1, padding: 1, padMode: 'reflect' },
  { name: '1x9x15x15 -> 20, 3x3 s2 p1', x: [1, 9, 15, 15], w: [20, 9, 3, 3], stride: 2, padding: 1 },
];
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

describeEachAdapter('im2col', (getCtx) => {
  for (const c of CASES) {
    it(`${c.name}: patch matrix = reference; conv2d by im2col + gemm = reference = direct kernel (bias, ReLU)`, async () => {
      const ctx = await getCtx();
      const g = conv2dGeometry({ inShape: c.x, weightShape: c.w, stride: c.stride, padding: c.padding, padMode: c.padMode });
      const x = randomArray(size(g.inShape), 61);
      const w = randomArray(size(g.weightShape), 62).map((v) => v / Math.sqrt(g.C * g.KH * g.KW));
      const b = randomArray(g.O, 63);
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b);
      const n = im2colElements(g), ny = size(g.outShape);
      const cols = ctx.pool.acquire(n * 4), y = ctx.pool.acquire(ny * 4), yd = ctx.pool.acquire(ny * 4);
      im2col(ctx, xb, cols, g);
      // llvmpipe keeps the direct kernel below 16 input channels: take the route anyway, to test it (and keep
      // Winograd, which comes first, off the 3x3 stride-1 cases).
      const saved = convTuning.minGemmChannels;
      convTuning.minGemmChannels = 1;
      winogradTuning.enabled = false;
      const launches = () => ctx.dispatchCounts.get('im2col') ?? 0;
      let before = launches();
      try {
        expect(im2colApplies(ctx, g)).toBe(true);
        conv2d(ctx, { x: xb, w: wb, b: bb, y, geometry: g, relu: true, weightsKey: wb });
      } finally {
        convTuning.minGemmChannels = saved;
        winogradTuning.enabled = true;
      }
      expect(launches() - before).toBe(1);
      convTuning.im2colGemm = false;
      before = launches();
      try {
        conv2d(ctx, { x: xb, w: wb, b: bb, y: yd, geometry: g, relu: true });
      } finally {
        convTuning.im2colGemm = true;
      }
      expect(launches() - before).toBe(0);
      assertClose(await ctx.readF32(cols, n), refIm2col(x, g), { atol: 0, rtol: 0, what: `im2col ${c.name}` });
      const expected = ref.conv2d(g, x, w, b, true);
      assertClose(await ctx.readF32(y, ny), expected, { atol: 2e-5, what: `conv2d (im2col) ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(yd, ny), expected, { atol: 2e-5, what: `conv2d (direct) ${c.name}`, shape: g.outShape });
      for (const buf of [xb, wb, bb, cols, y, yd]) ctx.pool.release(buf);
    });
  }

  it('applies only where outH·outW is a multiple of 4 and the patch matrix fits the scratch limits', async () => {
    const ctx = await getCtx();
    const geo = (x: number[], w: number[], stride: number, padding: number) => conv2dGeometry({ inShape: x, weightShape: w, stride, padding });
    expect(im2colApplies(ctx, geo([1, 3, 224, 224], [64, 3, 7, 7], 2, 3))).toBe(ctx.gpu.adapter.tuning !== 'llvmpipe'); // the stem
    expect(im2colApplies(ctx, geo([1, 64, 56, 56], [128, 64, 3, 3], 2, 1))).toBe(true); // a strided 3x3: 28x28 out
    expect(im2colApplies(ctx, geo([1, 3, 37, 29], [8, 3, 7, 7], 2, 3))).toBe(false); // 19x15 out
    expect(im2colApplies(ctx, geo([1, 64, 16, 16], [64, 64, 1, 1], 1, 0))).toBe(false); // 1x1: the pointwise route
    const saved = ctx.pool.maxBufferSize;
    ctx.pool.maxBufferSize = 1 << 20; // its patches are 576·28·28 floats = 1.7 MiB
    try {
      expect(im2colApplies(ctx, geo([1, 64, 56, 56], [128, 64, 3, 3], 2, 1))).toBe(false);
    } finally {
      ctx.pool.maxBufferSize = saved;
    }
  });

  for (const c of CASES.filter((k) => !k.padMode)) {
    it(`${c.name}: col2im = reference, <im2col(x), d> = <x, col2im(d)>; backward-input by gemm + col2im (with and without a ReLU mask) = reference`, async () => {
      const ctx = await getCtx();
      const g = conv2dGeometry({ inShape: c.x, weightShape: c.w, stride: c.stride, padding: c.padding });
      const nx = size(g.inShape), ny = size(g.outShape), n = im2colElements(g);
      const x = randomArray(nx, 71), d = randomArray(n, 72), dy = randomArray(ny, 73), yRelu = randomArray(ny, 74);
      const w = randomArray(size(g.weightShape), 75).map((v) => v / Math.sqrt(g.O));
      const dB = ctx.bufferFrom(d), dxB = ctx.pool.acquire(nx * 4);
      col2im(ctx, dB, dxB, g);
      const got = await ctx.readF32(dxB, nx);
      assertClose(got, refCol2im(d, g), { atol: 1e-6, what: `col2im ${c.name}`, shape: g.inShape });
      // The adjoint identity ties col2im to im2col independently of both references.
      const cols = refIm2col(x, g);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < n; i++) lhs += cols[i] * d[i];
      for (let i = 0; i < nx; i++) rhs += x[i] * got[i];
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-4 * Math.max(1, Math.abs(lhs)));

      const wB = ctx.bufferFrom(w), dyB = ctx.bufferFrom(dy), yB = ctx.bufferFrom(yRelu);
      const dx1 = ctx.pool.acquire(nx * 4), dx2 = ctx.pool.acquire(nx * 4), dx3 = ctx.pool.acquire(nx * 4);
      const launches = () => ctx.dispatchCounts.get('col2im') ?? 0;
      winogradTuning.enabled = false; // keep the 3x3 stride-1 case off Winograd, which comes first
      let before = launches();
      try {
        expect(col2imApplies(ctx, g)).toBe(true);
        conv2dBackwardInput(ctx, { dy: dyB, w: wB, dx: dx1, geometry: g, weightsKey: wB });
        conv2dBackwardInput(ctx, { dy: dyB, w: wB, dx: dx2, geometry: g, y: yB });
      } finally {
        winogradTuning.enabled = true;
      }
      expect(launches() - before).toBe(2);
      convTuning.col2imGemm = false;
      before = launches();
      try {
        conv2dBackwardInput(ctx, { dy: dyB, w: wB, dx: dx3, geometry: g });
      } finally {
        convTuning.col2imGemm = true;
      }
      expect(launches() - before).toBe(0);
      const expected = ref.conv2dBackwardInput(g, dy, w);
      assertClose(await ctx.readF32(dx1, nx), expected, { atol: 2e-5, what: `conv2dBackwardInput (gemm + col2im) ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(dx3, nx), expected, { atol: 2e-5, what: `conv2dBackwardInput (direct) ${c.name}`, shape: g.inShape });
      const masked = dy.map((v, i) => (yRelu[i] > 0 ? v : 0));
      assertClose(await ctx.readF32(dx2, nx), ref.conv2dBackwardInput(g, masked, w), { atol: 2e-5, what: `masked conv2dBackwardInput (gemm + col2im) ${c.name}`, shape: g.inShape });
      for (const buf of [dB, dxB, wB, dyB, yB, dx1, dx2, dx3]) ctx.pool.release(buf);
    });
  }

  it('gemm + col2im backward-input applies only to zero padding, outH·outW a multiple of 4, within the scratch limits', async () => {
    const ctx = await getCtx();
    const geo = (x: number[], w: number[], stride: number, padding: number, padMode: PadMode = 'zeros') => conv2dGeometry({ inShape: x, weightShape: w, stride, padding, padMode });
    expect(col2imApplies(ctx, geo([1, 3, 224, 224], [64, 3, 7, 7], 2, 3))).toBe(true); // the stem
    expect(col2imApplies(ctx, geo([1, 3, 32, 32], [8, 3, 3, 3], 1, 1, 'reflect'))).toBe(false);
    expect(col2imApplies(ctx, geo([1, 3, 37, 29], [8, 3, 7, 7], 2, 3))).toBe(false); // 19x15 out
    expect(col2imApplies(ctx, geo([1, 64, 16, 16], [64, 64, 1, 1], 1, 0))).toBe(false); // 1x1: the pointwise route
    const saved = ctx.pool.maxBufferSize;
    ctx.pool.maxBufferSize = 1 << 20; // the stem's patch gradients are 147·112·112 floats = 7 MiB
    try {
      expect(col2imApplies(ctx, geo([1, 3, 224, 224], [64, 3, 7, 7], 2, 3))).toBe(false);
    } finally {
      ctx.pool.maxBufferSize = saved;
    }
  });
});
