// conv2d kernels: conv2d.wgsl (forward), conv2d-backward-input.wgsl + conv2d-reflect-fold.wgsl,
// conv2d-backward-weight.wgsl (direct, and the partial sums of backward-weight as gemm),
// gemm/transpose.wgsl (layout transform used by the first two, and dy's for backward-weight as gemm).
import { expect, it, describe } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { tf, oracleGrads, nchwToNhwc, nhwcToNchw } from '../oracle.js';
import {
  conv2d, conv2dBackwardInput, conv2dBackwardWeight, conv2dBackwardBias, conv2dGeometry, sourceIndex,
  type Conv2dGeometry, type PadMode,
} from '../../src/kernels/conv/conv2d.js';
import { conv2dPlan, convTuning, pointwiseApplies, weightGemmPlan, winogradApplies } from '../../src/kernels/conv/route-plan.js';
import { winogradTuning } from '../../src/kernels/conv/conv2d-winograd.js';
import * as ref from '../../src/kernels/conv/conv2d.reference.js';
import type { GpuContext } from '../../src/gpu/context.js';

interface Case { name: string; x: number[]; w: number[]; stride: number; padding: number; padMode?: PadMode }

// Odd sizes everywhere: no dimension is a multiple of the 4-pixel or 8-channel register tile.
const CASES: Case[] = [
  { name: '2x5x17x23 -> 7, 3x3 s1 p1', x: [2, 5, 17, 23], w: [7, 5, 3, 3], stride: 1, padding: 1 },
  { name: '1x3x37x29 -> 8, 7x7 s2 p3', x: [1, 3, 37, 29], w: [8, 3, 7, 7], stride: 2, padding: 3 },
  { name: '1x64x9x11 -> 129, 1x1 s1', x: [1, 64, 9, 11], w: [129, 64, 1, 1], stride: 1, padding: 0 },
  { name: '1x129x7x6 -> 64, 3x3 s2 p1', x: [1, 129, 7, 6], w: [64, 129, 3, 3], stride: 2, padding: 1 },
  { name: '2x6x11x10 -> 5, 1x1 s2 (downsample)', x: [2, 6, 11, 10], w: [5, 6, 1, 1], stride: 2, padding: 0 },
  { name: '1x4x13x15 -> 6, 3x3 s2 p0', x: [1, 4, 13, 15], w: [6, 4, 3, 3], stride: 2, padding: 0 },
  { name: '1x3x17x13 -> 5, 3x3 s1 reflect 1', x: [1, 3, 17, 13], w: [5, 3, 3, 3], stride: 1, padding: 1, padMode: 'reflect' },
  { name: '2x3x19x14 -> 4, 9x9 s1 reflect 4', x: [2, 3, 19, 14], w: [4, 3, 9, 9], stride: 1, padding: 4, padMode: 'reflect' },
  { name: '1x5x15x12 -> 6, 3x3 s2 reflect 1', x: [1, 5, 15, 12], w: [6, 5, 3, 3], stride: 2, padding: 1, padMode: 'reflect' },
];

const geometryOf = (c: Case): Conv2dGeometry =>
  conv2dGeometry({ inShape: c.x, weightShape: c.w, stride: c.stride, padding: c.padding, padMode: c.padMode });
const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Inputs in [-1,1); weights scaled by 1/sqrt(C·KH·KW) so outputs stay O(1) whatever the fan-in. */
function data(g: Conv2dGeometry, seed: number) {
  const fanIn = g.C * g.KH * g.KW;
  const x = randomArray(size(g.inShape), seed);
  const w = randomArray(size(g.weightShape), seed + 1).map((v) => v / Math.sqrt(fanIn));
  const b = randomArray(g.O, seed + 2);
  const dy = randomArray(size(g.outShape), seed + 3);
  return { x, w, b, dy };
}

// Tolerance: float32 sums of up to ~1200 O(1)-scaled products; with the 1/sqrt(fan-in) scaling the
// accumulated rounding error stays below ~1e-6·sqrt(terms), so atol 2e-5 (4e-5 for the gradients,
// which sum over more terms: batch·pixels for dw) and rtol 1e-4 leave a margin without hiding bugs
// (a missing tap changes values by ~1e-2).
const ATOL = 2e-5;

describe('conv2dGeometry', () => {
  it('computes output sizes and rejects bad shapes naming conv2d and both shapes', () => {
    const g = conv2dGeometry({ inShape: [1, 3, 37, 29], weightShape: [8, 3, 7, 7], stride: 2, padding: 3 });
    expect(g.outShape).toEqual([1, 8, 19, 15]);
    expect(() => conv2dGeometry({ inShape: [1, 64, 56, 56], weightShape: [64, 3, 3, 3], stride: 1, padding: 1 }))
      .toThrow('conv2d: input channels (64) != weight in-channels (3); input [1,64,56,56], weight [64,3,3,3]');
    expect(() => conv2dGeometry({ inShape: [1, 3, 2, 2], weightShape: [4, 3, 5, 5] })).toThrow(/conv2d: output size .* <= 0.*input \[1,3,2,2\], weight \[4,3,5,5\]/);
    expect(() => conv2dGeometry({ inShape: [1, 3, 4, 9], weightShape: [4, 3, 9, 9], padding: 4, padMode: 'reflect' })).toThrow(/reflect padding \(4\)/);
    expect(() => conv2dGeometry({ inShape: [1, 3, 8], weightShape: [4, 3, 3, 3] })).toThrow(/4-D/);
    expect(() => conv2dGeometry({ inShape: [1, 3, 8, 8], weightShape: [4, 3, 3, 3], stride: 0 })).toThrow(/stride/);
  });
});

describe('conv2d reference vs central finite differences (float64)', () => {
  // L(x, w) = Σ conv2d(x, w)·dy is linear in each argument, so central differences are exact up to
  // float64 rounding: |fd - analytic| <= 1e-8.
  for (const c of [CASES[1], CASES[5], CASES[8]]) {
    it(c.name, () => {
      const g = geometryOf(c);
      const { x, w, dy } = data(g, 11);
      const X = Float64Array.from(x);
      const Wt = Float64Array.from(w);
      const loss = (xx: ArrayLike<number>, ww: ArrayLike<number>) => ref.conv2d(g, xx, ww).reduce((s, v, i) => s + v * dy[i], 0);
      const dx = ref.conv2dBackwardInput(g, dy, Wt);
      const dw = ref.conv2dBackwardWeight(g, X, dy);
      const h = 1e-3;
      for (const i of [0, 1, g.W - 1, Math.floor(X.length / 2), X.length - 1]) {
        const xp = X.slice(); xp[i] += h;
        const xm = X.slice(); xm[i] -= h;
        expect(Math.abs((loss(xp, Wt) - loss(xm, Wt)) / (2 * h) - dx[i])).toBeLessThan(1e-8);
      }
      for (const i of [0, 5, Math.floor(Wt.length / 3), Wt.length - 1]) {
        const wp = Wt.slice(); wp[i] += h;
        const wm = Wt.slice(); wm[i] -= h;
        expect(Math.abs((loss(X, wp) - loss(X, wm)) / (2 * h) - dw[i])).toBeLessThan(1e-8);
      }
    });
  }
});

describe('conv2d reference vs tf.grad (TensorFlow.js, NHWC + HWIO)', () => {
  // tfjs: pad explicitly, then a 'valid' conv, so any padding matches ours. Reflect padding uses
  // tf.gather with mirrored indices, not tf.mirrorPad: tfjs 4.22's MirrorPad gradient is a plain
  // slice that drops the mirrored pixels' share (checked: d/dx of mirrorPad([1..5], 2) returns dy[2..6]).
  for (const c of [CASES[0], CASES[1], CASES[5], CASES[7], CASES[8]]) {
    it(c.name, () => {
      const g = geometryOf(c);
      const { x, w, dy } = data(g, 21);
      const [O, C, KH, KW] = g.weightShape;
      const hwio = new Float32Array(w.length);
      for (let o = 0; o < O; o++) for (let ci = 0; ci < C; ci++) for (let k = 0; k < KH * KW; k++) hwio[(k * C + ci) * O + o] = w[(o * C + ci) * KH * KW + k];
      const p = g.pad;
      const f = (xt: tf.Tensor, wt: tf.Tensor) => {
        const pads: Array<[number, number]> = [[0, 0], [p, p], [p, p], [0, 0]];
        const mirror = (n: number) => Array.from({ length: n + 2 * p }, (_, i) => sourceIndex(i - p, n, 'reflect'));
        const xp = g.padMode === 'reflect' ? tf.gather(tf.gather(xt, mirror(g.H), 1), mirror(g.W), 2) : tf.pad(xt, pads);
        return tf.conv2d(xp as tf.Tensor4D, wt as tf.Tensor4D, g.stride, 'valid');
      };
      const dyNhwc = nchwToNhwc(dy, g.outShape);
      const [gx, gw] = oracleGrads(f, [{ data: nchwToNhwc(x, g.inShape), shape: [g.N, g.H, g.W, g.C] }, { data: hwio, shape: [KH, KW, C, O] }], dyNhwc);
      assertClose(ref.conv2dBackwardInput(g, dy, w), nhwcToNchw(gx, g.inShape), { atol: 1e-5, what: `tf dx ${c.name}`, shape: g.inShape });
      const gwOihw = new Float32Array(w.length);
      for (let o = 0; o < O; o++) for (let ci = 0; ci < C; ci++) for (let k = 0; k < KH * KW; k++) gwOihw[(o * C + ci) * KH * KW + k] = gw[(k * C + ci) * O + o];
      assertClose(ref.conv2dBackwardWeight(g, x, dy), gwOihw, { atol: 1e-4, what: `tf dw ${c.name}`, shape: g.weightShape });
    });
  }
});

describeEachAdapter('conv2d', (getCtx) => {
  for (const c of CASES) {
    it(`forward ${c.name} (+ bias, + relu) matches the reference`, async () => {
      const ctx = await getCtx();
      const g = geometryOf(c);
      const { x, w, b } = data(g, 1);
      const n = size(g.outShape);
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b);
      const y1 = ctx.pool.acquire(n * 4), y2 = ctx.pool.acquire(n * 4), y3 = ctx.pool.acquire(n * 4);
      conv2d(ctx, { x: xb, w: wb, y: y1, geometry: g });
      conv2d(ctx, { x: xb, w: wb, b: bb, y: y2, geometry: g });
      conv2d(ctx, { x: xb, w: wb, b: bb, y: y3, geometry: g, relu: true });
      assertClose(await ctx.readF32(y1, n), ref.conv2d(g, x, w), { atol: ATOL, what: `conv2d ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(y2, n), ref.conv2d(g, x, w, b), { atol: ATOL, what: `conv2d+bias ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(y3, n), ref.conv2d(g, x, w, b, true), { atol: ATOL, what: `conv2d+bias+relu ${c.name}`, shape: g.outShape });
      for (const buf of [xb, wb, bb, y1, y2, y3]) ctx.pool.release(buf);
    });

    it(`backward ${c.name}: input, weight and bias gradients match the reference`, async () => {
      const ctx = await getCtx();
      const g = geometryOf(c);
      const { x, w, dy } = data(g, 5);
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), dyb = ctx.bufferFrom(dy);
      const dx = ctx.pool.acquire(x.length * 4), dw = ctx.pool.acquire(w.length * 4), db = ctx.pool.acquire(g.O * 4);
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx, geometry: g });
      conv2dBackwardWeight(ctx, { x: xb, dy: dyb, dw, geometry: g });
      conv2dBackwardBias(ctx, { dy: dyb, db, geometry: g });
      assertClose(await ctx.readF32(dx, x.length), ref.conv2dBackwardInput(g, dy, w), { atol: ATOL, what: `conv2dBackwardInput ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(dw, w.length), ref.conv2dBackwardWeight(g, x, dy), { atol: 2 * ATOL, what: `conv2dBackwardWeight ${c.name}`, shape: g.weightShape });
      assertClose(await ctx.readF32(db, g.O), ref.conv2dBackwardBias(g, dy), { atol: 2 * ATOL, what: `conv2dBackwardBias ${c.name}` });
      for (const buf of [xb, wb, dyb, dx, dw, db]) ctx.pool.release(buf);
    });
  }

  // Each adapter runs its own tile above; every other tile variant must agree with the reference too.
  for (const tile of [{ IL: 1, G: 1, WG: 32 }, { IL: 4, G: 2, WG: 64 }, { IL: 2, G: 4, WG: 64 }, { IL: 1, G: 4, WG: 64 }, { IL: 1, G: 8, WG: 64 }, { IL: 4, G: 4, WG: 64, PX: 8 }, { IL: 1, G: 2, WG: 64, PX: 8 }] as const) {
    it(`tile IL=${tile.IL} G=${tile.G} WG=${tile.WG}: forward and backward-input match the reference`, async () => {
      const ctx = await getCtx();
      convTuning.override = tile;
      try {
        for (const c of [CASES[0], CASES[3], CASES[8]]) {
          const g = geometryOf(c);
          const { x, w, b, dy } = data(g, 7);
          const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b), dyb = ctx.bufferFrom(dy);
          const y = ctx.pool.acquire(dy.length * 4), dx = ctx.pool.acquire(x.length * 4);
          conv2d(ctx, { x: xb, w: wb, b: bb, y, geometry: g, relu: true });
          conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx, geometry: g });
          assertClose(await ctx.readF32(y, dy.length), ref.conv2d(g, x, w, b, true), { atol: ATOL, what: `conv2d ${c.name}`, shape: g.outShape });
          assertClose(await ctx.readF32(dx, x.length), ref.conv2dBackwardInput(g, dy, w), { atol: ATOL, what: `conv2dBackwardInput ${c.name}`, shape: g.inShape });
          for (const buf of [xb, wb, bb, dyb, y, dx]) ctx.pool.release(buf);
        }
      } finally {
        convTuning.override = null;
      }
    });
  }

  it('y (fused ReLU mask): input, weight and bias gradients of dy·[y > 0] match the reference', async () => {
    const ctx = await getCtx();
    for (const c of [CASES[0], CASES[3], CASES[8]]) {
      const g = geometryOf(c);
      const { x, w, b, dy } = data(g, 13);
      const yRef = ref.conv2d(g, x, w, b, true);
      const masked = dy.map((v, i) => (yRef[i] > 0 ? v : 0));
      expect(masked.some((v, i) => v === 0 && dy[i] !== 0)).toBe(true); // the mask really removes something
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b), dyb = ctx.bufferFrom(dy);
      const y = ctx.pool.acquire(dy.length * 4), dx = ctx.pool.acquire(x.length * 4), dw = ctx.pool.acquire(w.length * 4), db = ctx.pool.acquire(g.O * 4);
      conv2d(ctx, { x: xb, w: wb, b: bb, y, geometry: g, relu: true });
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx, geometry: g, y });
      conv2dBackwardWeight(ctx, { x: xb, dy: dyb, dw, geometry: g, y });
      conv2dBackwardBias(ctx, { dy: dyb, db, geometry: g, y });
      assertClose(await ctx.readF32(dx, x.length), ref.conv2dBackwardInput(g, masked, w), { atol: ATOL, what: `masked conv2dBackwardInput ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(dw, w.length), ref.conv2dBackwardWeight(g, x, masked), { atol: 2 * ATOL, what: `masked conv2dBackwardWeight ${c.name}`, shape: g.weightShape });
      assertClose(await ctx.readF32(db, g.O), ref.conv2dBackwardBias(g, masked), { atol: 2 * ATOL, what: `masked conv2dBackwardBias ${c.name}` });
      for (const buf of [xb, wb, bb, dyb, y, dx, dw, db]) ctx.pool.release(buf);
    }
  });

  // Backward-weight runs as one gemm over the pixels (transposed dy and patches) wherever its scratch fits, its
  // pixels split into Z chunks whose partial results are summed; the direct kernel is the fallback. Every route
  // must give the reference's dw: chunks of 1, 2 and 4 (odd tap counts such as the stem's 147 pad to whole vec4s),
  // reflect padding, stride 2, a batch of 2, a ReLU mask, and the direct kernel.
  it('backward-weight as gemm (1, 2, 4 pixel chunks) and the direct kernel match the reference', async () => {
    const ctx = await getCtx();
    const picked = [CASES[0], CASES[1], CASES[2], CASES[4], CASES[6], CASES[7]];
    try {
      for (const route of [{ gemm: true, Z: 1 }, { gemm: true, Z: 2 }, { gemm: true, Z: 4 }, { gemm: false, Z: 0 }]) {
        convTuning.weightGemm = route.gemm;
        convTuning.weightGemmZ = route.Z;
        for (const [i, c] of picked.entries()) {
          const g = geometryOf(c);
          const plan = weightGemmPlan(ctx, g);
          if (route.gemm && g.N * g.outH * g.outW % route.Z === 0) expect(plan?.Z, c.name).toBe(route.Z);
          else expect(plan, c.name).toBeNull();
          const { x, w, b, dy } = data(g, 17 + i);
          const mask = i === 0; // one case through the fused ReLU mask
          const yRef = ref.conv2d(g, x, w, b, true);
          const dyUsed = mask ? dy.map((v, j) => (yRef[j] > 0 ? v : 0)) : dy;
          const xb = ctx.bufferFrom(x), dyb = ctx.bufferFrom(dy), y = ctx.bufferFrom(new Float32Array(yRef)), dw = ctx.pool.acquire(w.length * 4);
          const launches = ctx.dispatchCounts.get('gemm') ?? 0;
          conv2dBackwardWeight(ctx, { x: xb, dy: dyb, dw, geometry: g, ...(mask ? { y } : {}) });
          expect((ctx.dispatchCounts.get('gemm') ?? 0) - launches, `gemm launches, ${c.name}`).toBe(plan ? 1 : 0);
          const what = `conv2dBackwardWeight ${route.gemm ? `gemm Z=${route.Z}` : 'direct'} ${c.name}${mask ? ' (masked)' : ''}`;
          assertClose(await ctx.readF32(dw, w.length), ref.conv2dBackwardWeight(g, x, dyUsed), { atol: 2 * ATOL, what, shape: g.weightShape });
          for (const buf of [xb, dyb, y, dw]) ctx.pool.release(buf);
        }
      }
    } finally {
      convTuning.weightGemm = true;
      convTuning.weightGemmZ = 0;
    }
  });

  it('backward-weight as gemm: chunks the pixels only where the product has few output tiles, and falls back to the direct kernel past the scratch cap', async () => {
    const ctx = await getCtx();
    // VGG's 64-channel 3x3 at 128x128: 16384 pixels; a ResNet 1x1 at 56x56 with 64 outputs.
    const wide = conv2dGeometry({ inShape: [1, 512, 16, 16], weightShape: [512, 512, 3, 3], stride: 1, padding: 1 });
    expect(weightGemmPlan(ctx, wide)).toMatchObject({ Z: 1, K4: 4608, pixels: 256 }); // 256 pixels: too few to split
    const narrow = conv2dGeometry({ inShape: [1, 8, 64, 64], weightShape: [8, 8, 1, 1], stride: 1, padding: 0 });
    const plan = weightGemmPlan(ctx, narrow)!;
    // One row block x 2 column blocks: chunks fill the device, except on SwiftShader, where every split measured slower.
    if (ctx.gpu.adapter.tuning === 'swiftshader') expect(plan.Z).toBe(1);
    else expect(plan.Z).toBeGreaterThan(1);
    expect(4096 % plan.Z === 0 && 4096 / plan.Z >= 256).toBe(true);
    // The transposed patches of a 3x3 conv at 512x512 with 64 channels: 262144 pixels x 576 taps x 4 bytes > any cap.
    const big = conv2dGeometry({ inShape: [1, 64, 512, 512], weightShape: [64, 64, 3, 3], stride: 1, padding: 1 });
    expect(weightGemmPlan(ctx, big)).toBeNull();
  });

  it('weightsKey: frozen weights are transposed once per layout, then reused; no key transposes every call', async () => {
    const ctx = await getCtx();
    const g = geometryOf(CASES[0]);
    const { x, w, dy } = data(g, 9);
    const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), dyb = ctx.bufferFrom(dy);
    const y = ctx.pool.acquire(dy.length * 4), dx = ctx.pool.acquire(x.length * 4);
    const key = {};
    const transposes = () => ctx.dispatchCounts.get('transpose') ?? 0;
    const before = transposes();
    for (let i = 0; i < 3; i++) {
      conv2d(ctx, { x: xb, w: wb, y, geometry: g, weightsKey: key });
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx, geometry: g, weightsKey: key });
    }
    expect(transposes() - before).toBe(2); // one forward layout, one backward-input layout
    assertClose(await ctx.readF32(y, dy.length), ref.conv2d(g, x, w), { atol: ATOL, what: 'cached conv2d', shape: g.outShape });
    assertClose(await ctx.readF32(dx, x.length), ref.conv2dBackwardInput(g, dy, w), { atol: ATOL, what: 'cached conv2dBackwardInput', shape: g.inShape });
    conv2d(ctx, { x: xb, w: wb, y, geometry: g });
    expect(transposes() - before).toBe(3);
    const other = ctx.bufferFrom(w);
    expect(() => conv2d(ctx, { x: xb, w: other, y, geometry: g, weightsKey: key })).toThrow(/weightsKey was used with two different weight buffers/);
    for (const buf of [xb, wb, dyb, y, dx, other]) ctx.pool.release(buf);
  });

  it('refuses a binding over maxStorageBufferBindingSize or a too-small buffer, naming the kernel (nothing allocated)', async () => {
    const ctx = await getCtx();
    const limit = ctx.limits.maxStorageBufferBindingSize;
    // An input of just over the limit: C·H·W·4 bytes > limit.
    const side = Math.ceil(Math.sqrt(limit / 4 / 16)) + 1;
    const g = conv2dGeometry({ inShape: [1, 16, side, side], weightShape: [16, 16, 3, 3], stride: 1, padding: 1 });
    const small = ctx.pool.acquire(256);
    const before = ctx.dispatchTotal;
    // Forward and backward-input split activations over the limit into channel bands (banding.test.ts):
    // only the too-small buffers are refused; backward-weight still needs each tensor in one binding.
    expect(() => conv2d(ctx, { x: small, w: small, y: small, geometry: g })).toThrow(/^conv2d: buffer x holds 256 bytes/);
    expect(() => conv2dBackwardInput(ctx, { dy: small, w: small, dx: small, geometry: g })).toThrow(/^conv2dBackwardInput: buffer dy holds 256 bytes/);
    expect(() => conv2dBackwardWeight(ctx, { x: small, dy: small, dw: small, geometry: g })).toThrow(/^conv2dBackwardWeight: .*maxStorageBufferBindingSize/);
    const ok = conv2dGeometry({ inShape: [1, 16, 8, 8], weightShape: [16, 16, 3, 3], stride: 1, padding: 1 });
    expect(() => conv2d(ctx, { x: small, w: small, y: small, geometry: ok })).toThrow('conv2d: buffer x holds 256 bytes, needs 4096 (input [1,16,8,8], weight [16,16,3,3])');
    expect(ctx.dispatchTotal).toBe(before);
    ctx.pool.release(small);
  });

  it('keeps every dispatch within 65535 workgroups per dimension at large shapes', async () => {
    const ctx = await getCtx();
    const max = ctx.limits.maxComputeWorkgroupsPerDimension;
    for (const [x, w, stride, padding] of [
      [[1, 64, 512, 512], [64, 64, 3, 3], 1, 1], [[1, 3, 1024, 1024], [64, 3, 7, 7], 2, 3],
      [[1, 2048, 16, 16], [512, 2048, 1, 1], 1, 0], [[4, 32, 512, 512], [3, 32, 9, 9], 1, 4],
    ] as const) {
      const plan = conv2dPlan(ctx, conv2dGeometry({ inShape: x, weightShape: w, stride, padding }));
      for (const grid of [plan.forward.workgroups, plan.backwardInput.workgroups, plan.backwardWeight.workgroups]) {
        expect(Math.max(...grid), `${x} ${w}`).toBeLessThanOrEqual(max);
      }
    }
  });
});

describeEachAdapter('conv2d by Winograd F(2x2, 3x3) and F(4x4, 3x3) (3x3 stride 1, zero padding)', (getCtx) => {
  // Odd sizes: partial 2x2 and 4x4 tiles on the right and bottom, tile counts not a multiple of the GEMM's
  // 16 columns, channel counts not a multiple of its 8 rows; pads 0, 1, 2; a batch of 2.
  const WINO: Case[] = [
    { name: '2x5x7x9 -> 11, p1', x: [2, 5, 7, 9], w: [11, 5, 3, 3], stride: 1, padding: 1 },
    { name: '1x20x9x6 -> 33, p2', x: [1, 20, 9, 6], w: [33, 20, 3, 3], stride: 1, padding: 2 },
    { name: '1x17x8x8 -> 16, p0', x: [1, 17, 8, 8], w: [16, 17, 3, 3], stride: 1, padding: 0 },
    { name: '1x40x15x17 -> 24, p1', x: [1, 40, 15, 17], w: [24, 40, 3, 3], stride: 1, padding: 1 },
    { name: '1x64x13x10 -> 40, p1', x: [1, 64, 13, 10], w: [40, 64, 3, 3], stride: 1, padding: 1 },
  ];
  const gemms = (ctx: GpuContext) => ctx.dispatchCounts.get('conv2dWinogradInput') ?? 0;
  // F(4x4, 3x3) scales by up to 5, 1/24 and 8 in its transforms and cancels more than F(2x2, 3x3), whose
  // transforms only add and halve: its float32 error is about 10-20x larger (measured, max |error| against
  // the float64 reference: 4e-7 for F2 and 7e-6 for F4 at 64 input channels; 1e-6 and 2-3e-5 at 256-512,
  // direct kernels 1-3e-6), so it gets 4x the tolerance — still 100x below what a wrong transform
  // coefficient or a missing tap changes (~1e-2).
  const atolOf = (r: 2 | 4) => (r === 4 ? 4 * ATOL : ATOL);

  for (const r of [2, 4] as const) for (const c of WINO) {
    it(`F(${r}x${r}, 3x3) ${c.name}: forward (bias, ReLU) and backward-input (with and without the ReLU mask) match the reference`, async () => {
      const ctx = await getCtx();
      const g = geometryOf(c);
      const { x, w, b, dy } = data(g, 31);
      const yRef = ref.conv2d(g, x, w, b, true);
      const masked = dy.map((v, i) => (yRef[i] > 0 ? v : 0));
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b), dyb = ctx.bufferFrom(dy);
      const y1 = ctx.pool.acquire(dy.length * 4), y2 = ctx.pool.acquire(dy.length * 4);
      const dx1 = ctx.pool.acquire(x.length * 4), dx2 = ctx.pool.acquire(x.length * 4);
      convTuning.minGemmChannels = 1; // the small cases too
      winogradTuning.tile = r;
      try {
        expect(winogradApplies(ctx, g, 'forward') && winogradApplies(ctx, g, 'backwardInput')).toBe(true);
        const before = gemms(ctx);
        conv2d(ctx, { x: xb, w: wb, y: y1, geometry: g });
        conv2d(ctx, { x: xb, w: wb, b: bb, y: y2, geometry: g, relu: true, weightsKey: wb });
        conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: dx1, geometry: g });
        conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: dx2, geometry: g, y: y2, weightsKey: wb });
        expect(gemms(ctx) - before).toBe(4);
      } finally {
        convTuning.minGemmChannels = 16;
        winogradTuning.tile = 0;
      }
      const atol = atolOf(r);
      assertClose(await ctx.readF32(y1, dy.length), ref.conv2d(g, x, w), { atol, what: `winograd F${r} conv2d ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(y2, dy.length), yRef, { atol, what: `winograd F${r} conv2d+bias+relu ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(dx1, x.length), ref.conv2dBackwardInput(g, dy, w), { atol, what: `winograd F${r} conv2dBackwardInput ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(dx2, x.length), ref.conv2dBackwardInput(g, masked, w), { atol, what: `winograd F${r} masked conv2dBackwardInput ${c.name}`, shape: g.inShape });
      for (const buf of [xb, wb, bb, dyb, y1, y2, dx1, dx2]) ctx.pool.release(buf);
    });
  }

  it('a VGG-sized layer (1x64x32x32 -> 64) takes the Winograd path by default and equals the direct kernels', async () => {
    const ctx = await getCtx();
    const g = conv2dGeometry({ inShape: [1, 64, 32, 32], weightShape: [64, 64, 3, 3], stride: 1, padding: 1 });
    const { x, w, b, dy } = data(g, 41);
    const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b), dyb = ctx.bufferFrom(dy);
    const out = () => [ctx.pool.acquire(dy.length * 4), ctx.pool.acquire(x.length * 4)];
    const [yw, dxw] = out();
    const [yd, dxd] = out();
    const before = gemms(ctx);
    conv2d(ctx, { x: xb, w: wb, b: bb, y: yw, geometry: g, relu: true });
    conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: dxw, geometry: g });
    expect(gemms(ctx) - before).toBe(2);
    winogradTuning.enabled = false;
    try {
      conv2d(ctx, { x: xb, w: wb, b: bb, y: yd, geometry: g, relu: true });
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: dxd, geometry: g });
      expect(gemms(ctx) - before).toBe(2);
    } finally {
      winogradTuning.enabled = true;
    }
    const direct = await ctx.readF32(yd, dy.length);
    assertClose(await ctx.readF32(yw, dy.length), direct, { atol: ATOL, what: 'winograd vs direct conv2d', shape: g.outShape });
    assertClose(direct, ref.conv2d(g, x, w, b, true), { atol: ATOL, what: 'direct conv2d', shape: g.outShape });
    assertClose(await ctx.readF32(dxw, x.length), await ctx.readF32(dxd, x.length), { atol: ATOL, what: 'winograd vs direct conv2dBackwardInput', shape: g.inShape });
    for (const buf of [xb, wb, bb, dyb, yw, dxw, yd, dxd]) ctx.pool.release(buf);
  });

  it('frozen weights are transformed once per layout (forward, flipped backward-input), then reused', async () => {
    const ctx = await getCtx();
    const g = conv2dGeometry({ inShape: [1, 16, 12, 10], weightShape: [24, 16, 3, 3], stride: 1, padding: 1 });
    const { x, w, dy } = data(g, 43);
    const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), dyb = ctx.bufferFrom(dy);
    const y = ctx.pool.acquire(dy.length * 4), dx = ctx.pool.acquire(x.length * 4);
    const transforms = () => ctx.dispatchCounts.get('conv2dWinogradWeights') ?? 0;
    const before = transforms();
    const key = {};
    for (let i = 0; i < 3; i++) {
      conv2d(ctx, { x: xb, w: wb, y, geometry: g, weightsKey: key });
      conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx, geometry: g, weightsKey: key });
    }
    expect(transforms() - before).toBe(2);
    conv2d(ctx, { x: xb, w: wb, y, geometry: g }); // no key: transformed again
    expect(transforms() - before).toBe(3);
    assertClose(await ctx.readF32(y, dy.length), ref.conv2d(g, x, w), { atol: ATOL, what: 'cached winograd conv2d', shape: g.outShape });
    assertClose(await ctx.readF32(dx, x.length), ref.conv2dBackwardInput(g, dy, w), { atol: ATOL, what: 'cached winograd conv2dBackwardInput', shape: g.inShape });
    for (const buf of [xb, wb, dyb, y, dx]) ctx.pool.release(buf);
  });

  it('applies only to 3x3 stride-1 zero-padded convs whose buffers fit, else the direct kernels run', async () => {
    const ctx = await getCtx();
    const geo = (x: number[], w: number[], stride = 1, padding = 1, padMode: PadMode = 'zeros') => conv2dGeometry({ inShape: x, weightShape: w, stride, padding, padMode });
    expect(winogradApplies(ctx, geo([1, 64, 32, 32], [64, 64, 3, 3]), 'forward')).toBe(true);
    expect(winogradApplies(ctx, geo([1, 64, 32, 32], [64, 64, 3, 3], 2), 'forward')).toBe(false); // stride 2
    expect(winogradApplies(ctx, geo([1, 64, 32, 32], [64, 64, 3, 3], 1, 1, 'reflect'), 'forward')).toBe(false);
    expect(winogradApplies(ctx, geo([1, 64, 32, 32], [64, 64, 3, 3], 1, 3), 'forward')).toBe(false); // pad 3: backward would pad -1
    expect(winogradApplies(ctx, geo([1, 64, 32, 32], [64, 64, 1, 1], 1, 0), 'forward')).toBe(false);
    expect(winogradApplies(ctx, geo([1, 64, 32, 32], [64, 64, 5, 5], 1, 2), 'forward')).toBe(false);
    expect(winogradApplies(ctx, geo([1, 3, 32, 32], [64, 3, 3, 3]), 'forward')).toBe(false); // 3 input channels
    const g = geo([1, 64, 32, 32], [64, 64, 3, 3]);
    // V is 16·64·256 floats = 1 MiB: a 512 KiB binding limit sends it to the direct kernels.
    ctx.maxBindingBytes = 512 << 10;
    try {
      expect(winogradApplies(ctx, g, 'forward')).toBe(false);
    } finally {
      ctx.maxBindingBytes = ctx.limits.maxStorageBufferBindingSize;
    }
  });
});

describeEachAdapter('conv2d 1x1 as gemm products (stride 1, and strided: via subsample, backward-input as whole planes)', (getCtx) => {
  // H·W a multiple of 4 but not of the 16-column tile; channels not a multiple of any tile's rows; a batch;
  // strided: odd input sizes (the last row and column are sampled or not).
  const PW: Case[] = [
    { name: '2x24x7x8 -> 40, stride 2', x: [2, 24, 7, 8], w: [40, 24, 1, 1], stride: 2, padding: 0 },
    { name: '1x32x9x11 -> 16, stride 3', x: [1, 32, 9, 11], w: [16, 32, 1, 1], stride: 3, padding: 0 },
    { name: '2x20x3x4 -> 33', x: [2, 20, 3, 4], w: [33, 20, 1, 1], stride: 1, padding: 0 },
    { name: '1x64x5x4 -> 17', x: [1, 64, 5, 4], w: [17, 64, 1, 1], stride: 1, padding: 0 },
    { name: '1x256x8x8 -> 64 (a ResNet bottleneck)', x: [1, 256, 8, 8], w: [64, 256, 1, 1], stride: 1, padding: 0 },
  ];
  const gemms = (ctx: GpuContext) => ctx.dispatchCounts.get('gemm') ?? 0;
  const subsamples = (ctx: GpuContext) => (ctx.dispatchCounts.get('subsample') ?? 0) + (ctx.dispatchCounts.get('subsampleBackward') ?? 0);
  for (const c of PW) for (const planes of c.stride > 1 ? [true, false] : [true]) {
    const how = c.stride > 1 ? (planes ? ' (backward as whole planes)' : ' (subsample passes)') : '';
    it(`${c.name}${how}: forward (bias, ReLU) and backward-input run as gemm and match the reference and the direct kernels`, async () => {
      const ctx = await getCtx();
      const g = geometryOf(c);
      const { x, w, b, dy } = data(g, 51);
      const xb = ctx.bufferFrom(x), wb = ctx.bufferFrom(w), bb = ctx.bufferFrom(b), dyb = ctx.bufferFrom(dy);
      const [y, yd] = [ctx.pool.acquire(dy.length * 4), ctx.pool.acquire(dy.length * 4)];
      const [dx, dxd] = [ctx.pool.acquire(x.length * 4), ctx.pool.acquire(x.length * 4)];
      // dx's pixels between the strided ones must be written (zeros): start from garbage.
      ctx.upload(dx, new Float32Array(x.length).fill(7));
      expect(pointwiseApplies(ctx, g)).toBe(true);
      const before = gemms(ctx), subsamplesBefore = subsamples(ctx);
      convTuning.stridedPlanes = planes;
      try {
        conv2d(ctx, { x: xb, w: wb, b: bb, y, geometry: g, relu: true, weightsKey: wb });
        conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx, geometry: g, weightsKey: wb });
      } finally {
        convTuning.stridedPlanes = true;
      }
      expect(gemms(ctx) - before).toBe(2);
      expect(subsamples(ctx) - subsamplesBefore).toBe(c.stride > 1 ? (planes ? 1 : 2) : 0); // the forward's gather stays
      convTuning.pointwiseGemm = false;
      try {
        conv2d(ctx, { x: xb, w: wb, b: bb, y: yd, geometry: g, relu: true });
        conv2dBackwardInput(ctx, { dy: dyb, w: wb, dx: dxd, geometry: g });
        expect(gemms(ctx) - before).toBe(2);
      } finally {
        convTuning.pointwiseGemm = true;
      }
      const yRef = ref.conv2d(g, x, w, b, true);
      const dxRef = ref.conv2dBackwardInput(g, dy, w);
      assertClose(await ctx.readF32(y, dy.length), yRef, { atol: ATOL, what: `gemm conv2d ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(yd, dy.length), yRef, { atol: ATOL, what: `direct conv2d ${c.name}`, shape: g.outShape });
      assertClose(await ctx.readF32(dx, x.length), dxRef, { atol: ATOL, what: `gemm conv2dBackwardInput ${c.name}`, shape: g.inShape });
      assertClose(await ctx.readF32(dxd, x.length), dxRef, { atol: ATOL, what: `direct conv2dBackwardInput ${c.name}`, shape: g.inShape });
      for (const buf of [xb, wb, bb, dyb, y, yd, dx, dxd]) ctx.pool.release(buf);
    });
  }

  it('applies only to unpadded 1x1 convs with outH·outW a multiple of 4 and enough channels', async () => {
    const ctx = await getCtx();
    const geo = (x: number[], w: number[], stride = 1) => conv2dGeometry({ inShape: x, weightShape: w, stride, padding: 0 });
    expect(pointwiseApplies(ctx, geo([1, 64, 8, 8], [64, 64, 1, 1]))).toBe(true);
    expect(pointwiseApplies(ctx, geo([1, 64, 7, 7], [64, 64, 1, 1]))).toBe(false); // 49 pixels
    expect(pointwiseApplies(ctx, geo([1, 64, 8, 8], [64, 64, 1, 1], 2))).toBe(true); // stride 2: 4x4 out
    expect(pointwiseApplies(ctx, geo([1, 64, 14, 14], [64, 64, 1, 1], 2))).toBe(false); // 7x7 out
    expect(pointwiseApplies(ctx, geo([1, 64, 8, 8], [64, 64, 3, 3]))).toBe(false);
    expect(pointwiseApplies(ctx, geo([1, 3, 8, 8], [64, 3, 1, 1]))).toBe(false); // 3 channels
  });
});
