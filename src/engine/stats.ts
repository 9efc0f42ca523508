/**
 * Per-step counters: how many kernel launches and queue submits a step made, which kernels ran, and
 * what the buffer pool did. Take a snapshot before the step and ask for the delta after:
 *
 *   const before = counters(ctx); step(); const d = since(ctx, before); // d.dispatches, d.submits, ...
 */
import type { GpuContext } from '../gpu/context.js';

export interface Counters {
  dispatches: number;
  submits: number;
  /** GPU buffers the pool created (0 in a steady state). */
  buffersCreated: number;
  bytesInUse: number;
  /** Launches per kernel name. */
  kernels: Record<string, number>;
}

export function counters(ctx: GpuContext): Counters {
  return {
    dispatches: ctx.dispatchTotal,
    submits: ctx.submitCount,
    buffersCreated: ctx.pool.stats.created,
    bytesInUse: ctx.pool.stats.bytesInUse,
    kernels: Object.fromEntries(ctx.dispatchCounts),
  };
}

/** What happened since `before`: counts are deltas, bytesInUse is the change; kernels lists those that ran. */
export function since(ctx: GpuContext, before: Counters): Counters {
  const now = counters(ctx);
  const kernels: Record<string, number> = {};
  for (const [name, n] of Object.entries(now.kernels)) {
    const d = n - (before.kernels[name] ?? 0);
    if (d > 0) kernels[name] = d;
  }
  return {
    dispatches: now.dispatches - before.dispatches,
    submits: now.submits - before.submits,
    buffersCreated: now.buffersCreated - before.buffersCreated,
    bytesInUse: now.bytesInUse - before.bytesInUse,
    kernels,
  };
}
