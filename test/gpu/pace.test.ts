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

// GpuContext.paceStep(), how the stylize loop runs each step (issue 20, 5.3: Ctrl-C within a second): on a CPU
// adapter the step goes out in several command buffers, with a turn of the event loop and a stop check between
// them; once the check says stop, the rest is never submitted, so the buffer the step's last launch writes (an
// optimiser's update of the image) keeps its value. On a GPU it is record() and pace().
describe(`GpuContext.paceStep [${fastestAdapter()}]`, () => {
  const n = 1 << 12;
  const LAUNCHES = 60; // more than the first step's 16 launches per command buffer
  /** A step: LAUNCHES chained adds of 1 from `image`, the last one writing `image` itself. */
  function step(ctx: GpuContext, image: GPUBuffer, one: GPUBuffer, onRecorded: () => void): void {
    let t = image;
    for (let i = 0; i < LAUNCHES; i++) {
      const y = i === LAUNCHES - 1 ? image : ctx.pool.acquire(n * 4);
      add(ctx, t, one, y, n);
      if (t !== image) ctx.pool.release(t);
      t = y;
    }
    onRecorded();
  }

  it('CPU adapter: a stop between command buffers drops the rest of the step; without one the step completes', async () => {
    const base = await getContext(fastestAdapter());
    const ctx = new GpuContext({ ...base.gpu, adapter: { ...base.gpu.adapter, isCPU: true } });
    const one = upload(ctx, new Float32Array(n).fill(1));
    const image = upload(ctx, new Float32Array(n).fill(5));
    // Stop as soon as the event loop has turned once after the step was recorded (as a signal handler runs).
    let turned = false;
    let checks = 0;
    const submits = ctx.submitCount;
    const stopped = await ctx.paceStep(() => step(ctx, image, one, () => setImmediate(() => { turned = true; })), () => (checks++, turned));
    expect(stopped.completed).toBe(false);
    expect(checks).toBe(1);
    expect(ctx.submitCount - submits, 'only the first command buffer went out').toBe(1);
    expect([...(await ctx.readF32(image, n)).subarray(0, 2)], 'the image is the one before the step').toEqual([5, 5]);

    let polled = 0;
    const done = await ctx.paceStep(() => step(ctx, image, one, () => undefined), () => (polled++, false));
    expect(done.completed).toBe(true);
    expect(polled, 'a check between every two command buffers').toBeGreaterThanOrEqual(2);
    const out = await ctx.readF32(image, n);
    expect([out[0], out[n - 1]]).toEqual([5 + LAUNCHES, 5 + LAUNCHES]);
  });

  it('GPU: the whole step, then pace()', async () => {
    const base = await getContext(fastestAdapter());
    const ctx = new GpuContext({ ...base.gpu, adapter: { ...base.gpu.adapter, isCPU: false } });
    const one = upload(ctx, new Float32Array(n).fill(1));
    const image = upload(ctx, new Float32Array(n).fill(5));
    const submits = ctx.submitCount;
    const r = await ctx.paceStep(() => step(ctx, image, one, () => undefined), () => true);
    expect(r.completed).toBe(true);
    expect(ctx.submitCount - submits).toBe(1);
    expect((await ctx.readF32(image, n))[0]).toBe(5 + LAUNCHES);
  });
});
