/**
 * mulMask: y = x ⊙ m with a per-pixel mask m [1,1,H,W] broadcast over the batch and channels of an NCHW
 * tensor x [N,C,H,W] (masked Gram matrices for spatial style control, Gatys et al. CVPR 2017).
 * Backward wrt x: dx = dy ⊙ m, the same kernel. The mask is a constant (no gradient for it).
 * Tensors larger than one storage binding run in chunks of x and y (the mask plane is bound whole).
 */
import source from './mask.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkRange, elementChunks, elementwiseGrid } from '../launch.js';

function check(op: string, ctx: GpuContext, shape: readonly number[], maskShape: readonly number[]): number {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: expected an input [N,C,H,W], got [${shape}]`);
  if (maskShape.length !== 4 || maskShape[0] !== 1 || maskShape[1] !== 1 || maskShape[2] !== shape[2] || maskShape[3] !== shape[3]) {
    throw new Error(`${op}: mask must be [1,1,${shape[2]},${shape[3]}] for input [${shape}], got [${maskShape}]`);
  }
  const n = shape[0] * shape[1] * shape[2] * shape[3];
  ctx.checkBinding(op, `mask [${maskShape}]`, shape[2] * shape[3] * 4);
  return n;
}

function launch(ctx: GpuContext, op: string, x: GPUBuffer, mask: GPUBuffer, y: GPUBuffer, shape: readonly number[], maskShape: readonly number[]): void {
  const n = check(op, ctx, shape, maskShape);
  for (const c of elementChunks(ctx, 0, n)) {
    const { workgroups, uniforms } = elementwiseGrid(ctx, c.count, [shape[2] * shape[3], c.skip, c.start]);
    ctx.launch({ name: op, source }, { buffers: [chunkRange(x, c), mask, chunkRange(y, c)], uniforms, workgroups });
  }
}

/** y [N,C,H,W] = x ⊙ mask (mask [1,1,H,W]). */
export function mulMask(ctx: GpuContext, x: GPUBuffer, mask: GPUBuffer, y: GPUBuffer, shape: readonly number[], maskShape: readonly number[]): void {
  launch(ctx, 'mulMask', x, mask, y, shape, maskShape);
}

/** dx = dy ⊙ mask: the gradient of mulMask wrt x. */
export function mulMaskBackward(ctx: GpuContext, dy: GPUBuffer, mask: GPUBuffer, dx: GPUBuffer, shape: readonly number[], maskShape: readonly number[]): void {
  launch(ctx, 'mulMaskBackward', dy, mask, dx, shape, maskShape);
}
