/**
 * The adapter's achievable float32 throughput: src/bench/peak.wgsl (16 independent vec4 FMA chains per
 * invocation, 4 FMAs each per loop iteration) over enough invocations to fill every core/lane, with the iteration count doubled until
 * one launch takes >= `targetMs`, so launch overhead is negligible. The best run of the best of two workgroup sizes.
 * FLOPs = invocations · iterations · 16 chains · 4 steps · 4 lanes · 2 (an FMA is two FLOPs).
 */
import source from './peak.wgsl';
import type { GpuContext } from '../gpu/context.js';
import { uniformBlock } from '../kernels/launch.js';
import { gflops, timeGpu, type Timer } from './timing.js';

export interface PeakResult { gflops: number; ms: number; workgroupSize: number; invocations: number; iterations: number }

const CHAINS = 16;
const STEPS = 4; // {{STEP}}s per loop iteration in peak.wgsl
const chains = Array.from({ length: CHAINS }, (_, i) => i);
/** peak.wgsl's placeholders: the accumulators (distinct starting values), one FMA per chain, their sum. */
const CHAIN_LINES = {
  DECLARE: chains.map((i) => `var acc${i} = vec4<f32>(s, s + 0.1, s + 0.2, s + 0.3) + ${(i / 100).toFixed(2)};`).join('\n  '),
  STEP: chains.map((i) => `acc${i} = fma(acc${i}, a, b);`).join('\n    '),
  SUM: chains.map((i) => `acc${i}`).join(' + '),
};
const GROUPS = 1024;

export async function measurePeak(ctx: GpuContext, { runs = 5, targetMs = 40, timer = 'wall' as Timer } = {}): Promise<PeakResult> {
  let best: PeakResult | null = null;
  for (const wg of [64, 256]) {
    const invocations = GROUPS * wg;
    const out = ctx.pool.acquire(invocations * 16, 'peak out');
    const launch = (iters: number) => () => ctx.launch(
      { name: 'peakFma', source, defines: { WG: wg, ...CHAIN_LINES } },
      {
        buffers: [out], workgroups: [GROUPS],
        uniforms: uniformBlock([
          { f32: 0.999 }, { f32: 0.999 }, { f32: 0.999 }, { f32: 0.999 },
          { f32: 1e-3 }, { f32: 1e-3 }, { f32: 1e-3 }, { f32: 1e-3 },
          { u32: iters }, { u32: 0 }, { u32: 0 }, { u32: 0 },
        ]),
      },
    );
    let iters = 16;
    let t = await timeGpu(ctx, launch(iters), 1, 1, timer);
    while (t.ms < targetMs && iters < 1 << 20) {
      iters *= Math.min(16, Math.max(2, 2 ** Math.ceil(Math.log2(targetMs / Math.max(t.ms, 0.05)))));
      t = await timeGpu(ctx, launch(iters), 1, 0, timer);
    }
    t = await timeGpu(ctx, launch(iters), runs, 0, timer);
    // Achievable peak: the best run (a neighbour process can only slow a run down).
    ctx.pool.release(out);
    const r = { gflops: gflops(invocations * iters * CHAINS * STEPS * 4 * 2, t.minMs), ms: t.minMs, workgroupSize: wg, invocations, iterations: iters };
    if (!best || r.gflops > best.gflops) best = r;
  }
  return best!;
}
