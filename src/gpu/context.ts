/**
 * GpuContext: everything kernels need to run, behind one object — the device, the buffer pool, and the
 * parts it delegates to, one file each:
 * - pipelines.ts: the pipeline cache (compile errors with the kernel name and line numbers);
 * - bindings.ts: cached uniform buffers and bind groups;
 * - recorder.ts: the command recorder, which puts every launch of a step into one compute pass of one
 *   command encoder, submitted once (`submit()`), or when a copy, upload or readback needs the results;
 * - transfers.ts: uploads and readbacks; timers.ts: the GPU timer;
 * - errors.ts: failures are loud: shader compile errors, and validation and out-of-memory errors caught
 *   with error scopes around each submit, are re-thrown, naming the kernels of that submit, at the next
 *   launch, submit or read.
 */
import { BindingCache } from './bindings.js';
import { BufferPool, fmtBytes } from './buffer-pool.js';
import { createGpu, getGpu, tuningFromEnv, type AdapterChoice, type Gpu, type GpuOptions } from './device.js';
import { DeferredErrors } from './errors.js';
import { PipelineCache, type CachedPipeline, type KernelSpec } from './pipelines.js';
import { Recorder, type LaunchArgs } from './recorder.js';
import { GpuTimer } from './timers.js';
import { Transfers } from './transfers.js';

export type { BufferRange } from './bindings.js';
export type { KernelSpec } from './pipelines.js';
export type { LaunchArgs } from './recorder.js';

export class GpuContext {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  /** Launches per kernel name since creation (tests use it to prove a kernel never ran). */
  readonly dispatchCounts: Map<string, number>;
  /**
   * The largest storage binding, in bytes, that chunking kernels (reductions, softmax, elementwise)
   * split their work into: maxStorageBufferBindingSize, or less when a test lowers it to exercise chunking.
   */
  maxBindingBytes: number;
  /** Await the GPU without dawn.node's busy polling (idle-wait.ts): on SwiftShader, whose threads it slows. */
  readonly idleWaits: boolean;

  private readonly errors: DeferredErrors;
  private readonly pipelines: PipelineCache;
  private readonly recorder: Recorder;
  private readonly transfers: Transfers;
  private readonly timer: GpuTimer;

  constructor(readonly gpu: Gpu) {
    this.idleWaits = gpu.adapter.kind === 'swiftshader';
    this.device = gpu.device;
    this.errors = new DeferredErrors(gpu);
    this.pool = new BufferPool(gpu.device, gpu.limits.maxBufferSize, (failure) => this.errors.watch(failure));
    this.maxBindingBytes = gpu.limits.maxStorageBufferBindingSize;
    this.pipelines = new PipelineCache(gpu.device, this.errors);
    this.recorder = new Recorder(gpu, this.errors, this.pipelines, new BindingCache(gpu.device), this.idleWaits);
    this.dispatchCounts = this.recorder.dispatchCounts;
    this.transfers = new Transfers(gpu.device, this.pool, this.recorder, this.errors, this.idleWaits);
    this.timer = new GpuTimer(gpu, this.recorder, this.transfers);
  }

  get limits(): GPUSupportedLimits { return this.gpu.limits; }
  /** Launches since creation. */
  get dispatchTotal(): number { return this.recorder.dispatchTotal; }
  /** Command buffers submitted since creation. */
  get submitCount(): number { return this.recorder.submitCount; }

  /** The compiled pipeline for a kernel variant (cached per name + entry point + defines). */
  pipeline(spec: KernelSpec): CachedPipeline { return this.pipelines.get(spec); }

  /** Record one dispatch into the current step's compute pass. */
  launch(spec: KernelSpec, args: LaunchArgs): void { this.recorder.launch(spec, args); }

  /** The open command encoder (ending the compute pass), for copies between launches. */
  commandEncoder(): GPUCommandEncoder { return this.recorder.commandEncoder(); }

  /** Submit everything recorded so far as one command buffer. Cheap when nothing is pending. */
  submit(): void { this.recorder.submit(); }

  /** Submit and wait for the GPU once per step, so the queue never runs ahead (recorder.ts says how). */
  pace(): Promise<void> { return this.recorder.pace(); }

  /** One optimisation step, answering `stop()` within about a quarter second on a CPU adapter (recorder.ts). */
  paceStep<T>(record: () => T, stop: () => boolean): Promise<{ value: T; completed: boolean }> { return this.recorder.paceStep(record, stop); }

  /** Wait for pending compile checks and submitted work; throw the first error found. */
  sync(): Promise<void> { return this.recorder.sync(); }

  /** Write data into a buffer, after all recorded work that may still use the buffer. */
  upload(buffer: GPUBuffer, data: ArrayBufferView, byteOffset = 0): void { this.transfers.upload(buffer, data, byteOffset); }

  /** A pooled buffer holding `data`. */
  bufferFrom(data: Float32Array | Uint32Array | Int32Array, label?: string): GPUBuffer { return this.transfers.bufferFrom(data, label); }

  /** Copy `byteLength` bytes of a buffer back to the CPU (submits pending work). */
  readBytes(buffer: GPUBuffer, byteLength: number, byteOffset = 0): Promise<ArrayBuffer> {
    return this.transfers.readBytes(buffer, byteLength, byteOffset);
  }

  readF32(buffer: GPUBuffer, length: number, offset = 0): Promise<Float32Array> { return this.transfers.readF32(buffer, length, offset); }

  /** Whether this device can time its work on the GPU (the 'timestamp-query' feature): startGpuTimer. */
  get hasGpuTimer(): boolean { return this.timer.available; }

  /**
   * Time the compute passes recorded from now until stopGpuTimer() with timestamp queries: the benches' timer where
   * the device has them, so a time is the GPU's own, without encoding, submission or the wait for the result.
   */
  startGpuTimer(): void { this.timer.start(); }

  /** The GPU time in ms of the compute passes recorded since startGpuTimer(): the sum of each pass's end - start. */
  stopGpuTimer(): Promise<number> { return this.timer.stop(); }

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
