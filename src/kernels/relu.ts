/** ReLU: y = max(x, 0); backward dx = dy · [y > 0]. Layout-free (elementwise). */
import source from './relu.wgsl';
import type { GpuContext } from '../gpu/context.js';
import { elementwiseGrid } from './launch.js';

export function reluForward(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, n: number): void {
  const { workgroups, uniforms } = elementwiseGrid(ctx, n);
  ctx.launch({ name: 'relu', source, defines: { FORWARD: true } }, { buffers: [x, y], uniforms, workgroups });
}

/** `y` may be the forward output or its input: both have the same sign pattern. */
export function reluBackward(ctx: GpuContext, y: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, n: number): void {
  const { workgroups, uniforms } = elementwiseGrid(ctx, n);
  ctx.launch({ name: 'reluBackward', source, defines: { FORWARD: false } }, { buffers: [y, dy, dx], uniforms, workgroups });
}
