/**
 * matmul: C[M,N] = op(A)·op(B) (+ bias[N]), float32, row-major. op(A) = A [M,K] or, with transA,
 * Aᵀ of A stored [K,M]; op(B) = B [K,N] or, with transB, Bᵀ of B stored [N,K]. Used for the
 * classifier head (1x2048 · 2048x1000) and as a building block. 4x4 register tile per invocation.
 */
import source from './matmul.wgsl';
import type { GpuContext } from '../gpu/context.js';

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
  ctx.launch(
    { name: 'matmul', source, defines: { TRANS_A: transA, TRANS_B: transB, BIAS: !!bias } },
    {
      buffers: bias ? [a, b, bias, c] : [a, b, c],
      uniforms: new Uint32Array([M, N, K, 0]),
      workgroups: [Math.ceil(Math.ceil(N / 4) / 64), Math.ceil(M / 4)],
    },
  );
}
