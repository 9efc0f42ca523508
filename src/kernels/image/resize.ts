/**
 * Bilinear resize (align_corners = false, half-pixel centres) of NCHW float32 tensors, forward and
 * backward (a gather: no float atomics). Used for multi-scale upsampling of the image and style-scale.
 * See resize.wgsl for the sampling math.
 */
import source from './resize.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { elementwiseGrid, uniformBlock } from '../launch.js';

function params(ctx: GpuContext, op: string, inShape: readonly number[], outH: number, outW: number, n: number) {
  if (inShape.length !== 4 || inShape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`${op}: expected an input [N,C,H,W], got [${inShape}]`);
  }
  if (!Number.isInteger(outH) || !Number.isInteger(outW) || outH < 1 || outW < 1) {
    throw new Error(`${op}: output size ${outH}x${outW} must be positive integers (input [${inShape}])`);
  }
  const [N, C, inH, inW] = inShape;
  ctx.checkBinding(op, `input [${inShape}]`, N * C * inH * inW * 4);
  ctx.checkBinding(op, `output [${N},${C},${outH},${outW}]`, N * C * outH * outW * 4);
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, n);
  const uniforms = uniformBlock([
    { u32: grid[0] }, { u32: grid[1] }, { u32: inH }, { u32: inW }, { u32: outH }, { u32: outW },
    { f32: inH / outH }, { f32: inW / outW },
  ]);
  return { workgroups, uniforms };
}

/** y [N,C,outH,outW] = bilinear resize of x [N,C,H,W]. */
export function resizeBilinear(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, inShape: readonly number[], outH: number, outW: number): void {
  const [N, C] = inShape;
  const { workgroups, uniforms } = params(ctx, 'resizeBilinear', inShape, outH, outW, N * C * outH * outW);
  ctx.launch({ name: 'resizeBilinear', source, defines: { FORWARD: true } }, { buffers: [x, y], uniforms, workgroups });
}

/** dx [N,C,H,W] from dy [N,C,outH,outW]: the transpose of resizeBilinear. */
export function resizeBilinearBackward(ctx: GpuContext, dy: GPUBuffer, dx: GPUBuffer, inShape: readonly number[], outH: number, outW: number): void {
  const [N, C, H, W] = inShape;
  const { workgroups, uniforms } = params(ctx, 'resizeBilinearBackward', inShape, outH, outW, N * C * H * W);
  ctx.launch({ name: 'resizeBilinearBackward', source, defines: { FORWARD: false } }, { buffers: [dy, dx], uniforms, workgroups });
}
