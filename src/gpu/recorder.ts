/**
 * The command recorder: every launch of a step goes into one compute pass of one command encoder, submitted
 * once (`submit()`), or when a copy, upload or readback needs the results. Each encoder is wrapped in
 * validation and out-of-memory error scopes; their errors, naming the kernels of that submit, are thrown
 * at the next launch, submit or read (`DeferredErrors`).
 */
import type { BindingCache, BufferRange } from './bindings.js';
import type { Gpu } from './device.js';
import type { DeferredErrors } from './errors.js';
import { idleWait, nextTurn } from './idle-wait.js';
import type { KernelSpec, PipelineCache } from './pipelines.js';

export interface LaunchArgs {
  /** Storage buffers (whole, or a byte range of one), bound in order after the uniform block (if any). */
  buffers: Array<GPUBuffer | BufferRange>;
  /** Uniform block bytes, bound at @binding(0) when present. Typed arrays are copied. */
  uniforms?: ArrayBufferView;
  /** Workgroup counts (x, y, z); see `grid1d` for large 1-D launches. */
  workgroups: [number, number?, number?];
}

/**
 * Seconds of work per command buffer in a step run by `paceStep` on a CPU adapter: how long a stop
 * (Ctrl-C) may wait for the one in flight. Each boundary costs a wait for the device.
 */
const STEP_CHUNK_SECONDS = 0.25;

/** A finished command buffer of a held step (paceStep). */
interface HeldChunk { commands: GPUCommandBuffer; kernels: string; launches: number }

export class Recorder {
  /** Launches per kernel name since creation (tests use it to prove a kernel never ran). */
  readonly dispatchCounts = new Map<string, number>();
  dispatchTotal = 0;
  submitCount = 0;
  /** Set while a GPU timer runs (timers.ts): the timestamps each compute pass begun meanwhile writes. */
  passTimestamps: (() => GPUComputePassTimestampWrites) | null = null;

  private readonly device: GPUDevice;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private pendingKernels = new Set<string>();
  /** Done-promise of the previous `pace()` submit (see there). */
  private paced: Promise<void> | null = null;
  /** Set while `paceStep` records a step: its command buffers, finished and not yet submitted. */
  private held: { chunks: HeldChunk[]; open: number } | null = null;
  /** Launches per command buffer of a held step, from the last step's speed (about STEP_CHUNK_SECONDS each). */
  private chunkLaunches = 16;

  constructor(
    private readonly gpu: Gpu,
    private readonly errors: DeferredErrors,
    private readonly pipelines: PipelineCache,
    private readonly bindings: BindingCache,
    /** Await the GPU without dawn.node's busy polling (idle-wait.ts). */
    private readonly idleWaits: boolean,
  ) {
    this.device = gpu.device;
  }

  /** Record one dispatch into the current step's compute pass. */
  launch(spec: KernelSpec, args: LaunchArgs): void {
    this.errors.throwIfFailed();
    const { pipeline, layout } = this.pipelines.get(spec);
    const bindGroup = this.bindings.bindGroup(spec.name, layout, args.buffers, args.uniforms);
    const [x, y = 1, z = 1] = args.workgroups;
    const maxGroups = this.gpu.limits.maxComputeWorkgroupsPerDimension;
    if (x > maxGroups || y > maxGroups || z > maxGroups) {
      throw new Error(`${spec.name}: dispatch (${x}, ${y}, ${z}) exceeds maxComputeWorkgroupsPerDimension (${maxGroups})`);
    }
    if (x === 0 || y === 0 || z === 0) return;
    if (this.held && this.held.open >= this.chunkLaunches) this.holdEncoder(); // paceStep's chunks
    const encoder = this.open();
    this.pass ??= this.beginPass(encoder);
    this.pass.setPipeline(pipeline);
    this.pass.setBindGroup(0, bindGroup);
    this.pass.dispatchWorkgroups(x, y, z);
    this.pendingKernels.add(spec.name);
    if (this.held) this.held.open += 1;
    this.dispatchTotal += 1;
    this.dispatchCounts.set(spec.name, (this.dispatchCounts.get(spec.name) ?? 0) + 1);
  }

  /** The open command encoder (ending the compute pass), for copies between launches. */
  commandEncoder(): GPUCommandEncoder {
    this.errors.throwIfFailed();
    const encoder = this.open();
    this.pass?.end();
    this.pass = null;
    return encoder;
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
    this.bindings.destroyRetired();
  }

  /** Pop the error scopes around the work just finished or submitted; an error is thrown at the next check. */
  private watchScopes(kernels?: string): void {
    if (kernels === undefined) {
      kernels = [...this.pendingKernels].join(', ');
      this.pendingKernels.clear();
    }
    const validation = this.device.popErrorScope();
    const memory = this.device.popErrorScope();
    this.errors.watch(
      Promise.all([validation, memory]).then(([v, m]) => {
        if (m) return new Error(`GPU out of memory running [${kernels}]: ${m.message}. Try a smaller --size.`);
        if (v) return new Error(`WebGPU validation error in [${kernels}]: ${v.message}`);
        return null;
      }),
    );
    this.errors.compact();
  }

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
      await nextTurn(); // signals (Node) and messages (a worker) are handled in this turn
      this.errors.throwIfFailed();
      if (i < held.chunks.length - 1 && stop()) return { value, completed: false };
    }
    this.bindings.destroyRetired();
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
    await nextTurn(); // even when the GPU was already done: signals and messages are handled in it
    this.errors.throwIfFailed();
  }

  /** Wait for pending compile checks and submitted work; throw the first error found. */
  async sync(): Promise<void> {
    this.submit();
    await this.errors.settle();
    await idleWait(this.idleWaits, () => this.device.queue.onSubmittedWorkDone());
    this.errors.throwIfFailed();
  }

  /** The step's command encoder, begun (inside its two error scopes) if none is open. */
  private open(): GPUCommandEncoder {
    if (!this.encoder) {
      this.device.pushErrorScope('out-of-memory');
      this.device.pushErrorScope('validation');
      this.encoder = this.device.createCommandEncoder({ label: 'swagpu step' });
    }
    return this.encoder;
  }

  /** A compute pass, with timestamps at its start and end while a GPU timer runs. */
  private beginPass(encoder: GPUCommandEncoder): GPUComputePassEncoder {
    const timestampWrites = this.passTimestamps?.();
    return timestampWrites ? encoder.beginComputePass({ timestampWrites }) : encoder.beginComputePass();
  }
}
