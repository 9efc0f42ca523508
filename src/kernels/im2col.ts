/**
 * im2col: a convolution's input patches as a [K = C·KH·KW][P = outH·outW] matrix per image (im2col.wgsl), so
 * conv2d can run a layer as gemm(w transposed to [K][O], cols). Forward only: the layers it serves (the stem)
 * need no other gradient than the image's, which the direct backward-input kernel handles well.
 */
import source from './im2col.wgsl';
import type { GpuContext } from '../gpu/context.js';
import type { Conv2dGeometry } from './conv2d-geometry.js';
import { elementwiseGrid } from './launch.js';

/** Elements of the patch matrices of all N images. */
export const im2colElements = (g: Conv2dGeometry): number => g.N * g.C * g.KH * g.KW * g.outH * g.outW;

export function im2col(ctx: GpuContext, x: GPUBuffer, cols: GPUBuffer, g: Conv2dGeometry): void {
  const n = im2colElements(g);
  if ((g.outH * g.outW) % 4) throw new Error(`im2col: outH·outW (${g.outH}x${g.outW}) must be a multiple of 4 (vec4 rows)`);
  const what = `input [${g.inShape}], ${g.KH}x${g.KW} stride ${g.stride}`;
  ctx.checkBinding('im2col', `patch matrix (${what})`, n * 4);
  if (x.size < g.N * g.C * g.H * g.W * 4) throw new Error(`im2col: x holds ${x.size / 4} floats, needs ${g.N * g.C * g.H * g.W} (${what})`);
  if (cols.size < n * 4) throw new Error(`im2col: cols holds ${cols.size / 4} floats, needs ${n} (${what})`);
  const { workgroups, uniforms } = elementwiseGrid(ctx, n / 4, [g.C, g.H, g.W, g.outW, g.outH * g.outW, g.pad]);
  ctx.launch(
    { name: 'im2col', source, defines: { KH: g.KH, KW: g.KW, S: g.stride, REFLECT: g.padMode === 'reflect' } },
    { buffers: [x, cols], uniforms, workgroups },
  );
}
