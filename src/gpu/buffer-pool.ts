/**
 * A pool of storage buffers in size classes, so a steady-state optimisation step creates no new GPU
 * buffers: released buffers go back to a free list and the next request of the same class reuses them.
 * Size classes are 2^k and 1.5·2^k bytes (at most 33% waste). Every pooled buffer has the same usage
 * (STORAGE | UNIFORM | COPY_SRC | COPY_DST), so any buffer can serve any request of its size class; UNIFORM lets
 * gemm bind a small A as a uniform buffer (kernels/gemm/gemm.ts uniformA).
 */
const POOL_USAGE = GPUBufferUsage_STORAGE() | GPUBufferUsage_UNIFORM() | GPUBufferUsage_COPY_SRC() | GPUBufferUsage_COPY_DST();

// GPUBufferUsage is a global in browsers and in Dawn after import; read it lazily with numeric fallbacks.
function GPUBufferUsage_STORAGE() { return globalThis.GPUBufferUsage?.STORAGE ?? 0x80; }
function GPUBufferUsage_UNIFORM() { return globalThis.GPUBufferUsage?.UNIFORM ?? 0x40; }
function GPUBufferUsage_COPY_SRC() { return globalThis.GPUBufferUsage?.COPY_SRC ?? 0x04; }
function GPUBufferUsage_COPY_DST() { return globalThis.GPUBufferUsage?.COPY_DST ?? 0x08; }

export function sizeClass(bytes: number): number {
  const min = 256;
  if (bytes <= min) return min;
  const pow = 2 ** Math.ceil(Math.log2(bytes));
  return bytes <= pow * 0.75 ? pow * 0.75 : pow;
}

export interface PoolStats {
  /** Bytes held by buffers handed out and not yet released. */
  bytesInUse: number;
  /** Bytes of every GPU buffer the pool created and still owns (in use + free). */
  bytesAllocated: number;
  /** Highest bytesInUse seen. */
  peakBytes: number;
  /** Number of GPU buffers the pool owns. */
  buffers: number;
  /** createBuffer calls so far: constant in a steady state. */
  created: number;
}

export class BufferPool {
  /**
   * Free buffers per size class, each list in descending creation order, so `acquire` hands out the oldest free
   * buffer of its class: the same requests from the same free set get the same buffers. A step that repeats its
   * requests then binds the same buffers every time, so its bind groups come from the cache (bindings.ts); with a
   * last-released-first list the assignment drifted from step to step, and a ResNet-50 evaluation made 100-200
   * new bind groups each time (bench/NOTES.md, issue 23).
   */
  private free = new Map<number, GPUBuffer[]>();
  private serials = new WeakMap<GPUBuffer, number>();
  private nextSerial = 0;
  private inUse = new Set<GPUBuffer>();
  readonly stats: PoolStats = { bytesInUse: 0, bytesAllocated: 0, peakBytes: 0, buffers: 0, created: 0 };
  /**
   * The largest temporary a backward kernel may take from the pool (Winograd tiles, col2im patch
   * gradients); past it the direct kernel runs. Unlimited unless a memory budget lowers it
   * (models/memory.ts planMemory); only backward routes read it, so the forward pass, hence the loss,
   * is the same whatever it is.
   */
  backwardScratchBytes = Infinity;

  /**
   * @param maxBufferSize the largest buffer to create (the device limit; a test may lower it).
   * @param onAllocation receives, per createBuffer, a promise of its out-of-memory error (null when it
   *   succeeded); GpuContext rethrows it at the next launch, submit or read, so a failed allocation is an
   *   error naming the size, never a silent invalid buffer or a hang.
   */
  constructor(private device: GPUDevice, public maxBufferSize: number, private onAllocation?: (failure: Promise<Error | null>) => void) {}

  /** A buffer of at least `bytes` bytes. Contents are undefined (a reused buffer keeps old data). */
  acquire(bytes: number, label = 'swagpu'): GPUBuffer {
    const size = sizeClass(Math.max(4, bytes));
    if (size > this.maxBufferSize && bytes <= this.maxBufferSize) return this.track(this.create(bytes, label));
    if (bytes > this.maxBufferSize) {
      throw new Error(`${label}: a ${fmtBytes(bytes)} buffer exceeds this device's maxBufferSize (${fmtBytes(this.maxBufferSize)}); try a smaller --size`);
    }
    const list = this.free.get(size);
    const buffer = list?.pop() ?? this.create(size, label);
    return this.track(buffer);
  }

  private track(buffer: GPUBuffer): GPUBuffer {
    this.inUse.add(buffer);
    this.stats.bytesInUse += buffer.size;
    this.stats.peakBytes = Math.max(this.stats.peakBytes, this.stats.bytesInUse);
    return buffer;
  }

  private create(size: number, label: string): GPUBuffer {
    this.device.pushErrorScope('out-of-memory');
    const buffer = this.device.createBuffer({ size, usage: POOL_USAGE, label });
    this.serials.set(buffer, this.nextSerial++);
    const inUse = this.stats.bytesInUse;
    this.onAllocation?.(this.device.popErrorScope().then((error) => error && new Error(
      `${label}: the GPU could not allocate a ${fmtBytes(size)} buffer (${fmtBytes(inUse)} already in use): ${error.message}. Try a smaller --size.`,
    )));
    this.stats.bytesAllocated += size;
    this.stats.buffers += 1;
    this.stats.created += 1;
    return buffer;
  }

  /** Give a buffer back; it may be reused by the next acquire of its size class. */
  release(buffer: GPUBuffer): void {
    if (!this.inUse.delete(buffer)) throw new Error(`BufferPool.release: buffer "${buffer.label}" is not in use (released twice?)`);
    this.stats.bytesInUse -= buffer.size;
    const size = buffer.size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    const serial = this.serials.get(buffer) ?? -1;
    let i = list.length;
    while (i > 0 && (this.serials.get(list[i - 1]) ?? -1) < serial) i--;
    list.splice(i, 0, buffer);
  }

  /** Destroy every free buffer (e.g. after a run at another size). */
  trim(): void {
    for (const list of this.free.values()) {
      for (const buffer of list) {
        this.stats.bytesAllocated -= buffer.size;
        this.stats.buffers -= 1;
        buffer.destroy();
      }
    }
    this.free.clear();
  }
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}
