/**
 * The batched transpose with zero padding (transpose.wgsl) that makes gemm's k-major layouts: the conv weights
 * for the direct kernels and gemm routes (conv2d.ts), dy for backward-weight, the features for the Gram matrix
 * (gram.ts), matmul's A (matmul.ts). Tested through those ops.
 */
import source from './transpose.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { elementwiseGrid } from '../launch.js';

/** dst[b][s][r] = src[b][r][s] (r < R; zeros up to RP). */
export function encodeTranspose(ctx: GpuContext, src: GPUBuffer, dst: GPUBuffer, B: number, R: number, S: number, RP: number): void {
  const { workgroups, uniforms } = elementwiseGrid(ctx, B * S * RP, [R, S, RP]);
  ctx.launch({ name: 'transpose', source }, { buffers: [src, dst], uniforms, workgroups });
}
