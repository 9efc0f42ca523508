/**
 * The GPU timer: times the compute passes recorded between `start()` and `stop()` with timestamp queries
 * (the 'timestamp-query' feature), so a time is the GPU's own, without encoding, submission or the wait
 * for the result. The benches' timer where the device has the feature.
 */
import type { Gpu } from './device.js';
import type { Recorder } from './recorder.js';
import type { Transfers } from './transfers.js';

/** Timestamps one GPU timer can hold: WebGPU's largest query set, 2 per compute pass. */
const TIMER_QUERIES = 4096;

export class GpuTimer {
  /** Set between start and stop: every compute pass begun meanwhile writes 2 timestamps here. */
  private running: { querySet: GPUQuerySet; used: number } | null = null;
  private querySet: GPUQuerySet | null = null;

  constructor(private readonly gpu: Gpu, private readonly recorder: Recorder, private readonly transfers: Transfers) {}

  /** Whether this device can time its work on the GPU (the 'timestamp-query' feature). */
  get available(): boolean { return this.gpu.features.includes('timestamp-query'); }

  start(): void {
    if (!this.available) throw new Error(`startGpuTimer: this device (${this.gpu.adapter.kind}) has no 'timestamp-query' feature`);
    if (this.running) throw new Error('startGpuTimer: a GPU timer is already running');
    this.recorder.submit(); // a pass begun before the timer must not end inside it
    this.querySet ??= this.gpu.device.createQuerySet({ type: 'timestamp', count: TIMER_QUERIES, label: 'swagpu GPU timer' });
    const timer = (this.running = { querySet: this.querySet, used: 0 });
    this.recorder.passTimestamps = () => {
      if (timer.used + 2 > TIMER_QUERIES) throw new Error(`GPU timer: more than ${TIMER_QUERIES / 2} compute passes between startGpuTimer() and stopGpuTimer()`);
      const writes = { querySet: timer.querySet, beginningOfPassWriteIndex: timer.used, endOfPassWriteIndex: timer.used + 1 };
      timer.used += 2;
      return writes;
    };
  }

  /** The GPU time in ms of the compute passes recorded since start(): the sum of each pass's end - start. */
  async stop(): Promise<number> {
    const timer = this.running;
    if (!timer) throw new Error('stopGpuTimer: no GPU timer is running');
    const encoder = this.recorder.commandEncoder(); // ends the last timed pass
    this.running = null;
    this.recorder.passTimestamps = null;
    if (timer.used === 0) {
      await this.recorder.sync();
      return 0;
    }
    const bytes = timer.used * 8;
    const resolved = this.gpu.device.createBuffer({ size: bytes, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC, label: 'GPU timer' });
    encoder.resolveQuerySet(timer.querySet, 0, timer.used, resolved, 0);
    const stamps = new BigUint64Array(await this.transfers.readBytes(resolved, bytes));
    resolved.destroy();
    let ns = 0n;
    for (let i = 0; i < timer.used; i += 2) if (stamps[i + 1] > stamps[i]) ns += stamps[i + 1] - stamps[i];
    return Number(ns) / 1e6;
  }
}
