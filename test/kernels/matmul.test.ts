// matmul kernel: matmul.wgsl (C = op(A)·op(B) + bias, row-major) against the float64 reference and tfjs.
import { expect, it } from 'vitest';
import { describeEachAdapter, randomArray, assertClose } from '../harness.js';
import { tf, oracleValue } from '../oracle.js';
import { matmul, matmulOnGemm, matmulTuning } from '../../src/kernels/gemm/matmul.js';
import * as ref from '../../src/kernels/gemm/matmul.reference.js';

// Tolerance: inputs in [-1,1), B scaled by 1/sqrt(K) so |C| = O(1); float32 rounding over K terms
// stays below ~1e-6·sqrt(K), so atol 2e-5 with rtol 1e-4.
const CASES = [
  { M: 1, N: 1000, K: 2048 },            // the classifier head
  { M: 37, N: 29, K: 65 },               // odd everywhere
  { M: 5, N: 3, K: 1 },
  { M: 130, N: 7, K: 33, transA: true },
  { M: 6, N: 131, K: 17, transB: true },
  { M: 9, N: 10, K: 11, transA: true, transB: true },
  // gemm's route (matmulOnGemm): N a multiple of 4, >= 16 rows, no transB, no bias; M not a multiple of any tile
  // (A transposed into padded scratch), and transA with M = 64, a whole number of every adapter's row blocks.
  { M: 50, N: 20, K: 33 },
  { M: 64, N: 36, K: 40 },
  { M: 64, N: 12, K: 9, transA: true },
];

describeEachAdapter('matmul', (getCtx) => {
  for (const c of CASES) {
    for (const withBias of [false, true]) {
      it(`M=${c.M} N=${c.N} K=${c.K}${c.transA ? ' transA' : ''}${c.transB ? ' transB' : ''}${withBias ? ' + bias' : ''} matches the reference`, async () => {
        const ctx = await getCtx();
        const a = randomArray(c.M * c.K, 1);
        const b = randomArray(c.K * c.N, 2).map((v) => v / Math.sqrt(c.K));
        const bias = randomArray(c.N, 3);
        const out = ctx.pool.acquire(c.M * c.N * 4);
        const gemms = () => ctx.dispatchCounts.get('gemm') ?? 0;
        const before = gemms();
        const args = { ...c, bias: withBias ? ctx.bufferFrom(bias) : null };
        matmul(ctx, { a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), c: out, ...args });
        const onGemm = c.M >= 16 && c.N % 4 === 0 && !withBias && !('transB' in c);
        expect(matmulOnGemm(ctx, args)).toBe(onGemm);
        expect(gemms() - before).toBe(onGemm ? 1 : 0);
        const expected = ref.matmul(a, b, c, withBias ? bias : null);
        assertClose(await ctx.readF32(out, c.M * c.N), expected, { atol: 2e-5, what: 'matmul', shape: [c.M, c.N] });
      });
    }
  }

  it('agrees with tf.matMul (the reference is right too)', async () => {
    const [M, N, K] = [7, 9, 13];
    const a = randomArray(M * K, 4);
    const b = randomArray(N * K, 5);
    const tfC = oracleValue((x, y) => tf.matMul(x, y, false, true), [{ data: a, shape: [M, K] }, { data: b, shape: [N, K] }]);
    assertClose(ref.matmul(a, b, { M, N, K, transB: true }), tfC, { atol: 1e-5, what: 'reference vs tf.matMul' });
    const ctx = await getCtx();
    const out = ctx.pool.acquire(M * N * 4);
    matmul(ctx, { a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), c: out, M, N, K, transB: true });
    assertClose(await ctx.readF32(out, M * N), tfC, { atol: 1e-5, what: 'matmul vs tf.matMul' });
  });

  it('on gemm and on matmul.wgsl, the 128x128x128 product agrees with tf.matMul', async () => {
    const [M, N, K] = [128, 128, 128];
    const a = randomArray(M * K, 6);
    const b = randomArray(K * N, 7).map((v) => v / Math.sqrt(K));
    const tfC = oracleValue((x, y) => tf.matMul(x, y), [{ data: a, shape: [M, K] }, { data: b, shape: [K, N] }]);
    const ctx = await getCtx();
    for (const route of [true, false]) {
      matmulTuning.gemm = route;
      try {
        expect(matmulOnGemm(ctx, { M, N, K })).toBe(route);
        const out = ctx.pool.acquire(M * N * 4);
        matmul(ctx, { a: ctx.bufferFrom(a), b: ctx.bufferFrom(b), c: out, M, N, K });
        assertClose(await ctx.readF32(out, M * N), tfC, { atol: 2e-5, rtol: 1e-4, what: `matmul ${route ? 'on gemm' : 'matmul.wgsl'} vs tf.matMul` });
      } finally {
        matmulTuning.gemm = true;
      }
    }
  });

  it('rejects bad sizes and too-small buffers naming matmul and the shapes', async () => {
    const ctx = await getCtx();
    const small = ctx.pool.acquire(256);
    expect(() => matmul(ctx, { a: small, b: small, c: small, M: 0, N: 4, K: 4 })).toThrow(/^matmul: M must be a positive integer/);
    expect(() => matmul(ctx, { a: small, b: small, c: small, M: 64, N: 64, K: 64 })).toThrow(/^matmul: buffer A holds 256 bytes, needs 16384 \(A \[64,64\], B \[64,64\]\)/);
    const huge = Math.ceil(ctx.limits.maxStorageBufferBindingSize / 4 / 1024) + 1;
    expect(() => matmul(ctx, { a: small, b: small, c: small, M: huge, N: 1024, K: 1 })).toThrow(/^matmul: C .*maxStorageBufferBindingSize/);
    ctx.pool.release(small);
  });
});
