/**
 * Small image ops: clamp (the optimiser keeps the RGB image in [0, 1] between steps) and toRGBA8
 * (packs an RGB image into one u32 per pixel for previews and PNG output, so they read back bytes,
 * not floats). Images are NCHW float32 [N,3,H,W]; clamp is elementwise over any layout.
 */
import source from './image.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { elementwiseGrid, uniformBlock } from '../launch.js';

function checkRange(op: string, lo: number, hi: number): void {
  if (!(lo <= hi)) throw new Error(`${op}: lo (${lo}) must be <= hi (${hi})`);
}

/** y = min(max(x, lo), hi) over n elements; `x` and `y` may be the same buffer (in place). */
export function clamp(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, n: number, lo: number, hi: number): void {
  checkRange('clamp', lo, hi);
  ctx.checkBinding('clamp', `${n} floats`, n * 4);
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, n);
  const uniforms = uniformBlock([{ u32: grid[0] }, { u32: grid[1] }, { f32: lo }, { f32: hi }]);
  const inPlace = x === y;
  ctx.launch(
    { name: 'clamp', source, defines: { CLAMP: true, CLAMP_BACKWARD: false, INPLACE: inPlace } },
    { buffers: inPlace ? [y] : [x, y], uniforms, workgroups },
  );
}

/**
 * Masked (not straight-through) gradient: dx = dy where lo <= x <= hi, else 0 — as PyTorch's clamp and
 * TF's clipByValue. `x` is the clamp's input. (The style loop clamps the image in place between steps
 * and does not differentiate through it; this is here for losses that clamp inside the graph.)
 */
export function clampBackward(ctx: GpuContext, x: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, n: number, lo: number, hi: number): void {
  checkRange('clampBackward', lo, hi);
  ctx.checkBinding('clampBackward', `${n} floats`, n * 4);
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, n);
  const uniforms = uniformBlock([{ u32: grid[0] }, { u32: grid[1] }, { f32: lo }, { f32: hi }]);
  ctx.launch(
    { name: 'clampBackward', source, defines: { CLAMP: false, CLAMP_BACKWARD: true, INPLACE: false } },
    { buffers: [x, dy, dx], uniforms, workgroups },
  );
}

/**
 * Pack an RGB 0..1 image x [N,3,H,W] into out (N·H·W u32): bytes R,G,B,255 per pixel, each
 * floor(clamp(v,0,1)·255 + 0.5). `new Uint8Array(readback)` is then RGBA8 rows ready for a PNG encoder.
 */
export function toRGBA8(ctx: GpuContext, x: GPUBuffer, out: GPUBuffer, shape: readonly number[]): void {
  if (shape.length !== 4 || shape[1] !== 3 || shape.some((d) => !Number.isInteger(d) || d < 1)) {
    throw new Error(`toRGBA8: expected an RGB image [N,3,H,W], got [${shape}]`);
  }
  const hw = shape[2] * shape[3];
  const pixels = shape[0] * hw;
  ctx.checkBinding('toRGBA8', `image [${shape}]`, pixels * 3 * 4);
  if (out.size < pixels * 4) throw new Error(`toRGBA8: output buffer has ${out.size} bytes, needs ${pixels * 4} for image [${shape}]`);
  const { workgroups, uniforms: grid } = elementwiseGrid(ctx, pixels);
  const uniforms = new Uint32Array([grid[0], grid[1], hw, 0]);
  ctx.launch(
    { name: 'toRGBA8', source, defines: { CLAMP: false, CLAMP_BACKWARD: false, INPLACE: false } },
    { buffers: [x, out], uniforms, workgroups },
  );
}
