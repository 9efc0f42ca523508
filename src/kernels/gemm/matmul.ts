/**
 * matmul: C[M,N] = op(A)·op(B) (+ bias[N]), float32, row-major. op(A) = A [M,K] or, with transA,
 * Aᵀ of A stored [K,M]; op(B) = B [K,N] or, with transB, Bᵀ of B stored [N,K]. Used for the
 * classifier head (1x2048 · 2048x1000) and as a building block. matmul.wgsl (a 4x4 register tile per
 * invocation) takes any shape; products with enough rows run on gemm instead (matmulOnGemm).
 */
import source from './matmul.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { gemm, gemmRows } from './gemm.js';
import { encodeTranspose } from './transpose.js';

/** Set by benches and tests: route products to gemm where matmulOnGemm allows (on). */
export const matmulTuning = { gemm: true };

/**
 * Whether matmul runs as gemm (C = (Aᵀ)ᵀ·B with A stored k-major, gemm's register-tiled product; 1024³ ran
 * 5-6x matmul.wgsl on llvmpipe): B not transposed, no bias (gemm's bias is per row), N a multiple of 4, at least
 * 16 rows (a GEMV such as the classifier head stays on matmul.wgsl), and A either transposed into a padded
 * scratch buffer or, with transA, already k-major with M a whole number of gemm's row blocks.
 */
export function matmulOnGemm(ctx: GpuContext, { M, N, K, transA = false, transB = false, bias = null }: Omit<MatmulArgs, 'a' | 'b' | 'c'>): boolean {
  if (!matmulTuning.gemm || transB || bias || N % 4 || M < 16) return false;
  if (transA && gemmRows(ctx, M) !== M) return false;
  return [K * gemmRows(ctx, M), K * N, M * N].every((e) => e * 4 <= ctx.maxBindingBytes && e * 4 <= ctx.pool.maxBufferSize);
}

export interface MatmulArgs {
  a: GPUBuffer;
  b: GPUBuffer;
  c: GPUBuffer;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  bias?: GPUBuffer | null;
}

export function matmul(ctx: GpuContext, { a, b, c, M, N, K, transA = false, transB = false, bias = null }: MatmulArgs): void {
  for (const [name, v] of [['M', M], ['N', N], ['K', K]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`matmul: ${name} must be a positive integer, got ${v} (M=${M}, N=${N}, K=${K})`);
  }
  const shapes = `A [${transA ? `${K},${M}` : `${M},${K}`}], B [${transB ? `${N},${K}` : `${K},${N}`}]`;
  const bindings = [['A', M * K * 4, a], ['B', K * N * 4, b], ['C', M * N * 4, c]] as const;
  for (const [what, bytes] of bindings) ctx.checkBinding('matmul', `${what} (${shapes})`, bytes);
  for (const [what, bytes, buffer] of bindings) {
    if (buffer.size < bytes) throw new Error(`matmul: buffer ${what} holds ${buffer.size} bytes, needs ${bytes} (${shapes})`);
  }
  if (matmulOnGemm(ctx, { M, N, K, transA, transB, bias })) {
    // gemm wants A k-major ([K][Mp], rows past M zero): transA is that already; else transpose into scratch.
    const Mp = gemmRows(ctx, M);
    const at = transA ? a : ctx.pool.acquire(K * Mp * 4, 'matmul A transposed');
    if (!transA) encodeTranspose(ctx, a, at, 1, M, K, Mp);
    gemm(ctx, { a: at, b, c, K, M, N });
    if (at !== a) ctx.pool.release(at);
    return;
  }
  ctx.launch(
    { name: 'matmul', source, defines: { TRANS_A: transA, TRANS_B: transB, BIAS: !!bias } },
    {
      buffers: bias ? [a, b, bias, c] : [a, b, c],
      uniforms: new Uint32Array([M, N, K, 0]),
      workgroups: [Math.ceil(Math.ceil(N / 4) / 64), Math.ceil(M / 4)],
    },
  );
}
