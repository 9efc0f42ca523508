/**
 * Timing for the benches: one warm-up run (compiles pipelines, fills the buffer pool), then `runs` timed runs. We
 * report the median and the min/max; the median is what the GFLOP/s figures use, being robust to a neighbour
 * process taking a core for a moment. A run is timed one of two ways (`Timer`):
 * - 'gpu' where the device has timestamp queries (SwiftShader, most GPUs): the GPU time of its compute passes
 *   (GpuContext.startGpuTimer / stopGpuTimer), without encoding, submission or the wait for the result;
 * - 'wall' elsewhere (llvmpipe), or when asked (`swagpu bench --wall-clock`): from recording to `await ctx.sync()`
 *   (queue.onSubmittedWorkDone), so a time covers encoding, submission and GPU execution.
 */
import type { GpuContext } from '../gpu/context.js';

export interface Timing { ms: number; minMs: number; maxMs: number; runs: number }

export function summarize(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const ms = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { ms, minMs: sorted[0], maxMs: sorted[sorted.length - 1], runs: sorted.length };
}

/** How a run is timed: timestamp queries around its compute passes ('gpu'), or the wall clock to its completion. */
export type Timer = 'gpu' | 'wall';

/** 'gpu' where the device has timestamp queries, unless `wallClock`. */
export const timerFor = (ctx: GpuContext, wallClock = false): Timer => (!wallClock && ctx.hasGpuTimer ? 'gpu' : 'wall');

/** One run of `run` (which records GPU work and may await), finished, in ms. */
async function timeOnce(ctx: GpuContext, run: () => void | Promise<void>, timer: Timer): Promise<number> {
  if (timer === 'gpu') {
    ctx.startGpuTimer();
    try {
      await run();
    } catch (error) {
      await ctx.stopGpuTimer().catch(() => 0); // leave no timer running behind the error
      throw error;
    }
    return ctx.stopGpuTimer();
  }
  const t0 = performance.now();
  await run();
  await ctx.sync();
  return performance.now() - t0;
}

/** Time `run` on `ctx`: warm-up excluded, `runs` >= 1 timed runs. */
export async function timeGpu(ctx: GpuContext, run: () => void | Promise<void>, runs: number, warmups = 1, timer: Timer = 'wall'): Promise<Timing> {
  for (let i = 0; i < warmups; i++) {
    await run();
    await ctx.sync();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timeOnce(ctx, run, timer));
  return summarize(times);
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export const gflops = (flops: number, ms: number): number => flops / ms / 1e6;

/**
 * Ours and the peer timed alternately, run by run, so both medians come from the same minutes: this host's speed
 * drifts up to ~1.7x between minutes, and timing one side after the other let that drift into the ratio. One
 * warm-up each (unless `warmups` is 0), then `runs` of ours and `runs` of the peer's, interleaved: both medians
 * come from the same number of runs (issue 9: at least 5).
 */
export async function timeAlternating(ctx: GpuContext, run: () => void | Promise<void>, peerOnce: () => Promise<number>, runs: number, warmups = 1, timer: Timer = 'wall'): Promise<{ ours: Timing; peer: Timing }> {
  const ours = () => timeOnce(ctx, run, timer);
  for (let i = 0; i < warmups; i++) {
    await ours();
    await peerOnce();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await ours());
    b.push(await peerOnce());
  }
  return { ours: summarize(a), peer: summarize(b) };
}
