/**
 * Where a ResNet-50 evaluation's time goes (issue 23 point 5), in one process, modes alternating round by round:
 *   full:  as `swagpu bench` runs it;
 *   tiny:  every launch's workgroup count forced to (1,1,1) (results garbage): an upper bound on the launches' fixed
 *          cost, as one workgroup of some kernels (a gemm tile over its whole K) is still real work;
 *   stub:  each launch replaced by src/bench/launch-cost.wgsl's one-workgroup kernel: the launches' fixed cost;
 *   nogpu: launches recorded by the engine but never encoded (ctx.launch a no-op): the engine's JS alone.
 * Each mode: wall ms, process CPU ms (user+sys, llvmpipe's threads included), and the CPU ms of the main (JS) thread
 * and of the other threads (/proc/self/task/N/schedstat) per evaluation, medians (min-max).
 *   node --import ./bin/register.mjs bench/launch-analysis.ts [llvmpipe|swiftshader] [--size=128] [--rounds=7] [--modes=full,tiny,stub,nogpu]
 */
import { getContext, type KernelSpec, type LaunchArgs } from '../src/gpu/context.js';
import { benchModel } from '../src/bench/suite.js';
import { styleEvaluation } from '../src/bench/evaluate.js';
import { summarize } from '../src/bench/timing.js';
import { readdirSync, readFileSync } from 'node:fs';
import launchCostSource from '../src/bench/launch-cost.wgsl';
import { uniformBlock } from '../src/kernels/launch.js';

/** CPU ns of the main (JS) thread and of all the others (Dawn's, llvmpipe's), from /proc's schedstat. */
function threadCpu(): { main: number; others: number } {
  let main = 0; let others = 0;
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const ns = Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      if (Number(tid) === process.pid) main += ns; else others += ns;
    } catch { /* thread gone */ }
  }
  return { main, others };
}

const args = process.argv.slice(2);
const opt = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const adapter = (args.find((a) => !a.startsWith('--')) ?? 'llvmpipe') as 'llvmpipe' | 'swiftshader';
const size = Number(opt('size') ?? 128);
const rounds = Number(opt('rounds') ?? 7);
const modes = (opt('modes') ?? 'full,tiny,stub,nogpu').split(',');
const ctx = await getContext(adapter);
const model = await benchModel(ctx, 'resnet50');
const ev = styleEvaluation(ctx, model, size);
const original = ctx.launch.bind(ctx);
const stubOut = ctx.bufferFrom(new Float32Array(4));
let stubIndex = 0;
const counts = new Map<string, number>();
let counting = false;
const launchFor: Record<string, (s: KernelSpec, a: LaunchArgs) => void> = {
  full: (s, a) => { if (counting) counts.set(s.name, (counts.get(s.name) ?? 0) + 1); original(s, a); },
  tiny: (s, a) => original(s, { ...a, workgroups: [1, 1, 1] }),
  nogpu: () => {},
  // The same number of launches, each of the launch-cost bench's tiny kernel: the launches' fixed cost alone.
  stub: (s, a) => { stubIndex++; original({ name: 'launchCost', source: launchCostSource }, { buffers: [stubOut], uniforms: uniformBlock([{ f32: stubIndex % 1024 }, { u32: 0 }]), workgroups: [1] }); },
};
for (let i = 0; i < 2; i++) { ev.run(); await ctx.sync(); }
counting = true; ctx.launch = launchFor.full; ev.run(); await ctx.sync(); counting = false;
console.log(`launches per evaluation (${[...counts.values()].reduce((a, b) => a + b, 0)}):`, [...counts].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', '));
const t: Record<string, { wall: number[]; cpu: number[]; rec: number[]; main: number[]; others: number[] }> = {};
for (const m of modes) t[m] = { wall: [], cpu: [], rec: [], main: [], others: [] };
for (let r = 0; r < rounds; r++) {
  for (const m of r % 2 ? [...modes].reverse() : modes) {
    ctx.launch = launchFor[m];
    ev.run(); await ctx.sync(); // warm this mode
    stubIndex = 0;
    const c0 = process.cpuUsage(); const th0 = threadCpu(); const t0 = performance.now();
    ev.run();
    const t1 = performance.now();
    await ctx.sync();
    const wall = performance.now() - t0; const c = process.cpuUsage(c0); const th = threadCpu();
    t[m].main.push((th.main - th0.main) / 1e6); t[m].others.push((th.others - th0.others) / 1e6);
    t[m].wall.push(wall); t[m].cpu.push((c.user + c.system) / 1000); t[m].rec.push(t1 - t0);
  }
}
ctx.launch = original;
for (const m of modes) {
  const f = (x: number[]) => { const s = summarize(x); return `${s.ms.toFixed(1)} (${s.minMs.toFixed(1)}-${s.maxMs.toFixed(1)})`; };
  console.log(`${adapter} ${size}px ${m.padEnd(6)} wall ${f(t[m].wall)} ms, cpu ${f(t[m].cpu)} ms, recording (JS, to run()'s return) ${f(t[m].rec)} ms; cpu main thread ${f(t[m].main)}, other threads ${f(t[m].others)} ms`);
}
ev.dispose();
process.exit(0);
