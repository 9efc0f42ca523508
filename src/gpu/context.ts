/**
 * GpuContext: everything kernels need to run — the device, a pipeline cache, a buffer pool, and a
 * command recorder that puts every launch of a step into one compute pass of one command encoder,
 * submitted once (`submit()`), or when a readback or upload needs the results.
 *
 * Failures are loud: shader compile errors carry the kernel name and line numbers; validation and
 * out-of-memory errors are caught with error scopes around each submit and re-thrown, naming the
 * kernels of that submit, at the next launch, submit or read.
 */
import { createGpu, getGpu, tuningFromEnv, type AdapterChoice, type Gpu, type GpuOptions } from './device.js';
import { BufferPool, fmtBytes } from './buffer-pool.js';
import { preprocessWgsl, type Defines } from './preprocess.js';
import { idleWait } from './idle-wait.js';

/** A kernel: one WGSL source (with variants), one entry point. */
export interface KernelSpec {
  /** Name used in errors, counters and the pipeline cache, e.g. 'conv2d'. */
  name: string;
  source: string;
  entryPoint?: string;
  defines?: Defines;
}

/** Part of a buffer, bound as one storage binding (offset a multiple of minStorageBufferOffsetAlignment). */
export interface BufferRange { buffer: GPUBuffer; offset: number; size: number }

export interface LaunchArgs {
  /** Storage buffers (whole, or a byte range of one), bound in order after the uniform block (if any). */
  buffers: Array<GPUBuffer | BufferRange>;
  /** Uniform block bytes, bound at @binding(0) when present. Typed arrays are copied. */
  uniforms?: ArrayBufferView;
  /** Workgroup counts (x, y, z); see `grid1d` for large 1-D launches. */
  workgroups: [number, number?, number?];
}

interface CachedPipeline { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }

const MAX_CACHED_UNIFORMS = 8192;
/**
 * Seconds of work per command buffer in a step run by `paceStep` on a CPU adapter: how long a stop
 * (Ctrl-C) may wait for the one in flight. Each boundary costs a wait for the device.
 */
const STEP_CHUNK_SECONDS = 0.25;

/** A finished command buffer of a held step (paceStep). */
interface HeldChunk { commands: GPUCommandBuffer; kernels: string; launches: number }
/** Timestamps one GPU timer can hold: WebGPU's largest query set, 2 per compute pass. */
const TIMER_QUERIES = 4096;

export class GpuContext {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  /** Launches per kernel name since creation (tests use it to prove a kernel never ran). */
  readonly dispatchCounts = new Map<string, number>();
  dispatchTotal = 0;
  submitCount = 0;
  /**
   * The largest storage binding, in bytes, that chunking kernels (reductions, softmax, elementwise)
   * split their work into: maxStorageBufferBindingSize, or less when a test lowers it to exercise chunking.
   */
  maxBindingBytes: number;

  private pipelines = new Map<string, CachedPipeline>();
  private uniformCache = new Map<string, GPUBuffer>();
  private bindGroupCache = new WeakMap<GPUBindGroupLayout, Map<string, GPUBindGroup>>();
  private bufferIds = new WeakMap<GPUBuffer, number>();
  private nextBufferId = 1;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingKernels = new Set<string>();
  private deferredError: Error | null = null;
  private pendingChecks: Promise<void>[] = [];
  private retired: GPUBuffer[] = [];
  /** Set between startGpuTimer and stopGpuTimer: every compute pass begun meanwhile writes 2 timestamps here. */
  private timer: { querySet: GPUQuerySet; used: number } | null = null;
  private timerQueries: GPUQuerySet | null = null;
  /** Await the GPU without dawn.node's busy polling (idle-wait.ts): on SwiftShader, whose threads it slows. */
  readonly idleWaits: boolean;

  constructor(readonly gpu: Gpu) {
    this.idleWaits = gpu.adapter.kind === 'swiftshader';
    this.device = gpu.device;
    this.pool = new BufferPool(gpu.device, gpu.limits.maxBufferSize, (failure) => {
      this.pendingChecks.push(failure.then((error) => { if (error) this.deferredError ??= error; }));
    });
    this.maxBindingBytes = gpu.limits.maxStorageBufferBindingSize;
  }

  get limits(): GPUSupportedLimits { return this.gpu.limits; }

  private throwIfFailed(): void {
    if (this.gpu.lost) throw new Error(`GPU device lost (${this.gpu.lost.reason}): ${this.gpu.lost.message || 'no message'}`);
    if (this.deferredError) {
      const e = this.deferredError;
      this.deferredError = null;
      throw e;
    }
  }

  /** The compiled pipeline for a kernel variant (cached per name + entry point + defines). */
  pipeline(spec: KernelSpec): CachedPipeline {
    const entryPoint = spec.entryPoint ?? 'main';
    const key = `${spec.name}:${entryPoint}:${JSON.stringify(spec.defines ?? {})}`;
    let cached = this.pipelines.get(key);
    if (cached) return cached;
    const code = preprocessWgsl(spec.name, spec.source, spec.defines);
    const label = `${spec.name}.${entryPoint}`;
    this.device.pushErrorScope('validation');
    const module = this.device.createShaderModule({ code, label });
    const pipeline = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint }, label });
    const layout = pipeline.getBindGroupLayout(0); // inside the scope: invalid for a broken shader
    const scope = this.device.popErrorScope();
    this.pendingChecks.push(
      Promise.all([module.getCompilationInfo(), scope]).then(([info, error]) => {
        const messages = info.messages.filter((m) => m.type === 'error');
        if (messages.length > 0 || error) {
          const lines = code.split('\n');
          const detail = messages.map((m) => `  line ${m.lineNum}:${m.linePos}: ${m.message}\n    > ${lines[m.lineNum - 1]?.trim() ?? ''}`).join('\n');
          this.deferredError ??= new Error(`WGSL kernel ${label} failed to compile:\n${detail || error?.message}`);
        }
      }),
    );
    cached = { pipeline, layout };
    this.pipelines.set(key, cached);
    return cached;
  }

  /** Done-promise of the previous `pace()` submit (see there). */
  private paced: Promise<void> | null = null;

  /**
   * Submit what is recorded and wait for the GPU, so that a loop calling this once per step never lets
   * the queue run ahead (memory stays flat) and lets Node run timers and signal handlers at every step.
   * On a hardware GPU it waits only for the previous submit, so the next step is recorded while this one
   * runs; on a CPU adapter, where recording and running share the same cores, it waits for this one, so
   * that a Ctrl-C is answered after the current step rather than the next. Throws the first error found.
   */
  async pace(): Promise<void> {
    this.submit();
    if (this.gpu.adapter.isCPU) {
      await idleWait(this.idleWaits, () => this.device.queue.onSubmittedWorkDone());
    } else {
      const previous = this.paced;
      this.paced = this.device.queue.onSubmittedWorkDone();
      this.paced.catch(() => undefined); // a lost device is reported when awaited, or by the next read
      if (previous) await previous;
    }
    // A turn of the event loop even when the GPU was already done (an awaited settled promise is only a
    // microtask): signals are handled in its poll phase, before this check-phase callback.
    await new Promise((resolve) => setImmediate(resolve));
    this.throwIfFailed();
  }

  /** Wait for pending compile checks and submitted work; throw the first error found. */
  async sync(): Promise<void> {
    this.submit();
    await Promise.all(this.pendingChecks.splice(0));
    await idleWait(this.idleWaits, () => this.device.queue.onSubmittedWorkDone());
    this.throwIfFailed();
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

  /** Record one dispatch into the current step's compute pass. */
  launch(spec: KernelSpec, args: LaunchArgs): void {
    this.throwIfFailed();
    const { pipeline, layout } = this.pipeline(spec);
    const bound = args.uniforms ? [this.uniformBuffer(args.uniforms), ...args.buffers] : args.buffers;
    let groups = this.bindGroupCache.get(layout);
    if (!groups) this.bindGroupCache.set(layout, (groups = new Map()));
    const key = bound.map((b) => ('buffer' in b ? `${this.idOf(b.buffer)}@${b.offset}+${b.size}` : this.idOf(b))).join(',');
    let bindGroup = groups.get(key);
    if (!bindGroup) {
      bindGroup = this.device.createBindGroup({
        layout, label: spec.name, entries: bound.map((b, binding) => ({ binding, resource: 'buffer' in b ? { buffer: b.buffer, offset: b.offset, size: b.size } : { buffer: b } })),
      });
      if (groups.size > 4096) groups.clear();
      groups.set(key, bindGroup);
    }
    const [x, y = 1, z = 1] = args.workgroups;
    const maxGroups = this.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxGroups || y > maxGroups || z > maxGroups) {
      throw new Error(`${spec.name}: dispatch (${x}, ${y}, ${z}) exceeds maxComputeWorkgroupsPerDimension (${maxGroups})`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    if (this.held && this.held.open >= this.chunkLaunches) this.holdEncoder(); // paceStep's chunks
    if (!this.encoder) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder({ label: 'swagpu step' });
    }
    this.pass ??= this.beginPass(this.encoder);
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.pendingKernels.add(spec.name);
    if (this.held) this.held.open += 1;
    this.dispatchTotal += 1;
    this.dispatchCounts.set(spec.name, (this.dispatchCounts.get(spec.name) ?? 0) + 1);
  }

  /** A compute pass, with timestamps at its start and end while a GPU timer runs. */
  private beginPass(encoder: GPUCommandEncoder): GPUComputePassEncoder {
    const t = this.timer;
    if (!t) return encoder.beginComputePass();
    if (t.used + 2 > TIMER_QUERIES) throw new Error(`GPU timer: more than ${TIMER_QUERIES / 2} compute passes between startGpuTimer() and stopGpuTimer()`);
    const pass = encoder.beginComputePass({ timestampWrites: { querySet: t.querySet, beginningOfPassWriteIndex: t.used, endOfPassWriteIndex: t.used + 1 } });
    t.used += 2;
    return pass;
  }

  /** Whether this device can time its work on the GPU (the 'timestamp-query' feature): startGpuTimer. */
  get hasGpuTimer(): boolean { return this.gpu.features.includes('timestamp-query'); }

  /**
   * Time the compute passes recorded from now until stopGpuTimer() with timestamp queries: the benches' timer where
   * the device has them, so a time is the GPU's own, without encoding, submission or the wait for the result.
   */
  startGpuTimer(): void {
    if (!this.hasGpuTimer) throw new Error(`startGpuTimer: this device (${this.gpu.adapter.kind}) has no 'timestamp-query' feature`);
    if (this.timer) throw new Error('startGpuTimer: a GPU timer is already running');
    this.submit(); // a pass begun before the timer must not end inside it
    this.timerQueries ??= this.device.createQuerySet({ type: 'timestamp', count: TIMER_QUERIES, label: 'swagpu GPU timer' });
    this.timer = { querySet: this.timerQueries, used: 0 };
  }

  /** The GPU time in ms of the compute passes recorded since startGpuTimer(): the sum of each pass's end - start. */
  async stopGpuTimer(): Promise<number> {
    const timer = this.timer;
    if (!timer) throw new Error('stopGpuTimer: no GPU timer is running');
    const encoder = this.commandEncoder(); // ends the last timed pass
    this.timer = null;
    if (timer.used === 0) {
      await this.sync();
      return 0;
    }
    const bytes = timer.used * 8;
    const resolved = this.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'GPU timer' });
    encoder.resolveQuerySet(timer.querySet, 0, timer.used, resolved, 0);
    const stamps = new BigUint64Array(await this.readBytes(resolved, bytes));
    resolved.destroy();
    let ns = 0n;
    for (let i = 0; i < timer.used; i += 2) if (stamps[i + 1] > stamps[i]) ns += stamps[i + 1] - stamps[i];
    return Number(ns) / 1e6;
  }

  /** The open command encoder (ending the compute pass), for copies between launches. */
  commandEncoder(): GPUCommandEncoder {
    this.throwIfFailed();
    if (!this.encoder) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder({ label: 'swagpu step' });
    }
    this.pass?.end();
    this.pass = null;
    return this.encoder;
  }

  /** Submit everything recorded so far as one command buffer. Cheap when nothing is pending. */
  submit(): void {
    if (this.held) for (const chunk of this.held.chunks.splice(0)) this.submitHeld(chunk);
    if (!this.encoder) return;
    this.pass?.end();
    this.pass = null;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.submitCount += 1;
    this.watchScopes();
    for (const buffer of this.retired.splice(0)) buffer.destroy();
  }

  /** Pop the error scopes around the work just finished or submitted; an error is thrown at the next check. */
  private watchScopes(kernels?: string): void {
    if (kernels === undefined) {
      kernels = [...this.pendingKernels].join(', ');
      this.pendingKernels.clear();
    }
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    this.pendingChecks.push(
      Promise.all([validation, memory]).then(([v, m]) => {
        if (m) this.deferredError ??= new Error(`GPU out of memory running [${kernels}]: ${m.message}. Try a smaller --size.`);
        else if (v) this.deferredError ??= new Error(`WebGPU validation error in [${kernels}]: ${v.message}`);
      }),
    );
    if (this.pendingChecks.length > 64) {
      const checks = this.pendingChecks.splice(0);
      this.pendingChecks.push(Promise.all(checks).then(() => undefined));
    }
  }

  /** Set while `paceStep` records a step: its command buffers, finished and not yet submitted. */
  private held: { chunks: HeldChunk[]; open: number } | null = null;
  /** Launches per command buffer of a held step, from the last step's speed (about STEP_CHUNK_SECONDS each). */
  private chunkLaunches = 16;

  /**
   * One optimisation step, recorded by `record` (synchronous), run so that `stop()` is answered within
   * about STEP_CHUNK_SECONDS whatever a step costs, with memory flat. On a GPU this is `record(); pace()`.
   * On a CPU adapter a step takes seconds, and llvmpipe runs a submit before it returns, so one submit per
   * step would keep Node (and its signal handlers) away for all of it: there the step is recorded into
   * command buffers of about STEP_CHUNK_SECONDS of work each (measured on the previous step), submitted
   * one at a time, each awaited, with a turn of the event loop and a `stop()` check between them. Once
   * `stop()` says so, the rest are dropped, never submitted: the step did not finish (`completed` false),
   * and the buffers its last command buffer writes (an optimiser's update of the image) keep their
   * previous values; what the step computed so far (its loss) is not to be read.
   */
  async paceStep<T>(record: () => T, stop: () => boolean): Promise<{ value: T; completed: boolean }> {
    if (!this.gpu.adapter.isCPU) {
      const value = record();
      await this.pace();
      return { value, completed: true };
    }
    this.submit(); // what was recorded before the step is not part of it
    const held: { chunks: HeldChunk[]; open: number } = (this.held = { chunks: [], open: 0 });
    let value: T;
    try {
      value = record();
      this.holdEncoder();
    } finally {
      this.held = null;
    }
    const started = performance.now();
    let launches = 0;
    for (const [i, chunk] of held.chunks.entries()) {
      this.submitHeld(chunk);
      launches += chunk.launches;
      await idleWait(this.idleWaits, () => this.device.queue.onSubmittedWorkDone());
      await new Promise((resolve) => setImmediate(resolve)); // signals are handled in this turn
      this.throwIfFailed();
      if (i < held.chunks.length - 1 && stop()) return { value, completed: false };
    }
    for (const buffer of this.retired.splice(0)) buffer.destroy();
    const perLaunch = (performance.now() - started) / 1000 / Math.max(1, launches);
    this.chunkLaunches = Math.max(1, Math.min(4096, Math.floor(STEP_CHUNK_SECONDS / perLaunch)));
    return { value, completed: true };
  }

  /** Finish the open command encoder into the held step's next chunk (its recording errors watched). */
  private holdEncoder(): void {
    if (!this.held || !this.encoder) return;
    this.pass?.end();
    this.pass = null;
    this.held.chunks.push({ commands: this.encoder.finish(), kernels: [...this.pendingKernels].join(', '), launches: this.held.open });
    this.encoder = null;
    this.held.open = 0;
    this.watchScopes();
  }

  /** Submit one held chunk in error scopes of its own. */
  private submitHeld(chunk: HeldChunk): void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    this.device.queue.submit([chunk.commands]);
    this.submitCount += 1;
    this.watchScopes(chunk.kernels);
  }

  /** Write data into a buffer, after all recorded work that may still use the buffer. */
  upload(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void {
    this.throwIfFailed();
    this.submit(); // queue.writeBuffer runs before unsubmitted commands: submit them first
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
    this.commandEncoder().copyBufferToBuffer(buffer, byteOffset, staging, 0, size);
    this.submit();
    try {
      await idleWait(this.idleWaits, () => staging.mapAsync(GPUMapMode.READ));
    } catch (e) {
      await Promise.all(this.pendingChecks.splice(0));
      this.throwIfFailed();
      throw new Error(`readback failed: ${(e as Error).message}`);
    }
    const out = staging.getMappedRange().slice(0, byteLength);
    staging.destroy();
    await Promise.all(this.pendingChecks.splice(0));
    this.throwIfFailed();
    return out;
  }

  async readF32(buffer: GPUBuffer, length: number, offset = 0): Promise<Float32Array> {
    return new Float32Array(await this.readBytes(buffer, length * 4, offset * 4));
  }

  /** Workgroup counts for `invocations` threads in 1-D workgroups of `size`, folded into y past the limit. */
  grid1d(invocations: number, size: number): [number, number] {
    const groups = Math.ceil(invocations / size);
    const max = this.limits.maxComputeWorkgroupsPerDimension;
    if (groups <= max) return [groups, 1];
    const y = Math.ceil(groups / max);
    return [Math.ceil(groups / y), y];
  }

  /** Refuse a binding larger than the device allows, naming the kernel, the size and the limit. */
  checkBinding(kernel: string, what: string, bytes: number): void {
    const limit = this.limits.maxStorageBufferBindingSize;
    if (bytes > limit) {
      throw new Error(`${kernel}: ${what} needs ${fmtBytes(bytes)} in one binding, over this device's maxStorageBufferBindingSize (${fmtBytes(limit)})`);
    }
  }
}

const contexts = new Map<string, Promise<GpuContext>>();

/** The shared context for an adapter choice and route family (one device per process, choice and family). */
export function getContext(choice?: AdapterChoice, options: GpuOptions = {}): Promise<GpuContext> {
  const key = `${choice ?? 'default'}/${options.tuning ?? tuningFromEnv() ?? 'own'}`;
  let ctx = contexts.get(key);
  if (!ctx) {
    ctx = getGpu(choice, options).then((gpu) => new GpuContext(gpu));
    contexts.set(key, ctx);
    ctx.catch(() => contexts.delete(key));
  }
  return ctx;
}

/** A context on a fresh device of its own (tests that destroy their device use this). */
export async function createContext(choice?: AdapterChoice, options: GpuOptions = {}): Promise<GpuContext> {
  return new GpuContext(await createGpu(choice, options));
}
