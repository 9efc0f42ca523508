/**
 * Moving data between the CPU and pooled GPU buffers, ordered with the recorded work: an upload submits
 * what is recorded first (queue.writeBuffer would otherwise run before it), a readback copies into a
 * staging buffer at the end of the step and throws any GPU error the step caused.
 */
import type { BufferPool } from './buffer-pool.js';
import type { DeferredErrors } from './errors.js';
import { idleWait } from './idle-wait.js';
import type { Recorder } from './recorder.js';

export class Transfers {
  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly recorder: Recorder,
    private readonly errors: DeferredErrors,
    /** Await the GPU without dawn.node's busy polling (idle-wait.ts). */
    private readonly idleWaits: boolean,
  ) {}

  /** Write data into a buffer, after all recorded work that may still use the buffer. */
  upload(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.errors.throwIfFailed();
    this.recorder.submit(); // queue.writeBuffer runs before unsubmitted commands: submit them first
    this.device.queue.writeBuffer(buffer, byteOffset, data.buffer, data.byteOffset, data.byteLength);
  }

  /** A pooled buffer holding `data`. */
  bufferFrom(data: Float32Array | Uint32Array | Int32Array, label?: string): GPUBuffer {
    const buffer = this.pool.acquire(data.byteLength, label);
    this.upload(buffer, data);
    return buffer;
  }

  /** Copy `byteLength` bytes of a buffer back to the CPU (submits pending work). */
  async readBytes(buffer: GPUBuffer, byteLength: number, byteOffset = 0): Promise<ArrayBuffer> {
    const size = Math.ceil(byteLength / 4) * 4;
    const staging = this.device.createBuffer({ size: Math.max(4, size), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, label: 'readback' });
    this.recorder.commandEncoder().copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.recorder.submit();
    try {
      await idleWait(this.idleWaits, () => staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      await this.errors.settle();
      this.errors.throwIfFailed();
      throw new Error(`readback failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange().slice(0, byteLength);
    staging.destroy();
    await this.errors.settle();
    this.errors.throwIfFailed();
    return out;
  }

  async readF32(buffer: GPUBuffer, length: number, offset = 0): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(buffer, length * 4, offset * 4));
  }
}
