/** Small launch helpers shared by the elementwise kernels. */
import type { GpuContext } from '../gpu/context.js';

export const ELEMENTWISE_WORKGROUP = 256;

/**
 * Workgroups and the {n, rowStride} uniform for a 1-D elementwise kernel with 256-thread workgroups:
 * past 65535 workgroups the launch folds into y, and the kernel computes i = gid.y * rowStride + gid.x.
 */
export function elementwiseGrid(ctx: GpuContext, n: number, extra: number[] = []): { workgroups: [number, number]; uniforms: Uint32Array } {
  const [x, y] = ctx.grid1d(n, ELEMENTWISE_WORKGROUP);
  return { workgroups: [x, y], uniforms: new Uint32Array([n, x * ELEMENTWISE_WORKGROUP, ...extra]) };
}

/** Uniform block from mixed u32/f32 fields, in order (each 4 bytes). */
export function uniformBlock(fields: Array<{ u32: number } | { f32: number } | { i32: number }>): Uint32Array {
  const data = new ArrayBuffer(Math.max(16, Math.ceil(fields.length / 4) * 16));
  const view = new DataView(data);
  fields.forEach((f, i) => {
    if ('u32' in f) view.setUint32(i * 4, f.u32, true);
    else if ('i32' in f) view.setInt32(i * 4, f.i32, true);
    else view.setFloat32(i * 4, f.f32, true);
  });
  return new Uint32Array(data);
}
