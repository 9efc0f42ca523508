/**
 * The fixed cost of one launch (issue 23): `launch` cases of `swagpu bench --only launch`, each a run of N launches of
 * src/bench/launch-cost.wgsl, one workgroup each, so the time is the launches' overhead and not their work:
 * - `1 dispatch`: one launch, the floor a run pays (submit, the wait for completion);
 * - `64 dispatches`: 64 launches in one compute pass, each with its own uniform block and so its own bind group
 *   (cached after the warm-up run, as an evaluation's are), consecutive ones dependent: (T64 - T1) / 63 is the cost
 *   of one launch, the JS side (pipeline, uniform and bind group look-ups, the encoder calls) and the driver's;
 * - `64 dispatches, one bind group`: the same with the same uniforms, so one bind group: what setBindGroup costs;
 * - `64 launches, JS only`: the same 64 launches with a zero workgroup count, which the recorder drops after its
 *   look-ups: (T - T1) / 64 is the JS side alone (the engine's bookkeeping before a launch is not in it).
 * With GPU timestamps (SwiftShader, by default) a time is the compute pass's alone; `--wall-clock` times the whole.
 */
import source from './launch-cost.wgsl';
import type { GpuContext } from '../gpu/context.js';
import { uniformBlock } from '../kernels/launch.js';
import type { KernelCase } from './kernels.js';

const SPEC = { name: 'launchCost', source };
const LAUNCHES = 64;

function launches(ctx: GpuContext, out: GPUBuffer, n: number, { distinct = true, workgroups = 1 } = {}): void {
  for (let i = 0; i < n; i++) {
    // Distinct uniforms (a value per launch) give distinct bind groups, as the engine's launches have.
    ctx.launch(SPEC, { buffers: [out], uniforms: uniformBlock([{ f32: distinct ? 1 + i : 1 }, { u32: 0 }]), workgroups: [workgroups] });
  }
}

function launchCase(shape: string, run: (ctx: GpuContext, out: GPUBuffer) => void): KernelCase {
  return {
    name: 'launch', shape, flops: null, bytes: null, quick: true,
    setup: (ctx) => {
      const out = ctx.bufferFrom(new Float32Array(4), 'launch cost out');
      return { run: () => run(ctx, out), dispose: () => ctx.pool.release(out) };
    },
  };
}

/** The launch-cost cases, in print order. */
export function launchCases(): KernelCase[] {
  return [
    launchCase('1 dispatch', (ctx, out) => launches(ctx, out, 1)),
    launchCase(`${LAUNCHES} dispatches`, (ctx, out) => launches(ctx, out, LAUNCHES)),
    launchCase(`${LAUNCHES} dispatches, one bind group`, (ctx, out) => launches(ctx, out, LAUNCHES, { distinct: false })),
    // The one real launch keeps the run's submit and wait comparable with `1 dispatch`.
    launchCase(`${LAUNCHES} launches, JS only`, (ctx, out) => { launches(ctx, out, LAUNCHES, { workgroups: 0 }); launches(ctx, out, 1); }),
  ];
}
