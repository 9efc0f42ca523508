/**
 * Elementwise add (residual connections) and the buffer helpers autograd needs: accumulate (dst += src,
 * the backward of a fan-out), fill (zeros/ones) and copy. Layout-free. The backward of y = a + b is
 * da = db = dy: autograd passes dy on (or accumulates it), so there is no addBackward kernel.
 * Tensors larger than one storage binding run as several launches over chunks of the buffers.
 */
import source from './add.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkLaunch, chunkRange, elementChunks, uniformBlock } from '../launch.js';

type Variant = 'ADD' | 'ACCUMULATE' | 'FILL' | 'COPY';
const NAMES: Record<Variant, string> = { ADD: 'add', ACCUMULATE: 'accumulate', FILL: 'fill', COPY: 'copy' };

function launchChunked(ctx: GpuContext, variant: Variant, buffers: GPUBuffer[], n: number, value = 0, relu = false): void {
  const name = relu ? 'accumulateRelu' : NAMES[variant];
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}: element count must be a non-negative integer, got ${n}`);
  if (new Set(buffers).size !== buffers.length) throw new Error(`${name}: the same buffer is bound twice (use accumulate for in-place a += b)`);
  for (const b of buffers) {
    if (b.size < n * 4) throw new Error(`${name}: buffer "${b.label}" holds ${b.size / 4} floats, needs ${n}`);
  }
  for (const c of elementChunks(ctx, 0, n)) {
    const l = chunkLaunch(ctx, c);
    const defines = { ADD: variant === 'ADD', ACCUMULATE: variant === 'ACCUMULATE', FILL: variant === 'FILL', RELU: relu, V4: l.V4 };
    const uniforms = uniformBlock([{ u32: l.n }, { u32: l.rowStride }, { u32: l.skip }, { f32: value }]);
    ctx.launch({ name, source, defines }, { buffers: buffers.map((b) => chunkRange(b, c)), uniforms, workgroups: l.workgroups });
  }
}

/** y = a + b over n elements (three distinct buffers). */
export function add(ctx: GpuContext, a: GPUBuffer, b: GPUBuffer, y: GPUBuffer, n: number): void {
  launchChunked(ctx, 'ADD', [a, b, y], n);
}

/**
 * dst += src over n elements: how autograd sums the gradients of a tensor used more than once. With `relu`,
 * dst = max(dst + src, 0): a residual connection after a conv (conv2d's `residual`).
 */
export function accumulate(ctx: GpuContext, dst: GPUBuffer, src: GPUBuffer, n: number, { relu = false } = {}): void {
  launchChunked(ctx, 'ACCUMULATE', [src, dst], n, 0, relu);
}

/** buf[0..n) = value (zeros for gradient buffers, ones for a seed gradient). */
export function fill(ctx: GpuContext, buf: GPUBuffer, n: number, value: number): void {
  launchChunked(ctx, 'FILL', [buf], n, value);
}

/** dst[0..n) = src[0..n), inside the current compute pass (no copy command needed). */
export function copy(ctx: GpuContext, src: GPUBuffer, dst: GPUBuffer, n: number): void {
  launchChunked(ctx, 'COPY', [src, dst], n);
}
