/**
 * A ResNet-50 style evaluation (the bench's: random weights, the default pictures) run once to warm up, then once
 * more with every launch recorded, for the scripts that replay or time launches alone (kernel-cpu.ts,
 * eval-bound.ts). `launch` is the context's own launch, unrecorded.
 */
import { getContext, type KernelSpec, type LaunchArgs } from '../src/gpu/context.js';
import { benchModel } from '../src/bench/suite.js';
import { styleEvaluation } from '../src/bench/evaluate.js';

export type RecordedLaunch = [KernelSpec, LaunchArgs];

export async function recordedEvaluation(adapter: 'llvmpipe' | 'swiftshader', size: number) {
  const ctx = await getContext(adapter);
  const ev = styleEvaluation(ctx, await benchModel(ctx, 'resnet50'), size);
  ev.run();
  await ctx.sync();
  const launch = ctx.launch.bind(ctx);
  const recorded: RecordedLaunch[] = [];
  ctx.launch = (s, a) => { recorded.push([s, a]); launch(s, a); };
  ev.run();
  ctx.launch = launch;
  await ctx.sync();
  return { ctx, ev, launch, recorded };
}
