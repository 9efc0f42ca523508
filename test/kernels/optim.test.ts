// Tests for src/kernels/optim/optim.wgsl (adamStep, axpy, scale, copy), dot.wgsl (dot, vectorReduce) and
// scalar.wgsl (scalarOps), and that they compose into torch.optim.LBFGS's two-loop recursion on the GPU.
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, randn, assertClose } from '../harness.js';
import { adamStep, axpy, scale, copy, dot, vectorReduce, scalarOps, slot, type ScalarOp } from '../../src/kernels/optim/optim.js';
import * as ref from '../../src/kernels/optim/optim.reference.js';
import type { GpuContext } from '../../src/gpu/context.js';

const N = 100003; // odd, not a multiple of 256

/** Relative-to-magnitude bound for a float32 sum: |gpu − ref| <= tol·Σ|terms|. */
function expectSumClose(got: number, expected: number, absSum: number, tol: number, what: string): void {
  const err = Math.abs(got - expected);
  if (!(err <= tol * absSum)) throw new Error(`${what}: got ${got}, expected ${expected} (|diff| ${err.toExponential(2)} > ${tol}·Σ|terms| = ${(tol * absSum).toExponential(2)})`);
}

/**
 * The L-BFGS direction d = −H·g with GPU ops only: the two-loop recursion of torch.optim.LBFGS over
 * pairs (s_i, y_i), oldest first, with the curvature guard done on the GPU (a pair with y·s <= 1e-10
 * gets ρ = 0 and drops out). Scalar slots: 0 YS, 1 YY, 2 OK, 3 H, 4 T, 5 BE, 6 D, then RHO_i, AL_i.
 */
function gpuLbfgsDirection(ctx: GpuContext, g: GPUBuffer, s: GPUBuffer[], y: GPUBuffer[], d: GPUBuffer, sc: GPUBuffer, n: number): void {
  const [YS, YY, OK, H, T, BE, D] = [0, 1, 2, 3, 4, 5, 6];
  const RHO = (i: number) => 7 + i;
  const AL = (i: number) => 7 + s.length + i;
  scalarOps(ctx, sc, [{ op: 'set', out: H, a: 1 }]);
  for (let i = 0; i < s.length; i++) {
    dot(ctx, { a: y[i], b: s[i], out: { buffer: sc, index: YS }, n });
    dot(ctx, { a: y[i], b: y[i], out: { buffer: sc, index: YY }, n });
    scalarOps(ctx, sc, [
      { op: 'greater', out: OK, a: slot(YS), b: 1e-10 },
      { op: 'div', out: T, a: 1, b: slot(YS) },
      { op: 'where', out: RHO(i), a: slot(OK), b: slot(T), c: 0 },
      { op: 'div', out: T, a: slot(YS), b: slot(YY) },
      { op: 'where', out: H, a: slot(OK), b: slot(T), c: slot(H) },
    ]);
  }
  copy(ctx, { src: g, dst: d, n });
  scale(ctx, { x: d, n, alpha: -1 });
  for (let i = s.length - 1; i >= 0; i--) {
    dot(ctx, { a: s[i], b: d, out: { buffer: sc, index: T }, n });
    scalarOps(ctx, sc, [{ op: 'mul', out: AL(i), a: slot(RHO(i)), b: slot(T) }]);
    axpy(ctx, { y: d, x: y[i], n, alpha: { buffer: sc, index: AL(i) }, alphaScale: -1 });
  }
  scale(ctx, { x: d, n, alpha: { buffer: sc, index: H } });
  for (let i = 0; i < s.length; i++) {
    dot(ctx, { a: y[i], b: d, out: { buffer: sc, index: T }, n });
    scalarOps(ctx, sc, [{ op: 'mul', out: BE, a: slot(RHO(i)), b: slot(T) }, { op: 'sub', out: D, a: slot(AL(i)), b: slot(BE) }]);
    axpy(ctx, { y: d, x: s[i], n, alpha: { buffer: sc, index: D } });
  }
}

describeEachAdapter('optim (optim.wgsl, dot.wgsl, scalar.wgsl)', (getCtx) => {
  it('adamStep matches torch.optim.Adam (float64 reference) over 5 steps with changing gradients', async () => {
    const ctx = await getCtx();
    const hp = { lr: 0.02, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    const p0 = randomArray(N, 1);
    const param = ctx.bufferFrom(p0);
    const m = ctx.bufferFrom(new Float32Array(N));
    const v = ctx.bufferFrom(new Float32Array(N));
    const rp = Float64Array.from(p0);
    const [rm, rv] = [new Float64Array(N), new Float64Array(N)];
    for (let step = 1; step <= 5; step++) {
      const g = randn(N, 100 + step, step); // scale changes per step, so m/v ratios matter
      adamStep(ctx, { param, grad: ctx.bufferFrom(g), m, v, n: N, ...hp, step });
      ref.adamStep(rp, g, rm, rv, { ...hp, step });
    }
    // Float32 state over 5 steps: a few ulps relative in m, v; param moves by <= 5·lr, so atol 1e-6 on values ~1.
    assertClose(await ctx.readF32(m, N), rm, { atol: 1e-6, rtol: 1e-5, what: 'adam m' });
    assertClose(await ctx.readF32(v, N), rv, { atol: 1e-7, rtol: 1e-5, what: 'adam v' });
    assertClose(await ctx.readF32(param, N), rp, { atol: 1e-6, rtol: 1e-5, what: 'adam param' });
  });

  it('axpy, scale and copy match the reference, with constant and GPU-scalar alphas', async () => {
    const ctx = await getCtx();
    const x = randomArray(N, 2);
    const y0 = randomArray(N, 3);
    const sc = ctx.bufferFrom(new Float32Array([0, 0, 0.375, 0])); // alpha in slot 2
    const y = ctx.bufferFrom(y0);
    axpy(ctx, { y, x: ctx.bufferFrom(x), n: N, alpha: -0.7 });
    const r1 = ref.axpy(y0, x, -0.7);
    assertClose(await ctx.readF32(y, N), r1, { atol: 1e-6, rtol: 1e-6, what: 'axpy (constant)' });
    axpy(ctx, { y, x: ctx.bufferFrom(x), n: N, alpha: { buffer: sc, index: 2 }, alphaScale: -2 });
    const r2 = ref.axpy(r1, x, -0.75);
    assertClose(await ctx.readF32(y, N), r2, { atol: 1e-6, rtol: 1e-6, what: 'axpy (GPU alpha · -2)' });
    scale(ctx, { x: y, n: N, alpha: { buffer: sc, index: 2 } });
    const r3 = ref.scale(r2, 0.375);
    assertClose(await ctx.readF32(y, N), r3, { atol: 1e-6, rtol: 1e-6, what: 'scale (GPU alpha)' });
    scale(ctx, { x: y, n: N, alpha: 3 });
    const r4 = ref.scale(r3, 3);
    assertClose(await ctx.readF32(y, N), r4, { atol: 1e-6, rtol: 1e-6, what: 'scale (constant)' });
    const one = ctx.bufferFrom(new Float32Array([-1.5])); // a bare 1-element buffer as alpha
    axpy(ctx, { y, x: ctx.bufferFrom(x), n: N, alpha: one });
    assertClose(await ctx.readF32(y, N), ref.axpy(r4, x, -1.5), { atol: 1e-6, rtol: 1e-6, what: 'axpy (1-element buffer alpha)' });
    const dst = ctx.bufferFrom(new Float32Array(N));
    copy(ctx, { src: ctx.bufferFrom(x), dst, n: 1000, srcOffset: 5, dstOffset: 77 });
    const got = await ctx.readF32(dst, N);
    expect(got.subarray(77, 1077)).toEqual(x.subarray(5, 1005));
    expect(got[76]).toBe(0);
    expect(got[1077]).toBe(0);
  });

  it('axpy over more than 256·65535 elements folds the grid and covers every element', async () => {
    const ctx = await getCtx();
    const big = 256 * 65535 + 1000;
    const x = randomArray(big, 4);
    const y = ctx.bufferFrom(new Float32Array(big).fill(1));
    axpy(ctx, { y, x: ctx.bufferFrom(x), n: big, alpha: 2 });
    const got = await ctx.readF32(y, big);
    for (const i of [0, 1, 256 * 65535 - 1, 256 * 65535, big - 1]) expect(got[i]).toBe(Math.fround(1 + 2 * x[i]));
  });

  it('dot of n = 1e6 matches the float64 sum within 1e-5·Σ|a·b|; sumsq, abssum, absmax too', async () => {
    const ctx = await getCtx();
    const n = 1_000_000;
    const a = randn(n, 5);
    const b = randn(n, 6);
    const out = ctx.bufferFrom(new Float32Array(8));
    dot(ctx, { a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), out: { buffer: out, index: 3 }, n });
    const ab = ctx.bufferFrom(a);
    dot(ctx, { a: ab, b: ab, out: { buffer: out, index: 4 }, n });
    vectorReduce(ctx, { x: ab, out: { buffer: out, index: 5 }, n, op: 'abssum' });
    vectorReduce(ctx, { x: ab, out: { buffer: out, index: 6 }, n, op: 'absmax' });
    const got = await ctx.readF32(out, 8);
    let absSum = 0;
    for (let i = 0; i < n; i++) absSum += Math.abs(a[i] * b[i]);
    // Float32 rounding bound ≈ (n/65536 + 16)·2⁻²⁴ ≈ 2e-6 of Σ|terms| (see dot.wgsl); 1e-5 leaves margin.
    expectSumClose(got[3], ref.dot(a, b), absSum, 1e-5, 'dot');
    const sumsq = ref.vectorReduce(a, 'sumsq');
    expectSumClose(got[4], sumsq, sumsq, 1e-5, 'sumsq');
    const abssum = ref.vectorReduce(a, 'abssum');
    expectSumClose(got[5], abssum, abssum, 1e-5, 'abssum');
    expect(got[6]).toBe(ref.vectorReduce(a, 'absmax')); // max is exact
    expect([got[0], got[7]]).toEqual([0, 0]); // neighbouring slots untouched
  });

  it('dot of small and odd n (1, 255, 257, 100003) into a plain 1-element buffer', async () => {
    const ctx = await getCtx();
    for (const n of [1, 255, 257, N]) {
      const a = randomArray(n, 7 + n);
      const b = randomArray(n, 8 + n);
      const out = ctx.pool.acquire(4);
      dot(ctx, { a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), out, n });
      let absSum = 0;
      for (let i = 0; i < n; i++) absSum += Math.abs(a[i] * b[i]);
      expectSumClose((await ctx.readF32(out, 1))[0], ref.dot(a, b), absSum, 1e-5, `dot n=${n}`);
    }
  });

  it('scalarOps runs every op code in order on GPU slots, as the reference interpreter', async () => {
    const ctx = await getCtx();
    const init = new Float32Array([3, -2, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    const ops: ScalarOp[] = [
      { op: 'add', out: 3, a: slot(0), b: slot(1) }, // 1
      { op: 'sub', out: 4, a: slot(0), b: 0.25 }, // 2.75
      { op: 'mul', out: 5, a: slot(3), b: slot(4) }, // uses results of earlier ops
      { op: 'div', out: 6, a: 1, b: slot(0) },
      { op: 'min', out: 7, a: slot(1), b: slot(2) },
      { op: 'max', out: 8, a: slot(1), b: slot(2) },
      { op: 'greater', out: 9, a: slot(0), b: 1e-10 },
      { op: 'greater', out: 10, a: slot(1), b: 1e-10 },
      { op: 'where', out: 11, a: slot(9), b: slot(6), c: 0 },
      { op: 'where', out: 12, a: slot(10), b: slot(6), c: -5 },
      { op: 'set', out: 13, a: 42 },
      { op: 'set', out: 14, a: slot(5) },
      ...Array.from({ length: 6 }, (_, k): ScalarOp => ({ op: 'add', out: 15, a: slot(15), b: k + 1 })), // 18 ops: two dispatches
    ];
    const sc = ctx.bufferFrom(init);
    scalarOps(ctx, sc, ops);
    const expected = Float64Array.from(init);
    ref.scalarOps(expected, ops);
    assertClose(await ctx.readF32(sc, init.length), expected, { atol: 0, rtol: 1e-7, what: 'scalarOps' });
    expect(() => scalarOps(ctx, sc, [{ op: 'add', out: 99, a: 1, b: 2 }])).toThrow(/scalarOps: op 0 \(add\) out slot 99 is outside the 64-slot buffer/);
  });

  it('the ops compose into torch.optim.LBFGS two-loop recursion on the GPU (no readback), including a rejected pair', async () => {
    const ctx = await getCtx();
    const n = 20011;
    const g = randn(n, 9);
    const curvature = randomArray(n, 10, 0.5, 2); // y ≈ diag(curvature)·s: y·s > 0
    const pairs = [11, 12, 13, 14].map((seed) => {
      const s = randn(n, seed, 0.1);
      return { s, y: Float32Array.from(s, (v, i) => curvature[i] * v + 0.01 * Math.sin(i + seed)) };
    });
    const bad = { s: randn(n, 20, 0.1), y: new Float32Array(n) };
    bad.y.set(bad.s.map((v) => -v)); // y·s < 0: torch skips this pair
    const history = [pairs[0], pairs[1], bad, pairs[2], pairs[3]];
    const sc = ctx.bufferFrom(new Float32Array(7 + 2 * history.length));
    const d = ctx.pool.acquire(n * 4);
    gpuLbfgsDirection(ctx, ctx.bufferFrom(g), history.map((p) => ctx.bufferFrom(p.s)), history.map((p) => ctx.bufferFrom(p.y)), d, sc, n);
    // torch keeps only accepted pairs; H_diag from the newest one.
    const last = pairs[3];
    const expected = ref.lbfgsDirection(g, pairs.map((p) => p.s), pairs.map((p) => p.y), ref.dot(last.y, last.s) / ref.dot(last.y, last.y));
    const maxAbs = expected.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0);
    // ~20 float32 reductions and axpys in sequence: atol relative to the direction's scale.
    assertClose(await ctx.readF32(d, n), expected, { atol: 1e-4 * maxAbs, rtol: 1e-4, what: 'L-BFGS direction' });
  });

  it('refuses aliasing and short buffers, naming the op', async () => {
    const ctx = await getCtx();
    const b = ctx.pool.acquire(1024);
    expect(() => axpy(ctx, { y: b, x: b, n: 10, alpha: 1 })).toThrow(/axpy: 'y' and 'x' are the same buffer/);
    expect(() => adamStep(ctx, { param: b, grad: ctx.pool.acquire(16), m: ctx.pool.acquire(1024), v: ctx.pool.acquire(1024), n: 200, lr: 1, beta1: 0.9, beta2: 0.99, eps: 1e-8, step: 1 }))
      .toThrow(/adamStep: 'grad' has 256 bytes, needs 800 for n = 200/);
    expect(() => dot(ctx, { a: b, b: ctx.pool.acquire(1024), out: b, n: 10 })).toThrow(/dot: out must not be an input buffer/);
  });
});
