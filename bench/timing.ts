/**
 * Timing for the benches: one warm-up run (compiles pipelines, fills the buffer pool), then `runs`
 * timed runs, each from recording to `await ctx.sync()` (queue.onSubmittedWorkDone), so a time covers
 * encoding, submission and GPU execution. We report the median and the min/max; the median is what
 * the GFLOP/s figures use, being robust to a neighbour process taking a core for a moment.
 */
import type { GpuContext } from '../src/gpu/context.js';

export interface Timing { ms: number; minMs: number; maxMs: number; runs: number }

export function summarize(times: number[]): Timing {
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const ms = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { ms, minMs: sorted[0], maxMs: sorted[sorted.length - 1], runs: sorted.length };
}

/** Time `run` (which records GPU work and may await) on `ctx`: warm-up excluded, `runs` >= 1 timed runs. */
export async function timeGpu(ctx: GpuContext, run: () => void | Promise<void>, runs: number, warmups = 1): Promise<Timing> {
  for (let i = 0; i < warmups; i++) {
    await run();
    await ctx.sync();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await run();
    await ctx.sync();
    times.push(performance.now() - t0);
  }
  return summarize(times);
}

/** GFLOP/s of `flops` floating-point operations done in `ms` milliseconds. */
export const gflops = (flops: number, ms: number): number => flops / ms / 1e6;

/**
 * Ours and the peer timed alternately, run by run, so both medians come from the same minutes: this host's speed
 * drifts up to ~1.7x between minutes, and timing one side after the other let that drift into the ratio. One
 * warm-up each (unless `warmups` is 0), then `runs` of ours and `peerRuns` (<= runs) of the peer's, interleaved.
 */
export async function timeAlternating(ctx: GpuContext, run: () => void | Promise<void>, peerOnce: () => Promise<number>, runs: number, peerRuns: number, warmups = 1): Promise<{ ours: Timing; peer: Timing }> {
  const ours = async () => {
    const t0 = performance.now();
    await run();
    await ctx.sync();
    return performance.now() - t0;
  };
  for (let i = 0; i < warmups; i++) {
    await ours();
    await peerOnce();
  }
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < runs; i++) {
    a.push(await ours());
    if (i < peerRuns) b.push(await peerOnce());
  }
  return { ours: summarize(a), peer: summarize(b) };
}
