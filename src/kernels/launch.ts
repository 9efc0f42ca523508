/** Small launch helpers shared by the elementwise kernels. */
import type { BufferRange, GpuContext } from '../gpu/context.js';

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

/**
 * A run of elements [start, start + count) of a float32 buffer, bound as the byte range that begins at
 * element `bindStart` (aligned down to minStorageBufferOffsetAlignment); the kernel reads element
 * `skip + i` of the binding for the run's i-th element.
 */
export interface ElementChunk { start: number; count: number; bindStart: number; skip: number }

/**
 * Split elements [start, end) into chunks whose bindings fit ctx.maxBindingBytes, so kernels over
 * tensors larger than one storage binding (activations reach 256 MB; llvmpipe binds at most 128 MiB)
 * run as several launches. A tensor that fits gives one chunk.
 */
export function elementChunks(ctx: GpuContext, start: number, end: number, bytesPerElement = 4): ElementChunk[] {
  const align = Math.max(1, ctx.limits.minStorageBufferOffsetAlignment / bytesPerElement);
  const span = Math.floor(ctx.maxBindingBytes / bytesPerElement / align) * align;
  if (span < align) throw new Error(`elementChunks: maxBindingBytes (${ctx.maxBindingBytes}) is below one aligned block`);
  const chunks: ElementChunk[] = [];
  for (let e = start; e < end;) {
    const bindStart = Math.floor(e / align) * align;
    const skip = e - bindStart;
    const count = Math.min(end - e, span - skip);
    chunks.push({ start: e, count, bindStart, skip });
    e += count;
  }
  return chunks;
}

/** The binding of a chunk of `buffer` (elements bindStart .. start + count). */
export function chunkRange(buffer: GPUBuffer, c: ElementChunk, bytesPerElement = 4): BufferRange {
  return { buffer, offset: c.bindStart * bytesPerElement, size: (c.skip + c.count) * bytesPerElement };
}

/** Set by benches: whether elementwise kernels with a V4 variant may use it (on where the chunk allows). */
export const elementwiseTuning = { vec4: true };

/**
 * Launch parameters of an elementwise chunk: with V4 (the kernel's vec4 variant) when the chunk's count
 * and skip are whole vec4s, so n and skip are passed in vec4s; `extra` u32s follow {n, rowStride, skip}.
 */
export function chunkLaunch(ctx: GpuContext, c: ElementChunk): { V4: boolean; n: number; skip: number; workgroups: [number, number]; rowStride: number } {
  const V4 = elementwiseTuning.vec4 && c.count % 4 === 0 && c.skip % 4 === 0;
  const n = V4 ? c.count / 4 : c.count;
  const [x, y] = ctx.grid1d(n, ELEMENTWISE_WORKGROUP);
  return { V4, n, skip: V4 ? c.skip / 4 : c.skip, workgroups: [x, y], rowStride: x * ELEMENTWISE_WORKGROUP };
}
