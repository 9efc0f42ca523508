/**
 * A per-kernel time breakdown without timestamp queries: one run is recorded (every launch's kernel
 * and arguments, executed as usual), then each launch is replayed on its own, timed to
 * `await ctx.sync()`. Replays use the same buffers in the same order (pooled buffers outlive the run),
 * so each kernel does the same work as in the run. Each replay pays one submit + sync (tens to
 * hundreds of µs on CPU adapters), so the sum exceeds the run's time; the ranking is what this is for.
 */
import type { GpuContext, KernelSpec, LaunchArgs } from '../gpu/context.js';

export interface KernelShare { name: string; ms: number; launches: number }

export async function profileKernels(ctx: GpuContext, run: () => void): Promise<KernelShare[]> {
  await ctx.sync();
  const original = ctx.launch.bind(ctx);
  const recorded: Array<[KernelSpec, LaunchArgs]> = [];
  ctx.launch = (spec: KernelSpec, args: LaunchArgs) => {
    recorded.push([spec, args]);
    original(spec, args);
  };
  try {
    run();
  } finally {
    ctx.launch = original;
  }
  await ctx.sync();
  const shares = new Map<string, KernelShare>();
  for (const [spec, args] of recorded) {
    const t0 = performance.now();
    ctx.launch(spec, args);
    await ctx.sync();
    const s = shares.get(spec.name) ?? { name: spec.name, ms: 0, launches: 0 };
    s.ms += performance.now() - t0;
    s.launches += 1;
    shares.set(spec.name, s);
  }
  return [...shares.values()].sort((a, b) => b.ms - a.ms);
}
