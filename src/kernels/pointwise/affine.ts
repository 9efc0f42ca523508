/**
 * Per-channel affine (folded BatchNorm): y = x·scale[c] + shift[c] over NCHW, optionally with a fused
 * ReLU. Backward: dx = dy·scale[c] (masked by y > 0 when fused), and for completeness the parameter
 * gradients dscale[c] = Σ_{n,h,w} dy·x, dshift[c] = Σ_{n,h,w} dy (style transfer never needs them).
 */
import source from './affine.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkRange, elementChunks, elementwiseGrid } from '../launch.js';
import type { Shape4 } from '../shape.js';


/** Check the shape and that each buffer holds its tensor (`per: 'tensor'` = N·C·H·W floats, 'channel' = C); returns N·C·H·W. */
function check(op: string, shape: Shape4, buffers: Record<string, [GPUBuffer, 'tensor' | 'channel']>): number {
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: shape must be [N,C,H,W] of positive integers, got [${shape}]`);
  const total = shape[0] * shape[1] * shape[2] * shape[3];
  for (const [what, [buffer, per]] of Object.entries(buffers)) {
    const floats = per === 'tensor' ? total : shape[1];
    if (buffer.size < floats * 4) throw new Error(`${op}: ${what} holds ${buffer.size / 4} floats, needs ${floats} for shape [${shape}]`);
  }
  return total;
}

/**
 * One launch per binding-sized chunk of the tensor, uniforms {n, rowStride, skip, start, hw, channels}.
 * Tensor-shaped buffers are bound as the chunk ('chunk'); the per-channel ones whole ('whole').
 */
function launchChunked(ctx: GpuContext, name: string, defines: Record<string, boolean>, shape: Shape4, bindings: Array<[GPUBuffer, 'chunk' | 'whole']>): void {
  const [n, c, h, w] = shape;
  for (const chunk of elementChunks(ctx, 0, n * c * h * w)) {
    const { workgroups } = elementwiseGrid(ctx, chunk.count);
    const uniforms = new Uint32Array([chunk.count, workgroups[0] * 256, chunk.skip, chunk.start, h * w, c, 0, 0]);
    const buffers = bindings.map(([b, how]) => (how === 'chunk' ? chunkRange(b, chunk) : b));
    ctx.launch({ name, source, defines }, { buffers, uniforms, workgroups });
  }
}

/** y = x·scale[c] + shift[c] (then max(·,0) when relu). */
export function affineForward(ctx: GpuContext, x: GPUBuffer, scale: GPUBuffer, shift: GPUBuffer, y: GPUBuffer, shape: Shape4, relu = false): void {
  check('affine', shape, { x: [x, 'tensor'], scale: [scale, 'channel'], shift: [shift, 'channel'], y: [y, 'tensor'] });
  launchChunked(ctx, relu ? 'affineRelu' : 'affine', { FORWARD: true, BACKWARD_INPUT: false, RELU: relu }, shape, [[x, 'chunk'], [scale, 'whole'], [shift, 'whole'], [y, 'chunk']]);
}

/** dx = dy·scale[c]; with relu, `y` (the forward output) masks it: dx = dy·scale[c]·[y > 0]. */
export function affineBackwardInput(ctx: GpuContext, dy: GPUBuffer, scale: GPUBuffer, dx: GPUBuffer, shape: Shape4, y?: GPUBuffer): void {
  check('affineBackwardInput', shape, { dy: [dy, 'tensor'], scale: [scale, 'channel'], dx: [dx, 'tensor'], ...(y ? { y: [y, 'tensor'] } : {}) });
  const bindings: Array<[GPUBuffer, 'chunk' | 'whole']> = [[dy, 'chunk'], [scale, 'whole'], [dx, 'chunk']];
  if (y) bindings.unshift([y, 'chunk']);
  launchChunked(ctx, y ? 'affineReluBackwardInput' : 'affineBackwardInput', { FORWARD: false, BACKWARD_INPUT: true, RELU: !!y }, shape, bindings);
}

/**
 * dscale[c] = Σ_{n,h,w} g·x and dshift[c] = Σ_{n,h,w} g with g = dy (masked by y > 0 when `y` is given).
 * One workgroup per channel; each of x, y, dy must fit one storage binding.
 */
export function affineBackwardParams(ctx: GpuContext, x: GPUBuffer, dy: GPUBuffer, dscale: GPUBuffer, dshift: GPUBuffer, shape: Shape4, y?: GPUBuffer): void {
  const name = y ? 'affineReluBackwardParams' : 'affineBackwardParams';
  const total = check(name, shape, { x: [x, 'tensor'], dy: [dy, 'tensor'], dscale: [dscale, 'channel'], dshift: [dshift, 'channel'], ...(y ? { y: [y, 'tensor'] } : {}) });
  ctx.checkBinding(name, `activation [${shape}]`, total * 4);
  const [, c, h, w] = shape;
  const uniforms = new Uint32Array([total, 0, 0, 0, h * w, c, 0, 0]);
  const buffers = y ? [x, y, dy, dscale, dshift] : [x, dy, dscale, dshift];
  ctx.launch({ name, source, defines: { FORWARD: false, BACKWARD_INPUT: false, RELU: !!y } }, { buffers, uniforms, workgroups: [c] });
}
