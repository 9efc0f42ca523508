// GpuContext.pace(), the stylize loop's per-step wait between reports (issue 20, 5.3): after it, the
// step's work has been submitted and the event loop has turned (so a signal handler would have run), and
// the results are those of every step in order. Both ways it waits are exercised: for the current
// submit (CPU adapters) and for the previous one (hardware GPUs; here by presenting the same device as
// a GPU).
import { describe, expect, it } from 'vitest';
import { GpuContext, getContext } from '../../src/gpu/context.js';
import { add } from '../../src/kernels/pointwise/add.js';
import { fastestAdapter, upload } from '../harness.js';

describe(`GpuContext.pace [${fastestAdapter()}]`, () => {
  for (const isCPU of [true, false]) {
    it(`yields to timers at every step and keeps the steps' results (waits for ${isCPU ? 'this' : 'the previous'} submit)`, async () => {
      const base = await getContext(fastestAdapter());
      const ctx = new GpuContext({ ...base.gpu, adapter: { ...base.gpu.adapter, isCPU } });
      const n = 1 << 12;
      const one = upload(ctx, new Float32Array(n).fill(1));
      let x = upload(ctx, new Float32Array(n));
      const submitsBefore = ctx.submitCount;
      for (let step = 0; step < 20; step++) {
        // A check-phase callback queued before the step: it runs only if pace() lets the event loop turn
        // (whose poll phase, before it, is where Node handles a signal).
        let timerRan = false;
        setImmediate(() => { timerRan = true; });
        const y = ctx.pool.acquire(n * 4);
        add(ctx, x, one, y, n);
        ctx.pool.release(x);
        x = y;
        await ctx.pace();
        expect(timerRan, `step ${step}`).toBe(true);
      }
      expect(ctx.submitCount - submitsBefore).toBeGreaterThanOrEqual(20);
      const out = await ctx.readF32(x, n);
      expect([out[0], out[n - 1]]).toEqual([20, 20]);
    });
  }
});
