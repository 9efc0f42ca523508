/**
 * im2col: a convolution's input patches as a [K = C·KH·KW][P = outH·outW] matrix per image (im2col.wgsl), so
 * conv2d can run a layer as gemm(w transposed to [K][O], cols); and its adjoint col2im, which sums a patch
 * gradient matrix back onto the input, so backward-input runs as gemm(w, dy) then col2im; and the transposed patch
 * matrix, so backward-weight runs as a gemm over the pixels (conv2d.ts).
 */
import source from './im2col.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import type { Conv2dGeometry } from './conv2d-geometry.js';
import { elementwiseGrid } from '../launch.js';

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
    { name: 'im2col', source, defines: { KH: g.KH, KW: g.KW, S: g.stride, COL2IM: false, TRANSPOSED: false, REFLECT: g.padMode === 'reflect' } },
    { buffers: [x, cols], uniforms, workgroups },
  );
}

/** Columns (vec4-padded taps) of the transposed patch matrix: K = C·KH·KW rounded up to a multiple of 4. */
export const im2colTransposedColumns = (g: Conv2dGeometry): number => Math.ceil((g.C * g.KH * g.KW) / 4) * 4;

/**
 * The patch matrices of all N images transposed, as one [N·outH·outW][K4·4] matrix (taps padded with zeros to
 * whole vec4s): the B operand of backward-weight as gemm, whose k runs over the pixels.
 */
export function im2colTransposed(ctx: GpuContext, x: GPUBuffer, colsT: GPUBuffer, g: Conv2dGeometry): void {
  const columns = im2colTransposedColumns(g);
  const n = g.N * g.outH * g.outW * columns;
  const what = `input [${g.inShape}], ${g.KH}x${g.KW} stride ${g.stride}`;
  ctx.checkBinding('im2colTransposed', `transposed patch matrix (${what})`, n * 4);
  if (x.size < g.N * g.C * g.H * g.W * 4) throw new Error(`im2colTransposed: x holds ${x.size / 4} floats, needs ${g.N * g.C * g.H * g.W} (${what})`);
  if (colsT.size < n * 4) throw new Error(`im2colTransposed: colsT holds ${colsT.size / 4} floats, needs ${n} (${what})`);
  const { workgroups, uniforms } = elementwiseGrid(ctx, n / 4, [g.C, g.H, g.W, g.outW, g.outH * g.outW, g.pad, columns / 4]);
  ctx.launch(
    { name: 'im2colTransposed', source, defines: { KH: g.KH, KW: g.KW, S: g.stride, COL2IM: false, TRANSPOSED: true, REFLECT: g.padMode === 'reflect' } },
    { buffers: [x, colsT], uniforms, workgroups },
  );
}

/** dx[n, c, h, w] = Σ of the entries of dcols (the [K][P] patch-gradient matrix per image) that im2col read from x[n, c, h, w]: im2col's adjoint, zero padding only. */
export function col2im(ctx: GpuContext, dcols: GPUBuffer, dx: GPUBuffer, g: Conv2dGeometry): void {
  const n = g.N * g.C * g.H * g.W;
  const what = `input [${g.inShape}], ${g.KH}x${g.KW} stride ${g.stride}`;
  if (g.padMode !== 'zeros') throw new Error(`col2im: only zero padding (got ${g.padMode}; ${what})`);
  ctx.checkBinding('col2im', `patch gradient matrix (${what})`, im2colElements(g) * 4);
  if (dcols.size < im2colElements(g) * 4) throw new Error(`col2im: dcols holds ${dcols.size / 4} floats, needs ${im2colElements(g)} (${what})`);
  if (dx.size < n * 4) throw new Error(`col2im: dx holds ${dx.size / 4} floats, needs ${n} (${what})`);
  const { workgroups, uniforms } = elementwiseGrid(ctx, n, [g.C, g.H, g.W, g.outH, g.outW, g.pad]);
  ctx.launch(
    { name: 'col2im', source, defines: { KH: g.KH, KW: g.KW, S: g.stride, COL2IM: true, TRANSPOSED: false, REFLECT: false } },
    { buffers: [dcols, dx], uniforms, workgroups },
  );
}
