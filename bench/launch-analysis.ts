/**
 * Where a ResNet-50 evaluation's time goes (issue 23 point 5), in one process, modes alternating round by round:
 *   full:  as `swagpu bench` runs it;
 *   tiny:  every launch's workgroup count forced to (1,1,1): the fixed cost of the launches (JS + driver);
 *   nogpu: launches recorded by the engine but never encoded (ctx.launch a no-op): the engine's JS alone.
 * Each mode: wall ms and process CPU ms (user+sys, llvmpipe's threads included) per evaluation, medians.
 *   node --import ./bin/register.mjs bench/launch-analysis.ts [llvmpipe|swiftshader] [--size=128] [--rounds=7] [--modes=full,tiny,nogpu]
 */
import { getContext, type KernelSpec, type LaunchArgs } from '../src/gpu/context.js';
import { benchModel } from '../src/bench/suite.js';
import { styleEvaluation } from '../src/bench/evaluate.js';
import { summarize } from '../src/bench/timing.js';

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const size = Number(opt('size') ?? 128);
const rounds = Number(opt('rounds') ?? 7);
const modes = (opt('modes') ?? 'full,tiny,nogpu').split(',');
const ctx = await getContext(adapter);
const model = await benchModel(ctx, 'resnet50');
const ev = styleEvaluation(ctx, model, size);
const original = ctx.launch.bind(ctx);
const counts = new Map<string, number>();
let counting = false;
const launchFor: Record<string, (s: KernelSpec, a: LaunchArgs) => void> = {
  full: (s, a) => { if (counting) counts.set(s.name, (counts.get(s.name) ?? 0) + 1); original(s, a); },
  tiny: (s, a) => original(s, { ...a, workgroups: [1, 1, 1] }),
  nogpu: () => {},
};
for (let i = 0; i < 2; i++) { ev.run(); await ctx.sync(); }
counting = true; ctx.launch = launchFor.full; ev.run(); await ctx.sync(); counting = false;
console.log(`launches per evaluation (${[...counts.values()].reduce((a, b) => a + b, 0)}):`, [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', '));
const t: Record<string, { wall: number[]; cpu: number[]; rec: number[] }> = {};
for (const m of modes) t[m] = { wall: [], cpu: [], rec: [] };
for (let r = 0; r < rounds; r++) {
  for (const m of r % 2 ? [...modes].reverse() : modes) {
    ctx.launch = launchFor[m];
    ev.run(); await ctx.sync(); // warm this mode
    const c0 = process.cpuUsage(); const t0 = performance.now();
    ev.run();
    const t1 = performance.now();
    await ctx.sync();
    const wall = performance.now() - t0; const c = process.cpuUsage(c0);
    t[m].wall.push(wall); t[m].cpu.push((c.user + c.system) / 1000); t[m].rec.push(t1 - t0);
  }
}
ctx.launch = original;
for (const m of modes) {
  const f = (x: number[]) => { const s = summarize(x); return `${s.ms.toFixed(1)} (${s.minMs.toFixed(1)}-${s.maxMs.toFixed(1)})`; };
  console.log(`${adapter} ${size}px ${m.padEnd(6)} wall ${f(t[m].wall)} ms, cpu ${f(t[m].cpu)} ms, recording (JS, to run()'s return) ${f(t[m].rec)} ms`);
}
ev.dispose();
process.exit(0);
