/**
 * Pooling over NCHW: maxPool2d (saving argmax for maxPool2dBackward), avgPool2d (count_include_pad =
 * false: a window's mean is over its non-padding cells, as PyTorch's count_include_pad=False and TF's
 * 'SAME' pooling) and globalAvgPool ([N,C,H,W] → [N,C], the classifier head). No ceil_mode.
 * Planes (n, c) are independent, so tensors larger than one storage binding run as several launches,
 * each over a run of whole planes.
 */
import source from './pool.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkRange, elementwiseGrid, type ElementChunk } from '../launch.js';
import type { Shape4 } from '../shape.js';
import { pool2dGeometry, type Pool2dGeometry, type Pool2dParams } from './pool-geometry.js';

export { pool2dGeometry, type Pool2dGeometry, type Pool2dParams } from './pool-geometry.js';

/** Runs of whole planes such that the input and output chunks each fit one binding. */
function planeChunks(ctx: GpuContext, op: string, planes: number, inPlane: number, outPlane: number): Array<{ count: number; input: ElementChunk; output: ElementChunk }> {
  const align = ctx.limits.minStorageBufferOffsetAlignment / 4;
  const maxElems = Math.floor(ctx.maxBindingBytes / 4) - align;
  const perChunk = Math.floor(maxElems / Math.max(inPlane, outPlane));
  if (perChunk < 1) {
    throw new Error(`${op}: one ${Math.max(inPlane, outPlane)}-float plane does not fit one storage binding (${ctx.maxBindingBytes} bytes, maxStorageBufferBindingSize)`);
  }
  const range = (start: number, count: number): ElementChunk => {
    const bindStart = Math.floor(start / align) * align;
    return { start, count, bindStart, skip: start - bindStart };
  };
  const out = [];
  for (let p0 = 0; p0 < planes; p0 += perChunk) {
    const count = Math.min(perChunk, planes - p0);
    out.push({ count, input: range(p0 * inPlane, count * inPlane), output: range(p0 * outPlane, count * outPlane) });
  }
  return out;
}

type Variant = 'MAX_FORWARD' | 'AVG_FORWARD' | 'MAX_BACKWARD' | 'AVG_BACKWARD' | 'GLOBAL_FORWARD' | 'GLOBAL_BACKWARD';
const VARIANTS: Variant[] = ['MAX_FORWARD', 'AVG_FORWARD', 'MAX_BACKWARD', 'AVG_BACKWARD', 'GLOBAL_FORWARD', 'GLOBAL_BACKWARD'];

/**
 * Launch a pooling variant over all planes, in plane chunks. Each buffer is bound as the chunk of its
 * side ('in': input-shaped, 'out': output-shaped); one invocation per input cell, output cell or plane.
 */
function launchPool(ctx: GpuContext, name: string, variant: Variant, g: Pool2dGeometry, buffers: Array<[GPUBuffer, 'in' | 'out']>, perInvocation: 'in' | 'out' | 'plane'): void {
  const inPlane = g.h * g.w;
  const outPlane = g.outH * g.outW;
  for (const [buffer, side] of buffers) {
    const need = g.n * g.c * (side === 'in' ? inPlane : outPlane) * 4;
    if (buffer.size < need) throw new Error(`${name}: buffer "${buffer.label}" holds ${buffer.size} bytes, needs ${need} for input [${g.n},${g.c},${g.h},${g.w}] → output [${g.n},${g.c},${g.outH},${g.outW}]`);
  }
  const defines = Object.fromEntries(VARIANTS.map((v) => [v, v === variant]));
  for (const chunk of planeChunks(ctx, name, g.n * g.c, inPlane, outPlane)) {
    const invocations = perInvocation === 'plane' ? chunk.count : chunk.count * (perInvocation === 'in' ? inPlane : outPlane);
    const { workgroups } = elementwiseGrid(ctx, invocations);
    const uniforms = new Uint32Array([
      invocations, workgroups[0] * 256, g.h, g.w, g.outH, g.outW, g.k, g.s, g.pad, chunk.input.skip, chunk.output.skip, 0,
    ]);
    const bound = buffers.map(([b, side]) => chunkRange(b, side === 'in' ? chunk.input : chunk.output));
    ctx.launch({ name, source, defines }, { buffers: bound, uniforms, workgroups: perInvocation === 'plane' ? [chunk.count] : workgroups });
  }
}

/** y[n,c,oh,ow] = max over the window; argmax (u32) = ih·W + iw of the maximum inside its plane. */
export function maxPool2d(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, argmax: GPUBuffer, shape: Shape4, params: Pool2dParams): Pool2dGeometry {
  const g = pool2dGeometry('maxPool2d', shape, params);
  launchPool(ctx, 'maxPool2d', 'MAX_FORWARD', g, [[x, 'in'], [y, 'out'], [argmax, 'out']], 'out');
  return g;
}

/** dx = scatter of dy to the argmax of each window, computed as a gather per input cell (overlapping windows add). */
export function maxPool2dBackward(ctx: GpuContext, dy: GPUBuffer, argmax: GPUBuffer, dx: GPUBuffer, shape: Shape4, params: Pool2dParams): void {
  const g = pool2dGeometry('maxPool2dBackward', shape, params);
  launchPool(ctx, 'maxPool2dBackward', 'MAX_BACKWARD', g, [[dy, 'out'], [argmax, 'out'], [dx, 'in']], 'in');
}

/** y = mean of the window's non-padding cells (count_include_pad = false). */
export function avgPool2d(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, shape: Shape4, params: Pool2dParams): Pool2dGeometry {
  const g = pool2dGeometry('avgPool2d', shape, params);
  launchPool(ctx, 'avgPool2d', 'AVG_FORWARD', g, [[x, 'in'], [y, 'out']], 'out');
  return g;
}

/** dx[i] = Σ over windows o containing i of dy[o] / count(o). */
export function avgPool2dBackward(ctx: GpuContext, dy: GPUBuffer, dx: GPUBuffer, shape: Shape4, params: Pool2dParams): void {
  const g = pool2dGeometry('avgPool2dBackward', shape, params);
  launchPool(ctx, 'avgPool2dBackward', 'AVG_BACKWARD', g, [[dy, 'out'], [dx, 'in']], 'in');
}

function globalGeometry(op: string, shape: Shape4): Pool2dGeometry {
  const [n, c, h, w] = shape;
  if (shape.length !== 4 || shape.some((d) => !Number.isInteger(d) || d < 1)) throw new Error(`${op}: input shape must be [N,C,H,W] of positive integers, got [${shape}]`);
  return { n, c, h, w, k: 1, s: 1, pad: 0, outH: 1, outW: 1 };
}

/** y[n,c] = mean over H·W of x[n,c]. */
export function globalAvgPool(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, shape: Shape4): void {
  launchPool(ctx, 'globalAvgPool', 'GLOBAL_FORWARD', globalGeometry('globalAvgPool', shape), [[x, 'in'], [y, 'out']], 'plane');
}

/** dx[n,c,h,w] = dy[n,c] / (H·W). */
export function globalAvgPoolBackward(ctx: GpuContext, dy: GPUBuffer, dx: GPUBuffer, shape: Shape4): void {
  launchPool(ctx, 'globalAvgPoolBackward', 'GLOBAL_BACKWARD', globalGeometry('globalAvgPoolBackward', shape), [[dy, 'out'], [dx, 'in']], 'in');
}
