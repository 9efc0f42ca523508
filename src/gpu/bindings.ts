/**
 * What a launch binds, cached across steps (shapes and buffers repeat every step, so a steady-state step
 * creates no GPU objects): immutable uniform buffers keyed by their bytes, and bind groups keyed by
 * layout and bound buffers (byte ranges included).
 */

/** Part of a buffer, bound as one storage binding (offset a multiple of minStorageBufferOffsetAlignment). */
export interface BufferRange { buffer: GPUBuffer; offset: number; size: number }

const MAX_CACHED_UNIFORMS = 8192;
const MAX_BIND_GROUPS_PER_LAYOUT = 4096;

export class BindingCache {
  private uniformCache = new Map<string, GPUBuffer>();
  private bindGroupCache = new WeakMap<GPUBindGroupLayout, Map<string, GPUBindGroup>>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  /** Uniform buffers dropped from the cache: pending commands may still use them. */
  private retired: GPUBuffer[] = [];

  constructor(private readonly device: GPUDevice) {}

  /** The bind group of `layout` binding the uniform block (if any) at @binding(0), then `buffers` in order. */
  bindGroup(label: string, layout: GPUBindGroupLayout, buffers: Array<GPUBuffer | BufferRange>, uniforms?: ArrayBufferView): GPUBindGroup {
    const bound = uniforms ? [this.uniformBuffer(uniforms), ...buffers] : buffers;
    let groups = this.bindGroupCache.get(layout);
    if (!groups) this.bindGroupCache.set(layout, (groups = new Map()));
    const key = bound.map((b) => ('buffer' in b ? `${this.idOf(b.buffer)}@${b.offset}+${b.size}` : this.idOf(b))).join(',');
    let bindGroup = groups.get(key);
    if (!bindGroup) {
      bindGroup = this.device.createBindGroup({
        layout, label, entries: bound.map((b, binding) => ({ binding, resource: 'buffer' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b } })),
      });
      if (groups.size > MAX_BIND_GROUPS_PER_LAYOUT) groups.clear();
      groups.set(key, bindGroup);
    }
    return bindGroup;
  }

  /** Destroy the retired uniform buffers: call right after a submit, which no longer needs them. */
  destroyRetired(): void {
    for (const buffer of this.retired.splice(0)) buffer.destroy();
  }

  private idOf(buffer: GPUBuffer): number {
    let id = this.bufferIds.get(buffer);
    if (id === undefined) this.bufferIds.set(buffer, (id = this.nextBufferId++));
    return id;
  }

  /** Immutable uniform buffers, cached by content: shapes repeat every step, so steps reuse them. */
  private uniformBuffer(data: ArrayBufferView): GPUBuffer {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    let key = '';
    for (let i = 0; i < bytes.length; i += 4) key += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8), bytes[i + 2] | (bytes[i + 3] << 8));
    let buffer = this.uniformCache.get(key);
    if (!buffer) {
      if (this.uniformCache.size >= MAX_CACHED_UNIFORMS) {
        // Retire, don't destroy: pending commands may still use them; destroyed after the next submit.
        this.retired.push(...this.uniformCache.values());
        this.uniformCache.clear();
      }
      const size = Math.max(16, Math.ceil(bytes.length / 16) * 16);
      buffer = this.device.createBuffer({ size, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true, label: 'uniforms' });
      new Uint8Array(buffer.getMappedRange()).set(bytes);
      buffer.unmap();
      this.uniformCache.set(key, buffer);
    }
    return buffer;
  }
}
