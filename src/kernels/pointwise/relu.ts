/**
 * ReLU: y = max(x, 0); backward dx = dy · [y > 0]. Layout-free (elementwise). Tensors larger than one
 * storage binding run as several launches over chunks of the buffers (elementChunks).
 */
import source from './relu.wgsl';
import type { GpuContext } from '../../gpu/context.js';
import { chunkLaunch, chunkRange, elementChunks } from '../launch.js';

function launchChunked(ctx: GpuContext, name: string, forward: boolean, buffers: GPUBuffer[], n: number, inPlace = false): void {
  for (const b of buffers) {
    if (b.size < n * 4) throw new Error(`${name}: buffer "${b.label}" holds ${b.size / 4} floats, needs ${n}`);
  }
  for (const c of elementChunks(ctx, 0, n)) {
    const l = chunkLaunch(ctx, c);
    ctx.launch(
      { name, source, defines: { FORWARD: forward, IN_PLACE: inPlace, V4: l.V4 } },
      { buffers: buffers.map((b) => chunkRange(b, c)), uniforms: new Uint32Array([l.n, l.rowStride, l.skip]), workgroups: l.workgroups },
    );
  }
}

export function reluForward(ctx: GpuContext, x: GPUBuffer, y: GPUBuffer, n: number): void {
  launchChunked(ctx, 'relu', true, [x, y], n);
}

/**
 * `y` may be the forward output or its input: both have the same sign pattern. `dx` may be `dy` (masked in
 * place: no second gradient-sized buffer; autograd's `owned` says when a backward may overwrite dy).
 */
export function reluBackward(ctx: GpuContext, y: GPUBuffer, dy: GPUBuffer, dx: GPUBuffer, n: number): void {
  if (dx === dy) launchChunked(ctx, 'reluBackwardInPlace', false, [y, dy], n, true);
  else launchChunked(ctx, 'reluBackward', false, [y, dy, dx], n);
}
